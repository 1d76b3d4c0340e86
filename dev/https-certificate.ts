// A self-signed certificate for `vite dev` over HTTPS (STOREFRONT_HTTPS=1, see README
// "Running vite dev over HTTPS"), made once with openssl and kept in dev/.state/https/.
// Vite serves HTTPS over HTTP/2, which is what the origin policy must survive: no Host
// header, and the Worker sees the request URL without its port.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

export function devCertificate(root: string): { key: Buffer; cert: Buffer } {
  const dir = path.join(root, "dev", ".state", "https");
  const keyFile = path.join(dir, "localhost-key.pem");
  const certFile = path.join(dir, "localhost.pem");
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "365", "-subj", "/CN=localhost",
          "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", keyFile, "-out", certFile],
        { stdio: "pipe" },
      );
    } catch (error) {
      throw new Error(`STOREFRONT_HTTPS=1 needs openssl to make a development certificate (apt-get install openssl): ${String(error)}`);
    }
  }
  return { key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

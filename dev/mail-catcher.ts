// The local stack's mail catcher: MailDev (the `maildev` package), a real SMTP server that
// keeps every message and shows it in a web inbox. Medusa's order mail (dev/medusa,
// SMTP_HOST/SMTP_PORT) goes here in `npm run dev` and `npm test`; tests read the inbox
// through MailDev's REST API (GET /api/email).
import path from "node:path";
import { BIN, startProcess, waitForHttp } from "./processes.ts";

export type MailCatcher = {
  smtpPort: number;
  /** The web inbox (and the REST API under /api). */
  url: string;
  stop(): Promise<void>;
};

export async function startMailCatcher(options: { smtpPort: number; webPort: number; logFile: string }): Promise<MailCatcher> {
  const catcher = startProcess(
    "maildev",
    path.join(BIN, "maildev"),
    ["--smtp", String(options.smtpPort), "--web", String(options.webPort), "--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--max-emails", "2000"],
    { logFile: options.logFile },
  );
  const url = `http://127.0.0.1:${options.webPort}`;
  try {
    await waitForHttp(`${url}/api/healthz`, 30_000, catcher, (status) => status === 200);
  } catch (error) {
    await catcher.stop();
    throw error;
  }
  return { smtpPort: options.smtpPort, url, stop: () => catcher.stop() };
}

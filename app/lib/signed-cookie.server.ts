import { createCookie, type Cookie } from "react-router";
import type { AppConfig } from "./config.server";

/**
 * A signed, HttpOnly, SameSite=Lax cookie (Secure in production), made once per secret.
 * The signature is what makes its value "this browser's": a value can't be forged or
 * swapped without SESSION_SECRET.
 */
const cookies = new Map<string, Cookie>();

export function signedCookie(name: string, config: AppConfig, maxAgeSeconds: number): Cookie {
  const key = `${name}|${maxAgeSeconds}|${config.ENVIRONMENT}|${config.SESSION_SECRET}`;
  let cookie = cookies.get(key);
  if (!cookie) {
    cookie = createCookie(name, {
      secrets: [config.SESSION_SECRET],
      httpOnly: true,
      sameSite: "lax",
      secure: config.ENVIRONMENT === "production",
      path: "/",
      maxAge: maxAgeSeconds,
    });
    cookies.set(key, cookie);
  }
  return cookie;
}

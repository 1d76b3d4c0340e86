/**
 * Structured JSON logs (checkout contract, section 6): one line per step, always with the
 * request's trace id. Callers pass ids and outcomes, never secrets, client secrets or
 * emails; as a second line of defence every line is passed through `redact` (an error
 * message from a backend may quote what it was sent).
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = {
  msg?: string;
  step?: string;
  cart_id?: string;
  attempt_id?: string;
  duration_ms?: number;
  outcome?: "ok" | "error" | "skipped" | "hit" | "miss" | "stale";
  status?: number;
  [key: string]: unknown;
};

export type Logger = {
  traceId: string;
  route: string;
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  /** Runs `work`, then logs its step with duration and outcome; rethrows failures. */
  step<T>(step: string, work: () => Promise<T>, fields?: LogFields): Promise<T>;
};

export function createLogger(traceId: string, route: string): Logger {
  const log = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    const line = redact(JSON.stringify({ level, msg, trace_id: traceId, route, ...fields, time: new Date().toISOString() }));
    if (level === "error" || level === "warn") console.error(line);
    else console.log(line);
  };
  return {
    traceId,
    route,
    log,
    async step(step, work, fields = {}) {
      const started = Date.now();
      try {
        const result = await work();
        log("info", step, { step, ...fields, outcome: "ok", duration_ms: Date.now() - started });
        return result;
      } catch (error) {
        const status = typeof error === "object" && error && "status" in error ? Number(error.status) : undefined;
        log("warn", step, {
          step,
          ...fields,
          outcome: "error",
          duration_ms: Date.now() - started,
          status,
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    },
  };
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** Takes the trace id of an incoming W3C `traceparent`, or makes a new one. */
export function traceIdFor(request: Request): string {
  const match = TRACEPARENT.exec(request.headers.get("traceparent")?.trim().toLowerCase() ?? "");
  if (match?.[1] && !/^0+$/.test(match[1])) return match[1];
  return newTraceId();
}

/** A fresh trace id (32 hex digits, as in `traceparent`), for work no request started. */
export function newTraceId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

const CLIENT_SECRET = /\b((?:pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+/g;
const SECRET_KEY = /\b(sk|rk)_(live|test)_[A-Za-z0-9]+/g;
const WEBHOOK_SECRET = /\bwhsec_[A-Za-z0-9+/=]+/g;
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

/** Masks client secrets, API keys, webhook secrets and email addresses (`a***@example.com`). */
export function redact(text: string): string {
  return text
    .replace(CLIENT_SECRET, "$1_secret_[redacted]")
    .replace(SECRET_KEY, "$1_$2_[redacted]")
    .replace(WEBHOOK_SECRET, "whsec_[redacted]")
    .replace(EMAIL, "$1***@$2");
}

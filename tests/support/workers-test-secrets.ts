/** The Workers test pool's cookie secret (also looked for by the log scan at the end of a run). */
export const WORKERS_TEST_SESSION_SECRET = "workers-test-session-secret-0123456789abcdef";

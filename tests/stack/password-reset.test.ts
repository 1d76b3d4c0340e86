// Password reset on the production build, against the real Medusa (its reset flow and its
// single-use tokens) and the stack's mail catcher: the request's neutral answer and the
// one mail it sends, the link that sets a new password, tokens that are used, replaced,
// tampered or expired, field messages and the origin policy before any Medusa call
// (counted at the fault proxy), the rate limits, and 520 seeded hostile inputs for each
// of the two POSTs.
import { createHmac } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { readWranglerConfig } from "../../dev/worker-config.ts";
import { expectCrossOriginRefused, page, postForm, registration, signedUp, signIn, type Registration } from "../support/customer.ts";
import { formCases, seededRandom } from "../support/fuzz.ts";
import { checkOutcomes, CONTRACT_CODES, inPool, send, type Outcome } from "../support/fuzz-outcomes.ts";
import { awaitMail, mailsTo, type CaughtMail } from "../support/mail.ts";
import { eventually } from "../support/poll.ts";
import { holdEach, medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { newClientIp, Shopper } from "../support/shopper.ts";

const stack = inject("stack");
const baseUrl = stack.storefronts.preview!;
const CASE_TIMEOUT_MS = 120_000;
const NEW_PASSWORD = "a-brand-new-password";
const NEUTRAL = "If an account uses this email, a link to choose a new password is on its way.";
const REFUSED = "This link has expired or has already been used. Ask for a new one.";
const LINK_PROBLEM = "This link is incomplete or damaged. Ask for a new one.";
const SUBJECT = /Choose a new password/;

const newShopper = () => new Shopper(baseUrl);

async function requestReset(shopper: Shopper, email: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; response: Response }> {
  const response = await postForm(shopper, "/account/forgot-password", { intent: "request-reset", email }, headers);
  return { status: response.status, text: await response.text(), response };
}

/** The link in a reset mail, as a path of the storefront under test (the mail names the stack's linked storefront). */
function resetLinkIn(mail: CaughtMail): { path: string; token: string; email: string; url: URL } {
  const found = /(https?:\/\/\S+\/account\/reset-password\?\S+)/.exec(mail.text)?.[1];
  if (!found) throw new Error(`no reset link in the mail: ${mail.text}`);
  const url = new URL(found);
  return { path: `${url.pathname}${url.search}`, token: url.searchParams.get("token")!, email: url.searchParams.get("email")!, url };
}

/** Asks for a reset as a new shopper and answers the link of the mail it sends (the `nth` mail to that address). */
async function mailedLink(email: string, nth = 1) {
  expect((await requestReset(newShopper(), email)).status).toBe(200);
  const mails = await eventually(
    async () => (await mailsTo(email)).filter((mail) => SUBJECT.test(mail.subject)),
    (found) => found.length >= nth,
    30_000,
  );
  expect(mails.length, `reset mail #${nth} to ${email}`).toBeGreaterThanOrEqual(nth);
  return resetLinkIn(mails[nth - 1]!);
}

async function reset(shopper: Shopper, fields: { token: string; email: string; password: string }, headers: Record<string, string> = {}) {
  const response = await postForm(shopper, "/account/reset-password", { intent: "reset-password", ...fields }, headers);
  return { status: response.status, location: response.headers.get("location"), text: await response.text(), response };
}

/** The token with its payload rewritten (its signature no longer matches). */
function withPayload(token: string, change: (payload: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".");
  const decoded = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>;
  return `${header}.${Buffer.from(JSON.stringify(change(decoded))).toString("base64url")}.${signature}`;
}

const signsIn = async (account: Registration, password: string) => (await signIn(newShopper(), account.email, password)).status;

describe("the reset link", () => {
  it("a request for an account mails exactly one link; it sets a new password: the old one is refused, the new one signs in", { timeout: CASE_TIMEOUT_MS }, async () => {
    const account = await signedUp(newShopper(), "reset");
    const signInPage = await page(newShopper(), "/account/sign-in");
    expect(signInPage.html).toMatch(/<a[^>]+href="\/account\/forgot-password"[^>]*>Forgot your password\?<\/a>/);

    const asked = await requestReset(newShopper(), account.email);
    expect(asked.status).toBe(200);
    expect(asked.text).toContain(NEUTRAL);
    const mail = await awaitMail(account.email, SUBJECT);
    const link = resetLinkIn(mail);
    expect(link.url.pathname).toBe("/account/reset-password");
    expect(link.email).toBe(account.email);
    expect(link.token.split(".")).toHaveLength(3);
    expect(mail.html).toContain(link.url.toString().replaceAll("&", "&amp;"));
    expect(mail.text).toContain("Hello Ada,");

    const shopper = newShopper();
    const form = await page(shopper, link.path);
    expect(form.status).toBe(200);
    expect(form.html).toContain(`For the account ${account.email}`);
    expect(form.html).toContain(`name="token" value="${link.token}"`);
    expect(form.html).toContain('<meta name="referrer" content="no-referrer"/>');

    const done = await reset(shopper, { token: link.token, email: link.email, password: NEW_PASSWORD });
    expect(done.status).toBe(302);
    expect(done.location).toBe("/account/sign-in?reset=done");
    expect((await page(shopper, done.location!)).html).toContain("Your password is changed. Sign in with the new one.");
    expect(await signsIn(account, account.password)).toBe(401);
    expect(await signsIn(account, NEW_PASSWORD)).toBe(302);

    // One request, one mail: nothing else arrives (the idempotency key is the token's).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await mailsTo(account.email)).filter((caught) => SUBJECT.test(caught.subject))).toHaveLength(1);
  });

  it("a used link is refused the second time and changes nothing; a newer link replaces an older one", { timeout: CASE_TIMEOUT_MS }, async () => {
    const account = await signedUp(newShopper(), "reuse");
    const first = await mailedLink(account.email, 1);
    const second = await mailedLink(account.email, 2);
    expect(second.token).not.toBe(first.token);

    // Medusa keeps one live token per identity: asking again killed the first link.
    const trace = newTrace();
    const older = await reset(newShopper(), { token: first.token, email: first.email, password: "older-link-password" }, { traceparent: trace.traceparent });
    expect(older.status).toBe(401);
    expect(older.text).toContain(REFUSED);
    expect((await medusaRequestsFor(trace.traceId)).map((request) => [request.method, request.path, request.status])).toEqual([["POST", "/auth/customer/emailpass/update", 401]]);
    expect(await signsIn(account, account.password)).toBe(302);

    expect((await reset(newShopper(), { token: second.token, email: second.email, password: NEW_PASSWORD })).status).toBe(302);
    // The same link again: Medusa spent the token on first use (401 "Invalid token").
    const again = await reset(newShopper(), { token: second.token, email: second.email, password: "third-password-here" });
    expect(again.status).toBe(401);
    expect(again.text).toContain(REFUSED);
    // (Sign-ins here stay within the per-email limit, which sign-up and the two requests share.)
    expect(await signsIn(account, NEW_PASSWORD)).toBe(302);
  });

  it("one link submitted twice at once changes the password once: the submissions take turns, and the second finds the token spent", { timeout: CASE_TIMEOUT_MS }, async () => {
    const account = await signedUp(newShopper(), "twice");
    const link = await mailedLink(account.email);
    // Each update held 1 s at the proxy: side by side, both would be in Medusa at once, and
    // Medusa checks a token before it spends it (both changed the password: measured).
    const traces = [newTrace(), newTrace()];
    const held = await holdEach(traces, "POST", "/auth/customer/emailpass/update$", 1_000);
    const passwords = ["first-of-two-passwords", "second-of-two-passwords"] as const;
    const answers = await Promise.all(
      traces.map((trace, index) => reset(newShopper(), { token: link.token, email: link.email, password: passwords[index]! }, { traceparent: trace.traceparent })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([302, 401]);
    const refused = answers.find((answer) => answer.status === 401)!;
    expect(refused.text).toContain(REFUSED);
    expect((await held.taken()).map((update) => update.status)).toEqual([200, 401]);
    const winner = answers.findIndex((answer) => answer.status === 302);
    expect(await signsIn(account, passwords[winner]!)).toBe(302);
    expect(await signsIn(account, passwords[1 - winner]!)).toBe(401);
  });

  it("a tampered or forged token is refused by Medusa and spends nothing: the password is unchanged and the real link still works", { timeout: CASE_TIMEOUT_MS }, async () => {
    const account = await signedUp(newShopper(), "tamper");
    const link = await mailedLink(account.email);
    const [header, payload, signature] = link.token.split(".") as [string, string, string];
    const flipped = `${header}.${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    // Same claims, signed with a secret that isn't Medusa's.
    const forgedSignature = createHmac("sha256", "not-medusa-s-secret").update(`${header}.${payload}`).digest("base64url");
    for (const token of [flipped, `${header}.${payload}.${forgedSignature}`, withPayload(link.token, (claims) => ({ ...claims, jti: "00000000-0000-4000-8000-000000000000" }))]) {
      const trace = newTrace();
      const refused = await reset(newShopper(), { token, email: link.email, password: "tampered-password" }, { traceparent: trace.traceparent });
      expect(refused.status).toBe(401);
      expect(refused.text).toContain(REFUSED);
      expect((await medusaRequestsFor(trace.traceId)).map((request) => request.status)).toEqual([401]);
    }
    // Another account's email in the token: refused as a damaged link, before Medusa.
    const trace = newTrace();
    const other = withPayload(link.token, (claims) => ({ ...claims, entity_id: registration("victim").email }));
    const mismatched = await reset(newShopper(), { token: other, email: link.email, password: "tampered-password" }, { traceparent: trace.traceparent });
    expect(mismatched.status).toBe(400);
    expect(mismatched.text).toContain(LINK_PROBLEM);
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);

    expect(await signsIn(account, "tampered-password")).toBe(401);
    expect(await signsIn(account, account.password)).toBe(302);
    expect((await reset(newShopper(), { token: link.token, email: link.email, password: NEW_PASSWORD })).status).toBe(302);
    expect(await signsIn(account, NEW_PASSWORD)).toBe(302);
  });

  it("an expired, damaged or missing link gets no form and a way to ask again; posting an expired one never reaches Medusa", { timeout: CASE_TIMEOUT_MS }, async () => {
    const account = await signedUp(newShopper(), "expired");
    const link = await mailedLink(account.email);
    // Medusa's tokens last 15 minutes (the JWT's exp, and the stored token's expires_at).
    const claims = JSON.parse(Buffer.from(link.token.split(".")[1]!, "base64url").toString("utf8")) as { exp: number; iat: number; purpose: string; actor_type: string };
    expect(claims.exp - claims.iat).toBe(15 * 60);
    expect(claims).toMatchObject({ purpose: "reset", actor_type: "customer" });

    const expired = withPayload(link.token, (payload) => ({ ...payload, exp: Math.floor(Date.now() / 1000) - 60 }));
    const query = (token: string, email: string) => `/account/reset-password?${new URLSearchParams({ token, email })}`;
    const expiredPage = await page(newShopper(), query(expired, link.email));
    expect(expiredPage.status).toBe(200);
    expect(expiredPage.html).toContain("This link has expired");
    expect(expiredPage.html).not.toContain('name="password"');
    expect(expiredPage.html).toContain(`href="/account/forgot-password?email=${encodeURIComponent(link.email)}"`);
    for (const path of ["/account/reset-password", query("not-a-token", link.email), query(link.token, registration("other").email)]) {
      const damaged = await page(newShopper(), path);
      expect(damaged.status, path).toBe(200);
      expect(damaged.html, path).toContain(LINK_PROBLEM);
      expect(damaged.html, path).not.toContain('name="password"');
    }

    const trace = newTrace();
    const posted = await reset(newShopper(), { token: expired, email: link.email, password: NEW_PASSWORD }, { traceparent: trace.traceparent });
    expect(posted.status).toBe(401);
    expect(posted.text).toContain(REFUSED);
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
    // The ask-again page fills the email in.
    expect((await page(newShopper(), `/account/forgot-password?email=${encodeURIComponent(link.email)}`)).html).toContain(`value="${link.email}"`);
    expect(await signsIn(account, account.password)).toBe(302);
  });
});

describe("neutral answers and bad input", () => {
  it("an unknown email, or an admin user's, gets the same answer as an account's, and no mail", { timeout: CASE_TIMEOUT_MS }, async () => {
    const account = await signedUp(newShopper(), "neutral");
    const unknown = registration("nobody").email;
    const admin = process.env.MEDUSA_DEV_ADMIN_EMAIL ?? "admin@harbor-and-pine.local";
    const message = (text: string) => /If an account uses this email[^"<]*/.exec(text)?.[0];
    const answers = [];
    for (const email of [account.email, unknown, admin]) {
      const trace = newTrace();
      const answer = await requestReset(newShopper(), email, { traceparent: trace.traceparent });
      // The same one Medusa call for each: Medusa answers 201 whether or not the email has an identity.
      expect((await medusaRequestsFor(trace.traceId)).map((request) => [request.method, request.path, request.status]), email).toEqual([
        ["POST", "/auth/customer/emailpass/reset-password", 201],
      ]);
      answers.push({ status: answer.status, message: message(answer.text) });
    }
    expect(answers[0]).toEqual({ status: 200, message: expect.stringContaining(NEUTRAL) });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    await awaitMail(account.email, SUBJECT);
    // The account's mail came; in that time none went to the others.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await mailsTo(unknown)).toEqual([]);
    expect((await mailsTo(admin)).filter((mail) => SUBJECT.test(mail.subject))).toEqual([]);
  });

  it("bad input gets field messages and makes no Medusa request; a refused password doesn't spend the link", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    const cases: Array<[string, Record<string, string>, string[]]> = [
      ["/account/forgot-password.data", { intent: "request-reset", email: "not-an-email" }, ["Enter an email address like name@example.com."]],
      ["/account/forgot-password.data", { intent: "request-reset" }, ["Enter your email address."]],
      ["/account/forgot-password", { intent: "request-reset", email: `${"x".repeat(250)}@example.com` }, ["That email address is too long."]],
      ["/account/reset-password.data", { intent: "reset-password", token: "garbage", email: "a@example.com", password: "short" }, [LINK_PROBLEM, "Use at least 8 characters."]],
      ["/account/reset-password.data", { intent: "reset-password", token: "aaaaaaaa.bbbbbbbb.cccccccc", email: "a@example.com", password: "x".repeat(129) }, ["Use at most 128 characters."]],
      ["/account/reset-password", { intent: "reset-password", token: "aaaaaaaa.bbbbbbbb.cccccccc", email: "a@example.com", password: "         " }, ["Use at least one letter or digit."]],
      ["/account/reset-password.data", { intent: "sign-in", token: "aaaaaaaa.bbbbbbbb.cccccccc", email: "a@example.com", password: "long-enough" }, ["Unknown action"]],
    ];
    for (const [path, fields, messages] of cases) {
      const trace = newTrace();
      const response = await postForm(shopper, path, fields, { traceparent: trace.traceparent });
      expect(response.status, `${path} ${JSON.stringify(fields)}`).toBe(400);
      const text = await response.text();
      for (const expected of messages) expect(text, path).toContain(expected);
      expect(await medusaRequestsFor(trace.traceId), path).toEqual([]);
    }

    // A real link with a password the rules refuse: 400, and the link still works after.
    const account = await signedUp(newShopper(), "badreset");
    const link = await mailedLink(account.email);
    const short = await reset(newShopper(), { token: link.token, email: link.email, password: "1234567" });
    expect(short.status).toBe(400);
    expect(short.text).toContain("Use at least 8 characters.");
    expect((await reset(newShopper(), { token: link.token, email: link.email, password: NEW_PASSWORD })).status).toBe(302);
  });

  it("the origin policy covers both POSTs: cross-origin requests are refused before Medusa", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    await expectCrossOriginRefused(shopper, [
      ["/account/forgot-password", { intent: "request-reset", email: registration("origin").email }],
      ["/account/reset-password", { intent: "reset-password", token: "aaaaaaaa.bbbbbbbb.cccccccc", email: "a@example.com", password: NEW_PASSWORD }],
    ]);
  });
});

describe("rate limits on password reset", () => {
  type Binding = { name: string; simple: { limit: number; period: number } };
  const limits = new Map(((readWranglerConfig().ratelimits ?? []) as Binding[]).map((binding) => [binding.name, binding.simple.limit]));
  // Windows follow the clock minute: start early in one.
  const earlyInMinute = async () => {
    if (60_000 - (Date.now() % 60_000) < 20_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - (Date.now() % 60_000) + 100));
  };

  it("per email: requests past the limit are 429 with Retry-After, whatever the connection; nothing reaches Medusa", { timeout: CASE_TIMEOUT_MS }, async () => {
    const limit = limits.get("RATE_LIMIT_ACCOUNT_PER_EMAIL")!;
    expect(limit).toBeGreaterThan(0);
    // An address without an account: the limit doesn't depend on one, and no mail piles up.
    const email = registration("limit-reset").email;
    await earlyInMinute();
    const statuses: number[] = [];
    for (let index = 0; index < limit; index++) statuses.push((await requestReset(newShopper(), email)).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const trace = newTrace();
    const limited = await requestReset(newShopper(), email, { traceparent: trace.traceparent });
    expect(limited.status).toBe(429);
    expect(limited.response.headers.get("retry-after")).toBe("60");
    expect(limited.text).toContain("Too many requests for this email address");
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
  });

  it("per client: one connection asking for many emails, or trying many reset tokens, is stopped; the email's owner is not", { timeout: CASE_TIMEOUT_MS }, async () => {
    const limit = limits.get("RATE_LIMIT_ACCOUNT_PER_CLIENT")!;
    await earlyInMinute();
    const asker = newShopper();
    const statuses: number[] = [];
    for (let index = 0; index <= limit; index++) statuses.push((await requestReset(asker, registration("spray").email)).status);
    expect(statuses.slice(0, limit).every((status) => status === 200)).toBe(true);
    expect(statuses[limit]).toBe(429);

    // Well-formed, unexpired tokens whose signatures are wrong: Medusa refuses each, until the limit refuses them first.
    const account = await signedUp(newShopper(), "guess");
    const link = await mailedLink(account.email);
    const guesser = newShopper();
    const guesses: number[] = [];
    for (let index = 0; index < limit; index++) {
      const token = withPayload(link.token, (claims) => ({ ...claims, jti: `guess-${index}` }));
      guesses.push((await reset(guesser, { token, email: link.email, password: NEW_PASSWORD })).status);
    }
    expect(guesses.every((status) => status === 401)).toBe(true);
    const trace = newTrace();
    const limited = await reset(guesser, { token: link.token, email: link.email, password: NEW_PASSWORD }, { traceparent: trace.traceparent });
    expect(limited.status).toBe(429);
    expect(limited.response.headers.get("retry-after")).toBe("60");
    expect(await medusaRequestsFor(trace.traceId)).toEqual([]);
    // Choosing the password is limited per connection only: the guesses didn't lock the
    // email's owner out, and the limited attempt didn't spend the real link.
    expect((await reset(newShopper(), { token: link.token, email: link.email, password: NEW_PASSWORD })).status).toBe(302);
  });
});

describe("fuzzing the reset POSTs (520 seeded inputs each)", () => {
  const CASES = 520;
  const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
  const CONCURRENCY = 4;
  // Each case from a client of its own: the per-client limit would otherwise answer most of them.
  const asNewClient = () => ({ "cf-connecting-ip": newClientIp() });

  it("asking for a link", { timeout: 300_000 }, async () => {
    // Each case its own address (unknown to Medusa), so valid ones don't all meet the per-email limit.
    const placeholder = "fuzzreset000000";
    const cases = formCases(seededRandom(SEED + 10), { intent: "request-reset", email: `${placeholder}@example.com` }, CASES).map((fuzz, index) => ({
      ...fuzz,
      body: fuzz.body.replaceAll(placeholder, `fuzzreset${String(index).padStart(6, "0")}`),
    }));
    const shopper = newShopper();
    const outcomes = await inPool(cases, CONCURRENCY, (fuzz) => send(shopper, "/account/forgot-password.data", fuzz, asNewClient()));
    const { summary } = await checkOutcomes("password reset: request", outcomes, CONTRACT_CODES, (outcome: Outcome) => outcome.body?.ok === true, SEED, {
      figuresFile: "password-reset-fuzz.json",
    });
    expect(summary.invalid).toBeGreaterThan(CASES * 0.5);
    expect(summary.accepted).toBeGreaterThan(0);
    const all = (await (await fetch(`${stack.mailUrl}/api/email`)).json()) as CaughtMail[];
    expect(all.filter((mail) => mail.to.some((to) => to.address.startsWith("fuzzreset")))).toEqual([]);
  });

  it("choosing the new password", { timeout: 300_000 }, async () => {
    const account = await signedUp(newShopper(), "fuzzreset");
    const link = await mailedLink(account.email);
    const cases = formCases(seededRandom(SEED + 11), { intent: "reset-password", token: link.token, email: link.email, password: "fuzzed-new-password" }, CASES);
    const shopper = newShopper();
    const outcomes = await inPool(cases, CONCURRENCY, (fuzz) => send(shopper, "/account/reset-password.data", fuzz, asNewClient()));
    // Success is a redirect (202 in a single-fetch answer). A refusal may have asked Medusa
    // to update with the token, as long as Medusa refused it (checked below): nothing written.
    const { summary, records } = await checkOutcomes("password reset: new password", outcomes, CONTRACT_CODES, (outcome: Outcome) => outcome.status === 202, SEED, {
      nonWritingPosts: ["/auth/customer/emailpass/update"],
      figuresFile: "password-reset-fuzz.json",
    });
    expect(summary.invalid).toBeGreaterThan(CASES * 0.5);
    const refusedCalls = outcomes.filter((outcome) => outcome.status !== 202).flatMap((outcome) => records.get(outcome.traceId) ?? []);
    expect(refusedCalls.filter((request) => request.status !== 401)).toEqual([]);
    // One token, one change at most; without one, the password is what it was.
    expect(summary.accepted).toBeLessThanOrEqual(1);
    expect(await signsIn(account, account.password)).toBe(summary.accepted === 1 ? 401 : 302);
  });
});

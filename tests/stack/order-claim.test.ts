// Guest orders brought into an account, on the production build against the real Medusa
// (its order transfer routes, the subscriber that mails the token, MailDev). A guest buys,
// then registers with that email in the same browser: exactly one mail with a link, and
// confirming it moves the order into the account. Nobody else can use the link, a tampered
// token moves nothing, an order of another email is never asked for, a GET writes nothing,
// and the claim POST holds up under seeded hostile input (counted at the fault proxy).
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { customerByEmail, expectCrossOriginRefused, newEmail, page, postForm, registration, signedUp, signIn } from "../support/customer.ts";
import { formCases, seededRandom } from "../support/fuzz.ts";
import { checkOutcomes, CONTRACT_CODES, inPool, send } from "../support/fuzz-outcomes.ts";
import { awaitMail, mailsTo, type CaughtMail } from "../support/mail.ts";
import { shippingOptionId } from "../support/medusa.ts";
import { adminRequest } from "../support/medusa-admin.ts";
import { placedOrder } from "../support/paid-checkouts.ts";
import { medusaRequestsFor, newTrace } from "../support/proxy.ts";
import { Shopper, TEXAS_ADDRESS } from "../support/shopper.ts";

const stack = inject("stack");
const baseUrl = stack.storefronts.preview!;
const CASE_TIMEOUT_MS = 180_000;
const FUZZ_CASES = 520;
const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const CLAIM_SUBJECT = /^Add order #\d+ to your account/;

const newShopper = () => new Shopper(baseUrl);

/** A guest checkout in this shopper's browser (its `orders` cookie then names the order). */
async function buyAsGuest(shopper: Shopper, email: string) {
  await shopper.addToCart("dot-grid-notebook", "A6");
  const prepared = await shopper.prepared({ email, shipping_address: TEXAS_ADDRESS, shipping_option_id: await shippingOptionId(shopper.cartId) });
  await shopper.confirmPayment(stack.stripeSimUrl, prepared);
  const { orderId } = await shopper.waitForOrder(prepared.checkout_attempt_id);
  const { order } = await medusaOrder(orderId);
  return { orderId, displayId: order.display_id, amount: prepared.amount, guestCustomerId: order.customer_id };
}

function medusaOrder(orderId: string) {
  return adminRequest<{ order: { id: string; display_id: number; customer_id: string; email: string } }>(`/admin/orders/${orderId}?fields=id,display_id,customer_id,email`);
}

/** The order's open changes as Medusa's admin lists them (a transfer request is one). */
async function openTransfers(orderId: string) {
  const { order_changes } = await adminRequest<{ order_changes: { change_type: string; status: string }[] }>(`/admin/orders/${orderId}/changes`);
  return order_changes.filter((change) => change.change_type === "transfer" && change.status === "requested");
}

/** The claim link of a mail, as a path of the storefront under test. */
function claimPath(mail: CaughtMail): string {
  const link = /Add it to your account: (\S+)/.exec(mail.text)?.[1];
  expect(link, mail.text).toBeDefined();
  const url = new URL(link!);
  expect(url.pathname).toBe("/account/orders/claim");
  return `${url.pathname}${url.search}`;
}

async function claimMails(email: string) {
  return (await mailsTo(email)).filter((mail) => CLAIM_SUBJECT.test(mail.subject));
}

async function traced(run: (headers: Record<string, string>) => Promise<Response>) {
  const trace = newTrace();
  const response = await run({ traceparent: trace.traceparent });
  const text = await response.text();
  return { response, text, requests: await medusaRequestsFor(trace.traceId) };
}

const writesOf = <R extends { method: string }>(requests: R[]) => requests.filter((request) => request.method !== "GET");

describe("a guest order brought into a new account", () => {
  it("registering with the order's email in the same browser mails one link; confirming it moves the order into the account", { timeout: CASE_TIMEOUT_MS }, async () => {
    const guest = newShopper();
    const email = newEmail("claim");
    const bought = await buyAsGuest(guest, email);
    const confirmation = `/orders/${bought.orderId}/confirmed`;

    // The confirmation page offers an account with the order's email prefilled, and sign-in.
    const offered = await page(guest, confirmation);
    expect(offered.status).toBe(200);
    expect(offered.html).toContain("Create an account to keep this order with your others");
    const registerHref = /href="(\/account\/register\?[^"]+)"/.exec(offered.html)?.[1]?.replaceAll("&amp;", "&");
    expect(registerHref).toBeDefined();
    expect(new URL(registerHref!, baseUrl).searchParams.get("email")).toBe(email);
    expect(offered.html).toContain(`href="/account/sign-in?next=${encodeURIComponent(confirmation)}"`);
    const registerPage = await page(guest, registerHref!);
    expect(registerPage.html).toContain(`value="${email}"`);

    // Sign-up: exactly one transfer request, for this order; then the page that says what was mailed.
    const account = { ...registration("claim"), email };
    const signUp = await traced((headers) => postForm(guest, "/account/register", { intent: "sign-up", ...account, next: confirmation }, headers));
    expect(signUp.response.status).toBe(302);
    const newsPath = signUp.response.headers.get("location")!;
    expect(newsPath).toBe(`/account/orders/claim?next=${encodeURIComponent(confirmation)}`);
    expect(writesOf(signUp.requests).filter((request) => request.path.includes("/transfer/")).map((request) => request.path)).toEqual([
      `/store/orders/${bought.orderId}/transfer/request`,
    ]);
    const news = await page(guest, newsPath);
    expect(news.status).toBe(200);
    expect(news.html).toContain(`We&#x27;ve emailed a link to add your order #${bought.displayId} to your account`);
    expect(news.html).toContain(`href="${confirmation}"`);

    const mail = await awaitMail(email, CLAIM_SUBJECT);
    expect(mail.subject).toContain(`#${bought.displayId}`);
    const link = claimPath(mail);
    const customer = (await customerByEmail(email))!;
    expect(customer.id).not.toBe(bought.guestCustomerId);
    // Nothing moved yet: the mail is the proof, and it hasn't been used.
    expect((await medusaOrder(bought.orderId)).order.customer_id).toBe(bought.guestCustomerId);
    expect((await page(guest, confirmation)).html).toContain(`We&#x27;ve emailed a link to add order #${bought.displayId} to your account`);

    // A GET of the link shows a button and writes nothing.
    const shown = await traced((headers) => guest.request(link, { headers }));
    expect(shown.response.status).toBe(200);
    expect(shown.text).toContain(`Add order #${bought.displayId} to my account`);
    expect(shown.requests.length).toBeGreaterThan(0);
    expect(writesOf(shown.requests)).toEqual([]);
    expect((await medusaOrder(bought.orderId)).order.customer_id).toBe(bought.guestCustomerId);

    const token = new URL(link, baseUrl).searchParams.get("token")!;
    const claim = (fields: Record<string, string> = {}) => ({ intent: "claim-order", order: bought.orderId, token, ...fields });

    // Another account with the same link: refused, before Medusa sees the token; nothing moves.
    const other = newShopper();
    await signedUp(other, "claim-other");
    const otherGet = await page(other, link);
    expect(otherGet.status).toBe(404);
    expect(otherGet.html).not.toContain("to my account");
    const otherPost = await traced((headers) => postForm(other, link, claim(), headers));
    expect(otherPost.response.status).toBe(404);
    expect(otherPost.text).toContain("doesn&#x27;t work for the account you&#x27;re signed in with");
    expect(writesOf(otherPost.requests)).toEqual([]);
    expect((await medusaOrder(bought.orderId)).order.customer_id).toBe(bought.guestCustomerId);

    // A tampered token: Medusa refuses it, nothing moves, and the real link still works.
    const tampered = token.replace(/^./, (char) => (char === "a" ? "b" : "a"));
    const refused = await postForm(guest, link, claim({ token: tampered }));
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("This link isn&#x27;t valid");
    expect((await medusaOrder(bought.orderId)).order.customer_id).toBe(bought.guestCustomerId);
    expect(await openTransfers(bought.orderId)).toHaveLength(1);

    // Confirmed by the account that asked: the order is theirs, in Medusa and in the account.
    const confirmed = await postForm(guest, link, claim());
    await confirmed.arrayBuffer();
    expect(confirmed.status).toBe(302);
    expect(confirmed.headers.get("location")).toBe(`/account/orders/${bought.orderId}`);
    const moved = (await medusaOrder(bought.orderId)).order;
    expect(moved.customer_id).toBe(customer.id);
    expect(moved.email).toBe(email);
    expect(await openTransfers(bought.orderId)).toEqual([]);

    const list = await page(guest, "/account/orders");
    const row = new RegExp(`data-order-id="${bought.orderId}"[\\s\\S]*?</tr>`).exec(list.html)?.[0];
    expect(row, "the claimed order is in the list").toBeDefined();
    expect(row).toContain(`$${(bought.amount / 100).toFixed(2)}`);
    const detail = await page(guest, `/account/orders/${bought.orderId}`);
    expect(detail.status).toBe(200);
    expect(detail.html).toContain(`Order #${bought.displayId}`);
    expect((await page(guest, confirmation)).html).toContain("See it in your account");

    // The link again (a double click, another tab): the order, in the account; to anyone else still nothing.
    const again = await postForm(guest, link, claim());
    await again.arrayBuffer();
    expect(again.headers.get("location")).toBe(`/account/orders/${bought.orderId}`);
    expect((await postForm(other, link, claim())).status).toBe(404);
    expect((await page(other, `/account/orders/${bought.orderId}`)).status).toBe(404);

    // Exactly one claim mail, and signing in again asks for nothing more.
    const signInAgain = await traced((headers) => postForm(guest, "/account/sign-in", { intent: "sign-in", email, password: account.password }, headers));
    expect(signInAgain.response.headers.get("location")).toBe("/account");
    expect(writesOf(signInAgain.requests).filter((request) => request.path.includes("/transfer/"))).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await claimMails(email)).toHaveLength(1);
  });

  it("only the orders of the account's email are asked for; another email's order in the same browser is left alone", { timeout: CASE_TIMEOUT_MS }, async () => {
    const browser = newShopper();
    const email = newEmail("claim-mine");
    const otherEmail = newEmail("claim-theirs");
    const theirs = await buyAsGuest(browser, otherEmail);
    const mine = await buyAsGuest(browser, email);

    const signUp = await traced((headers) => postForm(browser, "/account/register", { intent: "sign-up", ...registration("x"), email }, headers));
    expect(signUp.response.status).toBe(302);
    const requested = writesOf(signUp.requests).filter((request) => request.path.includes("/transfer/"));
    expect(requested.map((request) => request.path)).toEqual([`/store/orders/${mine.orderId}/transfer/request`]);
    await awaitMail(email, CLAIM_SUBJECT);
    const news = await page(browser, signUp.response.headers.get("location")!);
    expect(news.html).toContain(`order #${mine.displayId} to your account`);
    expect(news.html).not.toContain(`#${theirs.displayId} `);
    // The other email's order: no request, no mail, still the guest's.
    expect(await openTransfers(theirs.orderId)).toEqual([]);
    expect(await claimMails(otherEmail)).toEqual([]);
    expect((await medusaOrder(theirs.orderId)).order.customer_id).toBe(theirs.guestCustomerId);

    // Signing in again within the link's days: no second request, no second mail, straight on.
    const again = await traced((headers) => postForm(browser, "/account/sign-in", { intent: "sign-in", email, password: "correct-horse-battery", next: "/cart" }, headers));
    expect(again.response.headers.get("location")).toBe("/cart");
    expect(writesOf(again.requests).filter((request) => request.path.includes("/transfer/"))).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await claimMails(email)).toHaveLength(1);
  });

  it("a signed-out visitor of the link signs in and comes back to it; the link's fields are checked", { timeout: CASE_TIMEOUT_MS }, async () => {
    const link = `/account/orders/claim?order=order_01ABCDEFGHJKMNPQRSTVWXYZ00&token=${randomUUID()}`;
    const visitor = newShopper();
    const answer = await page(visitor, link);
    expect(answer.status).toBe(302);
    expect(answer.location).toBe(`/account/sign-in?next=${encodeURIComponent(link)}`);
    const account = await signedUp(visitor, "claim-visitor");
    const back = await signIn(visitor, account.email, account.password, link);
    expect(back.headers.get("location")).toBe(link);
    // An unknown order: the clear message, and nothing written.
    const unknown = await traced((headers) => visitor.request(link, { headers }));
    expect(unknown.response.status).toBe(404);
    expect(unknown.text).toContain("This link doesn&#x27;t work");
    expect(writesOf(unknown.requests)).toEqual([]);
    // A cut-short link: said so, without asking Medusa.
    const cut = await traced((headers) => visitor.request("/account/orders/claim?order=order_01ABCDEFGHJKMNPQRSTVWXYZ00&token=1234", { headers }));
    expect(cut.response.status).toBe(400);
    expect(cut.text).toContain("This link is incomplete");
    expect(cut.requests.filter((request) => request.path.startsWith("/store/orders"))).toEqual([]);
  });

  it("a cross-origin claim POST is refused before Medusa", { timeout: CASE_TIMEOUT_MS }, async () => {
    const shopper = newShopper();
    await signedUp(shopper, "claim-origin");
    const fields = { intent: "claim-order", order: "order_01ABCDEFGHJKMNPQRSTVWXYZ00", token: randomUUID() };
    await expectCrossOriginRefused(shopper, [["/account/orders/claim", fields]], ["https://evil.example", null]);
  });
});

/** Medusa's Store API called directly (not through the storefront), as any client with the publishable key can. */
async function storeApi(path: string, init: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { "x-publishable-api-key": stack.publishableKey, "content-type": "application/json" };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(`${stack.medusaUrl}${path}`, { method: init.body === undefined ? "GET" : "POST", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as { message?: string; type?: string; order?: { customer_id?: string } } };
}

/** A customer with an account, made at Medusa directly; its token. */
async function medusaCustomer(email: string): Promise<{ id: string; token: string }> {
  const password = "correct-horse-battery";
  const registered = await storeApi("/auth/customer/emailpass/register", { body: { email, password } });
  const created = await storeApi("/store/customers", { token: (registered.json as { token: string }).token, body: { email, first_name: "M", last_name: "T" } });
  const signedIn = await storeApi("/auth/customer/emailpass", { body: { email, password } });
  return { id: (created.json as { customer: { id: string } }).customer.id, token: (signedIn.json as { token: string }).token };
}

async function transferToken(orderId: string): Promise<string> {
  const { order_changes } = await adminRequest<{ order_changes: { change_type: string; status: string; actions: { action: string; details: { token: string } }[] }[] }>(`/admin/orders/${orderId}/changes`);
  const open = order_changes.find((change) => change.change_type === "transfer" && change.status === "requested");
  return open!.actions.find((action) => action.action === "TRANSFER_CUSTOMER")!.details.token;
}

// What the design stands on (app/lib/medusa/order-transfer.server.ts), measured on Medusa
// 2.21 itself: if an upgrade changes one of these, this test says which.
describe("Medusa's order transfer routes, as the claim design relies on them", () => {
  it("request: no email check, no token in any answer, one open change per order, cancel only by the asker; accept: no sign-in, moves to the asker", { timeout: CASE_TIMEOUT_MS }, async () => {
    const email = newEmail("transfer-facts");
    const { orderId } = await placedOrder(email);
    const guestId = (await medusaOrder(orderId)).order.customer_id;
    const askerEmail = newEmail("transfer-asker");
    const asker = await medusaCustomer(askerEmail);
    const bystander = await medusaCustomer(newEmail("transfer-bystander"));

    // Any account may ask for any order: Medusa checks no email (the storefront does).
    const requested = await storeApi(`/store/orders/${orderId}/transfer/request?fields=*order_change,*order_change.actions`, { token: asker.token, body: {} });
    expect(requested.status).toBe(200);
    const token = await transferToken(orderId);
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The token is in no Store API answer, whatever fields are asked for: only the mail has it.
    expect(requested.text).not.toContain(token);
    for (const fields of ["*order_change,*order_change.actions", "+order_change.actions.details", "*actions"]) {
      expect((await storeApi(`/store/orders/${orderId}?fields=${encodeURIComponent(fields)}`)).text, fields).not.toContain(token);
    }
    expect((await storeApi(`/store/orders/${orderId}/transfer/request`, { body: {} })).status).toBe(401);
    // One open change per order: another request (anyone's) is refused while this one is open.
    const second = await storeApi(`/store/orders/${orderId}/transfer/request`, { token: bystander.token, body: {} });
    expect(second).toMatchObject({ status: 400, json: { message: expect.stringMatching(/already has an existing active order change/) } });
    expect((await storeApi(`/store/orders/${orderId}/transfer/cancel`, { token: bystander.token, body: {} })).json.message).toBe("This customer is not allowed to cancel the transfer.");
    // Accept: a wrong token is refused; the right one works without any sign-in, or with
    // another customer's, and moves the order to the customer who asked.
    const wrong = await storeApi(`/store/orders/${orderId}/transfer/accept`, { body: { token: randomUUID() } });
    expect(wrong).toMatchObject({ status: 400, json: { type: "not_allowed", message: "Invalid token." } });
    const accepted = await storeApi(`/store/orders/${orderId}/transfer/accept?fields=id,%2Bcustomer_id`, { token: bystander.token, body: { token } });
    expect(accepted.status).toBe(200);
    const moved = (await medusaOrder(orderId)).order;
    expect(moved.customer_id).toBe(asker.id);
    expect(moved.customer_id).not.toBe(guestId);
    expect(moved.email).toBe(email);
    const twice = await storeApi(`/store/orders/${orderId}/transfer/accept`, { body: { token } });
    expect(twice).toMatchObject({ status: 400, json: { message: expect.stringMatching(/does not have an order transfer request/) } });
    // The subscriber mailed the token to the order's email, naming the account that asked; the asker got nothing.
    const mail = await awaitMail(email, CLAIM_SUBJECT);
    expect(mail.text).toContain(`Someone signed in to the account ${askerEmail}`);
    expect(mail.text).toContain(`token=${token}`);
    expect(await claimMails(askerEmail)).toEqual([]);
  });
});

describe(`fuzzing the claim POST (${FUZZ_CASES} seeded inputs, seed ${SEED})`, () => {
  it("every answer is below 500, in the contract's shape; invalid input never reaches Medusa; nothing moves", { timeout: 300_000 }, async () => {
    // A real guest order of another email: a valid-looking claim of it reaches the claim
    // check (a read), which this customer never passes, so Medusa never sees a token.
    const { orderId } = await placedOrder(newEmail("claim-fuzz-order"));
    const before = (await medusaOrder(orderId)).order.customer_id;
    const shopper = newShopper();
    await signedUp(shopper, "claim-fuzz");
    const valid = { intent: "claim-order", order: orderId, token: randomUUID() };
    const cases = formCases(seededRandom(SEED), valid, FUZZ_CASES);
    const outcomes = await inPool(cases, 4, (fuzz) => send(shopper, "/account/orders/claim.data", fuzz));
    const { summary, records } = await checkOutcomes("account: claim order", outcomes, CONTRACT_CODES, () => false, SEED);
    expect(summary.tried).toBeGreaterThanOrEqual(500);
    expect(summary.invalid).toBeGreaterThan(FUZZ_CASES * 0.8);
    // No case, valid or not, wrote to Medusa.
    const writes = outcomes.flatMap((outcome) => writesOf(records.get(outcome.traceId) ?? []));
    expect(writes).toEqual([]);
    expect((await medusaOrder(orderId)).order.customer_id).toBe(before);
    expect(await openTransfers(orderId)).toEqual([]);
  });
});

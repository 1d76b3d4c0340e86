import { DurableObject } from "cloudflare:workers";
import type { OpenAttempt } from "../app/lib/checkout/open-attempts";

/**
 * The open checkout attempts, for the reconciler (docs/decisions/0008-open-attempt-index.md).
 * One instance for the shop: the carts' Durable Objects add an attempt before its
 * PaymentIntent exists and remove it once it settled; the sweep lists what is left. Its
 * storage is strongly consistent and survives restarts, which KV (and its `list`) is not.
 */
export class AttemptIndex extends DurableObject<Env> {
  async add(entry: OpenAttempt): Promise<void> {
    await this.ctx.storage.put(`open:${entry.attempt_id}`, entry);
  }

  async remove(attemptId: string): Promise<void> {
    await this.ctx.storage.delete(`open:${attemptId}`);
  }

  /** The open attempts, oldest first. */
  async list(): Promise<OpenAttempt[]> {
    const entries = await this.ctx.storage.list<OpenAttempt>({ prefix: "open:" });
    return [...entries.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
}

/** The shop's one index. */
export function attemptIndex(env: Env) {
  return env.ATTEMPT_INDEX.getByName("open-attempts");
}

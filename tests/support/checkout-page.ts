// The checkout page as a shopper fills it in Chromium (tests/e2e): contact and address,
// shipping, the simulator's test cards, the Pay button.
import type { Page } from "playwright-core";
import { expect } from "vitest";

/** For what waits on Medusa: a shipping refresh writes the cart (address, then method), about 1-2 s. */
export const SERVER = { timeout: 15_000 };

export type AddressInput = { state: string; city: string; zip: string };
export const AUSTIN: AddressInput = { state: "Texas", city: "Austin", zip: "78701" };
export const SAN_DIEGO: AddressInput = { state: "California", city: "San Diego", zip: "92101" };

export async function fillContactAndAddress(page: Page, address: AddressInput) {
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Lovelace");
  await page.getByLabel("Street address").fill("1 Congress Ave");
  await page.getByLabel("City").fill(address.city);
  await page.getByLabel("ZIP code").fill(address.zip);
  await page.getByLabel("State", { exact: true }).selectOption({ label: address.state });
}

export async function chooseShipping(page: Page, name: string, price: string) {
  await page.getByRole("radio", { name: new RegExp(name) }).check();
  await expect.poll(() => page.getByTestId("checkout-shipping").textContent(), SERVER).toBe(price);
}

export async function useCard(page: Page, kind: "success" | "decline" | "3D Secure") {
  await page.getByRole("button", { name: new RegExp(`^Use ${kind} test card`) }).click();
}

export const payButton = (page: Page) => page.getByRole("button", { name: /^Pay / });

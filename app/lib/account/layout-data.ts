import type { Customer } from "../medusa/customer.server";

/**
 * The account layout's loader data (routes/account/layout.tsx), which its pages read with
 * `useRouteLoaderData(ACCOUNT_LAYOUT)`: the customer as Medusa knows them at this load.
 */
export const ACCOUNT_LAYOUT = "routes/account/layout";
export type AccountLayoutData = { customer: Customer };

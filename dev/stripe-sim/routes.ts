// The /v1 API surface: method, path, which keys may call it, and its handler.
// Anything not listed answers Stripe's "Unrecognized request URL" 404.

import type { Access } from "./auth.ts";
import type { ApiContext, ApiResult } from "./sim.ts";
import { handleRetrieveCharge } from "./charges.ts";
import {
  handleCreateCustomer,
  handleDeleteCustomer,
  handleListCustomerPaymentMethods,
  handleRetrieveCustomer,
  handleUpdateCustomer,
} from "./customers.ts";
import { handleListEvents, handleRetrieveEvent } from "./events.ts";
import { handleCreateIntent } from "./create-intent.ts";
import {
  handleAuthenticateIntent,
  handleCancelIntent,
  handleCaptureIntent,
  handleConfirmIntent,
  handleListIntents,
  handleRetrieveIntent,
} from "./payment-intents.ts";
import { handleUpdateIntent } from "./update-intent.ts";
import {
  handleAttachPaymentMethod,
  handleCreatePaymentMethod,
  handleDetachPaymentMethod,
  handleListPaymentMethods,
  handleRetrievePaymentMethod,
  handleUpdatePaymentMethod,
} from "./payment-methods.ts";
import { handleCreateRefund, handleRetrieveRefund } from "./refunds.ts";
import {
  handleAuthenticateSetupIntent,
  handleCancelSetupIntent,
  handleConfirmSetupIntent,
  handleCreateSetupIntent,
  handleListSetupIntents,
  handleRetrieveSetupIntent,
  handleUpdateSetupIntent,
} from "./setup-intents.ts";

export type Route = {
  method: "GET" | "POST" | "DELETE";
  path: string;
  access: Access;
  handler: (ctx: ApiContext) => ApiResult;
};

export const ROUTES: Route[] = [
  { method: "POST", path: "/v1/payment_intents", access: "secret", handler: handleCreateIntent },
  { method: "GET", path: "/v1/payment_intents", access: "secret", handler: handleListIntents },
  { method: "GET", path: "/v1/payment_intents/:id", access: "client_secret", handler: handleRetrieveIntent },
  { method: "POST", path: "/v1/payment_intents/:id", access: "secret", handler: handleUpdateIntent },
  { method: "POST", path: "/v1/payment_intents/:id/confirm", access: "client_secret", handler: handleConfirmIntent },
  { method: "POST", path: "/v1/payment_intents/:id/cancel", access: "secret", handler: handleCancelIntent },
  { method: "POST", path: "/v1/payment_intents/:id/capture", access: "secret", handler: handleCaptureIntent },
  { method: "POST", path: "/v1/payment_intents/:id/_authenticate", access: "client_secret", handler: handleAuthenticateIntent },
  { method: "POST", path: "/v1/setup_intents", access: "secret", handler: handleCreateSetupIntent },
  { method: "GET", path: "/v1/setup_intents", access: "secret", handler: handleListSetupIntents },
  { method: "GET", path: "/v1/setup_intents/:id", access: "client_secret", handler: handleRetrieveSetupIntent },
  { method: "POST", path: "/v1/setup_intents/:id", access: "secret", handler: handleUpdateSetupIntent },
  { method: "POST", path: "/v1/setup_intents/:id/confirm", access: "client_secret", handler: handleConfirmSetupIntent },
  { method: "POST", path: "/v1/setup_intents/:id/cancel", access: "secret", handler: handleCancelSetupIntent },
  { method: "POST", path: "/v1/setup_intents/:id/_authenticate", access: "client_secret", handler: handleAuthenticateSetupIntent },
  { method: "POST", path: "/v1/payment_methods", access: "publishable", handler: handleCreatePaymentMethod },
  { method: "GET", path: "/v1/payment_methods", access: "secret", handler: handleListPaymentMethods },
  { method: "GET", path: "/v1/payment_methods/:id", access: "secret", handler: handleRetrievePaymentMethod },
  { method: "POST", path: "/v1/payment_methods/:id", access: "secret", handler: handleUpdatePaymentMethod },
  { method: "POST", path: "/v1/payment_methods/:id/attach", access: "secret", handler: handleAttachPaymentMethod },
  { method: "POST", path: "/v1/payment_methods/:id/detach", access: "secret", handler: handleDetachPaymentMethod },
  { method: "POST", path: "/v1/customers", access: "secret", handler: handleCreateCustomer },
  { method: "GET", path: "/v1/customers/:id", access: "secret", handler: handleRetrieveCustomer },
  { method: "POST", path: "/v1/customers/:id", access: "secret", handler: handleUpdateCustomer },
  { method: "DELETE", path: "/v1/customers/:id", access: "secret", handler: handleDeleteCustomer },
  { method: "GET", path: "/v1/customers/:id/payment_methods", access: "secret", handler: handleListCustomerPaymentMethods },
  { method: "POST", path: "/v1/refunds", access: "secret", handler: handleCreateRefund },
  { method: "GET", path: "/v1/refunds/:id", access: "secret", handler: handleRetrieveRefund },
  { method: "GET", path: "/v1/charges/:id", access: "secret", handler: handleRetrieveCharge },
  { method: "GET", path: "/v1/events", access: "secret", handler: handleListEvents },
  { method: "GET", path: "/v1/events/:id", access: "secret", handler: handleRetrieveEvent },
];

export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const actual = got[i] ?? "";
    if (segment.startsWith(":")) {
      if (!actual) return null;
      params[segment.slice(1)] = decodeURIComponent(actual);
    } else if (segment !== actual) {
      return null;
    }
  }
  return params;
}

export function findRoute(method: string, path: string): { route: Route; pathParams: Record<string, string> } | null {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const pathParams = matchPath(route.path, path);
    if (pathParams) return { route, pathParams };
  }
  return null;
}

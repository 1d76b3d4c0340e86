// Stripe's list envelope and cursor pagination, shared by the list endpoints:
// `{object: "list", data, has_more, url}`, newest first, `limit` (1 to 100, default 10),
// `starting_after` / `ending_before` naming an object of the list.

import type { ParamObject } from "./form.ts";
import { paramError, resourceMissing } from "./errors.ts";
import { optionalInteger, optionalString } from "./params.ts";
import type { ListObject } from "./objects.ts";

export const LIST_PARAMS = ["limit", "starting_after", "ending_before", "expand"];

export function listPage<T extends { id: string }>(
  params: ParamObject,
  all: T[],
  url: string,
  kind: string,
): ListObject<T> {
  const limit = optionalInteger(params, "limit", 1) ?? 10;
  if (limit > 100) throw paramError("This value must be less than or equal to 100.", "limit", "parameter_invalid_integer");
  const after = optionalString(params, "starting_after");
  const before = optionalString(params, "ending_before");
  const indexOf = (id: string, param: string) => {
    const index = all.findIndex((item) => item.id === id);
    if (index < 0) throw resourceMissing(kind, id, param);
    return index;
  };
  let rest = all;
  if (after) rest = all.slice(indexOf(after, "starting_after") + 1);
  else if (before) rest = all.slice(0, indexOf(before, "ending_before"));
  const data = before && !after ? rest.slice(-limit) : rest.slice(0, limit);
  return { object: "list", data, has_more: rest.length > data.length, url };
}

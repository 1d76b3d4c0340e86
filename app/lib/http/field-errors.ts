import type * as z from "zod/mini";

/** zod issues as `{ "shipping_address.city": "Enter your city." }`, first message per field. */
export function fieldErrors(error: z.core.$ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.join(".") || "body";
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) fields[[...issue.path, key].join(".")] ??= "This field is not accepted.";
      continue;
    }
    fields[path] ??= issue.message;
  }
  return fields;
}

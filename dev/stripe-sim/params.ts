// Coercion and validation of decoded form parameters, with Stripe's error messages and codes.
// Stripe rejects unknown parameters instead of ignoring them; doing the same here is what
// catches a typo'd or unsupported parameter in our code before production does.

import type { Param, ParamObject } from "./form.ts";
import { missingParam, paramError, unknownParam } from "./errors.ts";

export function assertKnownParams(params: ParamObject, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw unknownParam(key);
  }
}

function scalar(params: ParamObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw paramError(`Invalid string: ${describe(value)}`, name);
  return value;
}

function describe(value: Param): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function optionalString(params: ParamObject, name: string): string | undefined {
  const value = scalar(params, name);
  return value === "" ? undefined : value;
}

export function requiredString(params: ParamObject, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalInteger(
  params: ParamObject,
  name: string,
  min?: number,
): number | undefined {
  const raw = scalar(params, name);
  if (raw === undefined || raw === "") return undefined;
  if (!/^-?\d+$/.test(raw)) {
    throw paramError(`Invalid integer: ${raw}`, name, "parameter_invalid_integer");
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) {
    throw paramError(`Invalid integer: ${raw}`, name, "parameter_invalid_integer");
  }
  if (min !== undefined && value < min) {
    throw paramError(
      `This value must be greater than or equal to ${min}.`,
      name,
      "parameter_invalid_integer",
    );
  }
  return value;
}

export function requiredInteger(params: ParamObject, name: string, min?: number): number {
  const value = optionalInteger(params, name, min);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalBoolean(params: ParamObject, name: string): boolean | undefined {
  const raw = scalar(params, name);
  if (raw === undefined || raw === "") return undefined;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw paramError(`Invalid boolean: ${raw}`, name);
}

export function optionalEnum<T extends string>(
  params: ParamObject,
  name: string,
  values: readonly T[],
): T | undefined {
  const raw = optionalString(params, name);
  if (raw === undefined) return undefined;
  if (!(values as readonly string[]).includes(raw)) {
    throw paramError(`Invalid ${name}: must be one of ${oneOf(values)}`, name);
  }
  return raw as T;
}

function oneOf(values: readonly string[]): string {
  if (values.length <= 2) return values.join(" or ");
  return `${values.slice(0, -1).join(", ")}, or ${values[values.length - 1]}`;
}

export function optionalObject(params: ParamObject, name: string): ParamObject | undefined {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value === "string" || Array.isArray(value)) {
    throw paramError(`Invalid object`, name);
  }
  return value;
}

export function optionalStringArray(params: ParamObject, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw paramError(`Invalid array`, name);
  }
  return value as string[];
}

export function expandParam(params: ParamObject): string[] {
  return optionalStringArray(params, "expand") ?? [];
}

// `metadata=` (empty) clears all keys; `metadata[k]=` removes one key (Stripe's unset rule).
export type MetadataUpdate = { clear: boolean; set: Record<string, string>; unset: string[] };

export function metadataParam(params: ParamObject, name = "metadata"): MetadataUpdate | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === "") return { clear: true, set: {}, unset: [] };
  if (typeof value === "string" || Array.isArray(value)) {
    throw paramError("Invalid object", name);
  }
  const update: MetadataUpdate = { clear: false, set: {}, unset: [] };
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") {
      throw paramError(`Metadata values must be strings (${name}[${key}]).`, `${name}[${key}]`);
    }
    if (key.length > 40) {
      throw paramError(
        `Metadata keys can have up to 40 characters; '${key}' has ${key.length}.`,
        `${name}[${key}]`,
      );
    }
    if (v.length > 500) {
      throw paramError(
        `Metadata values can have up to 500 characters, but you passed in a value that is ${v.length} characters.`,
        `${name}[${key}]`,
      );
    }
    if (v === "") update.unset.push(key);
    else update.set[key] = v;
  }
  return update;
}

export function applyMetadata(
  current: Record<string, string>,
  update: MetadataUpdate | undefined,
  param = "metadata",
): Record<string, string> {
  if (!update) return current;
  const next: Record<string, string> = update.clear ? {} : { ...current };
  for (const key of update.unset) delete next[key];
  Object.assign(next, update.set);
  if (Object.keys(next).length > 50) {
    throw paramError("Metadata can have up to 50 keys.", param);
  }
  return next;
}

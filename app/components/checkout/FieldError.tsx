/**
 * Field errors are keyed by the API's dotted paths (`shipping_address.postal_code`); each
 * field's id derives from its path, so a server answer finds its field without a lookup table.
 */
export function fieldId(path: string): string {
  return `field-${path.replaceAll(".", "-")}`;
}

export function FieldError({ path, errors }: { path: string; errors: Record<string, string> }) {
  const message = errors[path];
  if (!message) return null;
  return (
    <p id={`${fieldId(path)}-error`} className="field-error">
      {message}
    </p>
  );
}

/** What links an input to its error: aria-invalid, and aria-describedby naming the message. */
export function invalidProps(path: string, errors: Record<string, string>) {
  return errors[path] ? { "aria-invalid": true, "aria-describedby": `${fieldId(path)}-error` } : {};
}

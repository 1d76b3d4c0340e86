import { PASSWORD_MAX, PASSWORD_MIN } from "~/lib/account/forms";
import { FieldError, fieldId, invalidProps } from "../checkout/FieldError";

/** One labelled input of an account form, with its message from the server beside it. */
export function TextField(props: {
  name: string;
  label: string;
  errors: Record<string, string>;
  type?: string;
  autoComplete?: string;
  defaultValue?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  hint?: string;
}) {
  const { name, label, errors } = props;
  return (
    <div className="field">
      <label htmlFor={fieldId(name)}>
        {label}
        {props.required ? null : <span className="optional"> (optional)</span>}
      </label>
      <input
        id={fieldId(name)}
        name={name}
        type={props.type ?? "text"}
        autoComplete={props.autoComplete}
        defaultValue={props.defaultValue}
        required={props.required}
        minLength={props.minLength}
        maxLength={props.maxLength}
        {...invalidProps(name, errors)}
      />
      {props.hint ? <p className="muted field-hint">{props.hint}</p> : null}
      <FieldError path={name} errors={errors} />
    </div>
  );
}

/** A new password (sign-up, reset), with the storefront's rule shown and checked by the browser too. */
export function NewPasswordField({ label, errors }: { label: string; errors: Record<string, string> }) {
  return (
    <TextField
      name="password"
      label={label}
      type="password"
      autoComplete="new-password"
      errors={errors}
      required
      minLength={PASSWORD_MIN}
      maxLength={PASSWORD_MAX}
      hint={`At least ${PASSWORD_MIN} characters.`}
    />
  );
}

/** The errors of an action's refusal, by field ({} for a success or no answer yet). */
export function errorsOf(actionData: unknown): Record<string, string> {
  if (actionData && typeof actionData === "object" && "ok" in actionData && actionData.ok === false && "error" in actionData) {
    const error = actionData.error as { fields?: Record<string, string> };
    return error.fields ?? {};
  }
  return {};
}

/** The refusal's message, for the form's status line. */
export function failureMessage(actionData: unknown): string | null {
  if (actionData && typeof actionData === "object" && "ok" in actionData && actionData.ok === false && "error" in actionData) {
    return (actionData.error as { message: string }).message;
  }
  return null;
}

/** Lines shorter than this are not masked on their own: masking `}` would garble every log. */
const MIN_LINE_LENGTH = 6;

/**
 * The forms in which a secret could reach a log: the value itself, each line of a multi-line
 * value (the runner matches masks line by line), and its URL-encoded form.
 */
export function secretForms(value: string): string[] {
  const forms = new Set<string>();
  const add = (form: string) => {
    if (form.trim() !== '') forms.add(form);
  };
  add(value);
  if (value.includes('\n')) {
    for (const line of value.split(/\r?\n/)) {
      if (line.trim().length >= MIN_LINE_LENGTH) add(line.trim());
    }
  }
  const encoded = encodeURIComponent(value);
  if (encoded !== value) add(encoded);
  return [...forms];
}

/** Registers every form of `value` with `addMask`, and returns the value for chaining. */
export function maskSecret(value: string, addMask: (form: string) => void): string {
  for (const form of secretForms(value)) addMask(form);
  return value;
}

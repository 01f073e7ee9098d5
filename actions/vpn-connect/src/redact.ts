import { secretForms } from '../../shared/mask';

/**
 * Replaces every form of every secret in a text (a log, a command's output) with ***. The
 * runner masks too, but only what reaches its log; this also covers text the action writes
 * elsewhere, and runners whose masking missed a line.
 */
export function redactSecrets(text: string, secrets: string[]): string {
  const forms = [...new Set(secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  let redacted = text;
  for (const form of forms) redacted = redacted.split(form).join('***');
  return redacted;
}

// The harness's own idea of where a secret may show; kept apart from the actions' masking
// code so that a mistake there cannot hide itself here.

const SHORTEST_LINE_CHECKED = 6;

function leakForms(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret)];
  for (const line of secret.split(/\r?\n/)) {
    if (line.trim().length >= SHORTEST_LINE_CHECKED) forms.push(line.trim());
  }
  return [...new Set(forms.filter((form) => form.trim() !== ''))];
}

/**
 * Where any secret appears in the given texts, outside the `::add-mask::` commands that
 * register it. Each finding names the text and the line.
 */
export function findLeaks(secrets: string[], texts: Record<string, string>): string[] {
  const findings: string[] = [];
  const forms = secrets.flatMap(leakForms);
  for (const [where, text] of Object.entries(texts)) {
    text.split('\n').forEach((line, index) => {
      if (line.startsWith('::add-mask::')) return;
      if (forms.some((form) => line.includes(form))) {
        findings.push(`${where}, line ${index + 1}: a secret appears in it`);
      }
    });
  }
  return findings;
}

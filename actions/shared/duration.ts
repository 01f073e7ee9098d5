import { ConfigurationError } from './errors';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest wait a timer can hold (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * Parses a duration as the whole suite writes them: plain seconds (`90`), or numbers with a
 * unit, possibly combined (`90s`, `15m`, `1h`, `1m30s`, `500ms`). Returns milliseconds, at
 * most MAX_DURATION_MS: a longer one is the user's mistake, not a wait of 1 ms.
 */
export function parseDuration(input: string, raw: string): number {
  const ms = parseAnyDuration(input, raw);
  if (ms > MAX_DURATION_MS) {
    throw new ConfigurationError(
      input,
      `'${raw}' is longer than a step can wait: give at most 596h (about 24.8 days).`,
    );
  }
  return ms;
}

function parseAnyDuration(input: string, raw: string): number {
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let end = 0;
  for (let match = part.exec(text); match; match = part.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2]];
    end = part.lastIndex;
  }
  if (text === '' || end !== text.length) {
    throw new ConfigurationError(
      input,
      `'${raw}' is not a duration. Write seconds (90) or a number with a unit: 90s, 15m, 1h, 1m30s, 500ms.`,
    );
  }
  return Math.round(total);
}

/** Renders milliseconds for people: `850ms`, `12.3s`, `4m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}h ${pad(minutes)}m` : `${minutes}m ${pad(seconds)}s`;
}

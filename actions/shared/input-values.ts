import { ConfigurationError } from './errors';
import { parseDuration } from './duration';

// Converters from an input's raw text to a typed value. They take the input's name so their
// errors can name it; only each action's inputs.ts reads the raw text from the runner.

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

export function parseBoolean(input: string, raw: string): boolean {
  const text = raw.trim().toLowerCase();
  if (TRUE.includes(text)) return true;
  if (FALSE.includes(text)) return false;
  throw new ConfigurationError(input, `'${raw}' is not a boolean. Use true or false.`);
}

export function parsePositiveDuration(input: string, raw: string): number {
  const ms = parseDuration(input, raw);
  if (ms <= 0) throw new ConfigurationError(input, 'must be longer than zero.');
  return ms;
}

export function parseInteger(input: string, raw: string, min: number, max: number): number {
  const text = raw.trim();
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < min || value > max) {
    throw new ConfigurationError(input, `'${raw}' must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

/** Splits a list written one item a line or comma-separated; blank items are dropped. */
export function parseList(raw: string, separators: RegExp = /[\n,]/): string[] {
  return raw
    .split(separators)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** One item a line; blank lines and `#` comment lines dropped. Items may hold commas. */
export function parseLines(raw: string): string[] {
  return parseList(raw, /\n/).filter((line) => !line.startsWith('#'));
}

export function parseUrl(input: string, raw: string, protocols = ['http:', 'https:']): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigurationError(input, 'is not a URL. Write it in full, e.g. https://host/path.');
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigurationError(input, `must be an ${protocols.join(' or ')} URL.`);
  }
  return url;
}

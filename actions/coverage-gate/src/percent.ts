import { ConfigurationError } from '../../shared/errors';

/** A share as two integer counts; percentages are derived, never stored or averaged. */
export interface Ratio {
  covered: number;
  total: number;
}

/** A percentage written by a user or printed by a tool, kept exactly as a decimal fraction. */
export interface Percent {
  /** The digits without the decimal point: 79.96 is 7996 with scale 2. */
  digits: bigint;
  scale: number;
  /** As written, for messages. */
  text: string;
}

const PERCENT = /^(\d{1,3})(?:\.(\d{1,6}))?\s*%?$/;

export function parsePercent(input: string, raw: string): Percent {
  const text = raw.trim();
  const match = PERCENT.exec(text);
  const value = match ? Number(text.replace('%', '')) : NaN;
  if (!match || value > 100) {
    throw new ConfigurationError(
      input,
      `'${raw}' is not a percentage. Write a number from 0 to 100, e.g. 80 or 82.5.`,
    );
  }
  return decimal(match[1], match[2] ?? '', text);
}

/** A percentage a tool printed (`79%`, `79.96%`); undefined when it is not one. */
export function readPrintedPercent(text: string): Percent | undefined {
  const match = PERCENT.exec(text.trim());
  if (!match || Number(text.trim().replace('%', '')) > 100) return undefined;
  return decimal(match[1], match[2] ?? '', text.trim());
}

function decimal(whole: string, fraction: string, text: string): Percent {
  return { digits: BigInt(whole + fraction), scale: fraction.length, text };
}

/** A percentage as an exact fraction num/den (den > 0), for comparisons and differences. */
export interface Exact {
  num: bigint;
  den: bigint;
}

export function exactOfRatio(ratio: Ratio): Exact {
  return { num: BigInt(ratio.covered) * 100n, den: BigInt(ratio.total) };
}

export function exactOfPercent(percent: Percent): Exact {
  return { num: percent.digits, den: 10n ** BigInt(percent.scale) };
}

/** Sign of a - b: -1, 0 or 1, computed on integers only. */
export function compareExact(a: Exact, b: Exact): number {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

export function subtractExact(a: Exact, b: Exact): Exact {
  return { num: a.num * b.den - b.num * a.den, den: a.den * b.den };
}

/**
 * Orders two ratios by their value, exactly, without allocating: the cross products stay
 * below 2^53 for any count a report can hold (under 2^26 lines).
 */
export function compareRatios(a: Ratio, b: Ratio): number {
  return a.covered * b.total - b.covered * a.total;
}

/**
 * An exact percentage with `decimals` places, rounded down by default; a drop that fails a gate
 * is rounded up, so that the figure shown never meets the limit it broke.
 */
export function formatExact(value: Exact, decimals = 2, rounding: 'down' | 'up' = 'down'): string {
  const num = value.den < 0n ? -value.num : value.num;
  const den = value.den < 0n ? -value.den : value.den;
  const scaled = num * 10n ** BigInt(decimals);
  let quotient = scaled / den;
  const exact = quotient * den === scaled;
  // BigInt division truncates toward zero; move to the side asked for.
  if (!exact && rounding === 'down' && scaled < 0n) quotient -= 1n;
  if (!exact && rounding === 'up' && scaled > 0n) quotient += 1n;
  const text = formatScaled(quotient < 0n ? -quotient : quotient, decimals);
  return quotient < 0n ? `-${text}` : text;
}

/**
 * A ratio as a percentage with `decimals` places, rounded down: a figure shown for a failing
 * gate can then never read as high as the threshold it missed (79.996 shows as 79.99, not 80.00).
 */
export function formatRatio(ratio: Ratio, decimals = 2): string {
  if (ratio.total === 0) return '';
  return formatExact(exactOfRatio(ratio), decimals);
}

/** A percentage shown with at least `decimals` places (more when it was written with more). */
export function formatPercent(percent: Percent, decimals = 2): string {
  if (percent.scale >= decimals) return formatScaled(percent.digits, percent.scale);
  return formatScaled(percent.digits * 10n ** BigInt(decimals - percent.scale), decimals);
}

function formatScaled(value: bigint, decimals: number): string {
  if (decimals === 0) return value.toString();
  const text = value.toString().padStart(decimals + 1, '0');
  return `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
}

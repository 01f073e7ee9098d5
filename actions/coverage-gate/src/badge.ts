import { formatExact, type Exact } from './percent';

// A flat badge of the headline figure, drawn without fetching anything: the label and value
// on two coloured fields, widths estimated from Verdana 11px, which badges conventionally use.

const NARROW = new Set([..."fijlrtI1.,:;!|()[] '"]);
const WIDE = new Set([...'mwMW%@']);

function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += NARROW.has(char) ? 4 : WIDE.has(char) ? 10 : 7;
  return width;
}

/** The badge colour for a percentage: red below 50, then orange, yellow, green, bright green. */
function badgeColor(percent: number): string {
  if (Number.isNaN(percent)) return '#9f9f9f';
  if (percent >= 90) return '#4c1';
  if (percent >= 80) return '#97ca00';
  if (percent >= 70) return '#a4a61d';
  if (percent >= 60) return '#dfb317';
  if (percent >= 50) return '#fe7d37';
  return '#e05d44';
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function badgeSvg(label: string, value: string, color: string): string {
  const left = textWidth(label) + 10;
  const right = textWidth(value) + 10;
  const width = left + right;
  const safeLabel = escapeXml(label);
  const safeValue = escapeXml(value);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${safeLabel}: ${safeValue}">`,
    `<title>${safeLabel}: ${safeValue}</title>`,
    '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>',
    `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>`,
    '<g clip-path="url(#r)">',
    `<rect width="${left}" height="20" fill="#555"/>`,
    `<rect x="${left}" width="${right}" height="20" fill="${color}"/>`,
    `<rect width="${width}" height="20" fill="url(#s)"/>`,
    '</g>',
    '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">',
    `<text x="${left / 2}" y="15" fill="#010101" fill-opacity=".3">${safeLabel}</text>`,
    `<text x="${left / 2}" y="14">${safeLabel}</text>`,
    `<text x="${left + right / 2}" y="15" fill="#010101" fill-opacity=".3">${safeValue}</text>`,
    `<text x="${left + right / 2}" y="14">${safeValue}</text>`,
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}

/** The badge of the headline: a whole percent, coloured by its two-decimal figure. */
export function coverageBadge(headline: Exact | undefined): string {
  const value = headline ? `${formatExact(headline, 0)}%` : 'unknown';
  const percent = headline ? Number(formatExact(headline)) : NaN;
  return badgeSvg('coverage', value, badgeColor(percent));
}

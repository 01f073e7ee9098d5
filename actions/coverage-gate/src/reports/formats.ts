import type { RecordSink, ReportInfo } from '../model';
import { parseClover } from './clover';
import { parseCobertura } from './cobertura';
import { parseCoveragePyText } from './coverage-py-text';
import { parseGoProfile } from './go-profile';
import { parseJacoco } from './jacoco';
import { parseCoveragePyJson, parseIstanbulFinal, parseIstanbulSummary } from './json-reports';
import { parseLcov } from './lcov';
import type { Chunks } from './text-stream';

export const FORMATS = [
  'lcov',
  'cobertura',
  'jacoco',
  'clover',
  'go',
  'coverage-py-text',
  'coverage-py-json',
  'istanbul-final',
  'istanbul-summary',
] as const;

export type Format = (typeof FORMATS)[number];

export type Parser = (chunks: Chunks, emit: RecordSink) => Promise<ReportInfo>;

export const PARSERS: Record<Format, Parser> = {
  lcov: parseLcov,
  cobertura: parseCobertura,
  jacoco: parseJacoco,
  clover: parseClover,
  go: parseGoProfile,
  'coverage-py-text': parseCoveragePyText,
  'coverage-py-json': parseCoveragePyJson,
  'istanbul-final': parseIstanbulFinal,
  'istanbul-summary': parseIstanbulSummary,
};

export const FORMAT_NAMES: Record<Format, string> = {
  lcov: 'lcov tracefile',
  cobertura: 'Cobertura XML',
  jacoco: 'JaCoCo XML',
  clover: 'Clover XML',
  go: 'Go cover profile',
  'coverage-py-text': 'coverage.py text report',
  'coverage-py-json': 'coverage.py JSON report',
  'istanbul-final': "Istanbul's coverage-final.json",
  'istanbul-summary': "Istanbul's coverage-summary.json",
};

/**
 * When one folder holds several reports of one run (coverage/lcov.info beside
 * coverage/coverage-final.json), discovery keeps the one that says most: line, branch and
 * function detail first, counts without line numbers last.
 */
export const RICHNESS: Format[] = [
  'istanbul-final',
  'lcov',
  'jacoco',
  'coverage-py-json',
  'cobertura',
  'clover',
  'go',
  'istanbul-summary',
  'coverage-py-text',
];

export interface Detection {
  format: Format;
  /** Nothing identified the text: it is read as coverage.py text, the one format without a signature. */
  guessed: boolean;
}

/** Tells a report's format from its first bytes; undefined for binary or empty files. */
export function detectFormat(head: string): Detection | undefined {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text === '' || text.includes('\u0000')) return undefined;
  const found = (format: Format): Detection => ({ format, guessed: false });
  if (text.startsWith('<')) {
    const root = /<([A-Za-z_][\w:.-]*)/.exec(
      text.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<![^>]*>/g, ''),
    );
    if (root?.[1] === 'report') return found('jacoco');
    if (root?.[1] === 'coverage') {
      const rootTag = /<coverage\b[^>]*>/.exec(text)?.[0] ?? '';
      if (/\bclover=|\bgenerated=/.test(rootTag) && !/\bline-rate=/.test(rootTag))
        return found('clover');
      return found('cobertura');
    }
  }
  if (text.startsWith('{')) {
    if (
      /^\{\s*"meta"\s*:/.test(text) ||
      (/"files"\s*:\s*\{/.test(text) && /"executed_lines"/.test(text))
    ) {
      return found('coverage-py-json');
    }
    if (/^\{\s*"total"\s*:\s*\{\s*"lines"/.test(text) || /"lines"\s*:\s*\{\s*"total"/.test(text)) {
      return found('istanbul-summary');
    }
    if (/"(statementMap|fnMap|branchMap)"\s*:/.test(text)) return found('istanbul-final');
  }
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0).trim();
  if (/^mode:\s*(set|count|atomic)$/.test(firstLine)) return found('go');
  if (/^(TN|SF|VER):/.test(firstLine)) return found('lcov');
  if (/^Name\s+Stmts\s+Miss\b/m.test(text) || /^\|\s*Name\s*\|\s*Stmts\s*\|/m.test(text)) {
    return found('coverage-py-text');
  }
  return text.startsWith('<') || text.startsWith('{')
    ? undefined
    : { format: 'coverage-py-text', guessed: true };
}

// The JSON report parsers read as streams: the records do not depend on how the report is cut
// into chunks, nor on where coverage.py's `meta` stands, and malformed entries are still refused.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FileRecord } from '../model';
import { parseCoveragePyJson, parseIstanbulFinal, parseIstanbulSummary } from './json-reports';
import type { Chunks } from './text-stream';

const REPORTS = path.resolve(__dirname, '../../../../action-tests/coverage-gate/fixtures/reports');
const fixture = (name: string) => readFileSync(path.join(REPORTS, name), 'utf8');

function bytesIn(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

type Parser = (chunks: Chunks, emit: (record: FileRecord) => void) => Promise<unknown>;

async function records(parser: Parser, chunks: Chunks): Promise<FileRecord[]> {
  const out: FileRecord[] = [];
  await parser(chunks, (record) => out.push(record));
  return out;
}

describe('JSON reports read as streams', () => {
  test.each([
    ['js/coverage-final.json', parseIstanbulFinal],
    ['js/coverage-summary.json', parseIstanbulSummary],
    ['py-branch/coverage.json', parseCoveragePyJson],
    ['py-seed/coverage.json', parseCoveragePyJson],
  ] as const)('%s: the same records in 1, 3 and 4096-byte chunks', async (name, parser) => {
    const text = fixture(name);
    const whole = await records(parser, [text]);
    expect(whole.length).toBeGreaterThan(0);
    for (const size of [1, 3, 4096]) {
      expect(await records(parser, bytesIn(text, size))).toEqual(whole);
    }
  });

  test('coverage.py: `meta` after `files` gives the same records as before them', async () => {
    const report = JSON.parse(fixture('py-branch/coverage.json')) as Record<string, unknown>;
    const { meta, ...rest } = report;
    const metaLast = JSON.stringify({ ...rest, meta });
    const original = await records(parseCoveragePyJson, [JSON.stringify(report)]);
    expect(original.some((record) => record.counts?.branches)).toBe(true);
    expect(await records(parseCoveragePyJson, bytesIn(metaLast, 5))).toEqual(original);
  });

  test.each([
    ['{"files": {}}', /no 'meta' and 'files' objects/],
    ['{"meta": {}}', /no 'meta' and 'files' objects/],
    ['{"meta": {}, "files": []}', /no 'meta' and 'files' objects/],
    ['{"meta": 1, "files": {}}', /no 'meta' and 'files' objects/],
    ['{"meta": {}, "files": {"a.py": 3}}', /the entry of a\.py is not an object/],
    ['{"meta": {}, "files": {"a.py": {"executed_lines": [1]}}', /not valid JSON/],
  ])('coverage.py JSON %j is refused', async (text, message) => {
    await expect(records(parseCoveragePyJson, bytesIn(text, 2))).rejects.toThrow(message);
  });

  test('coverage.py JSON with no files gives no records', async () => {
    await expect(records(parseCoveragePyJson, ['{"meta": {}, "files": {}}'])).resolves.toEqual([]);
  });

  test.each([
    ['{"a.js": {"lines": {"total": 1, "covered": 1}}}', /no 'total' object/],
    ['{"total": {}, "a.js": 1}', /the entry of a\.js is not an object/],
    ['{"total": {}, "a.js": {"lines": {}}}', /has no lines\.total and lines\.covered/],
  ])('coverage-summary.json %j is refused', async (text, message) => {
    await expect(records(parseIstanbulSummary, bytesIn(text, 2))).rejects.toThrow(message);
  });

  test('coverage-final.json: an empty object names no file', async () => {
    await expect(records(parseIstanbulFinal, ['{}'])).rejects.toThrow(/names no file/);
  });
});

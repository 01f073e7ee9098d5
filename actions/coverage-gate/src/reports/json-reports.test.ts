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

  test('coverage.py: members not read are skipped but checked; repeated members replace each other', async () => {
    const entry = (extra: string) =>
      `{"meta": {"branch_coverage": true}, "files": {"a.py": {"executed_lines": [9], ` +
      `"contexts": {"1": ["x"]}, "functions": {"f": {"executed_lines": [7], "summary": {}}}, ` +
      `"executed_lines": [3, 1], "missing_lines": [2, 5], "excluded_lines": [4]${extra}, ` +
      `"summary": {"num_statements": 4, "covered_branches": 1, "num_branches": 2}}}}`;
    for (const size of [1, 7, 4096]) {
      const [record] = await records(parseCoveragePyJson, bytesIn(entry(''), size));
      // The last executed_lines wins, as with JSON.parse; lines come out sorted.
      expect(Array.from(record.lines.lines)).toEqual([1, 2, 3, 5]);
      expect(Array.from(record.lines.hits)).toEqual([1, 0, 1, 0]);
      expect(record.statementCount).toBe(4);
      expect(record.counts).toEqual({ branches: { covered: 1, total: 2 } });
    }
    await expect(
      records(parseCoveragePyJson, bytesIn(entry(', "missing_branches": [[1 2]]'), 3)),
    ).rejects.toThrow(/not valid JSON/);
  });

  test('coverage.py: a line both executed and missing is counted once as run', async () => {
    const text =
      '{"meta": {}, "files": {"a.py": {"executed_lines": [2, 4], "missing_lines": [1, 2, 6], "summary": {}}}}';
    const [record] = await records(parseCoveragePyJson, [text]);
    expect(Array.from(record.lines.lines)).toEqual([1, 2, 4, 6]);
    expect(Array.from(record.lines.hits)).toEqual([0, 1, 1, 0]);
  });

  test('coverage-final.json: members not read are skipped but checked; a `data` wrapper is read', async () => {
    const counters =
      '"statementMap": {"0": {"start": {"line": 3, "column": 0}, "end": {"line": 3, "column": 9}}}, ' +
      '"s": {"0": 2}, "fnMap": {}, "f": {}, "branchMap": {}, "b": {}';
    const plain = `{"/w/a.js": {"path": "/w/a.js", ${counters}, "inputSourceMap": {"mappings": ";;AAAA"}, "hash": "ab"}}`;
    const wrapped = `{"/w/a.js": {"data": {"path": "/w/a.js", ${counters}}, "extra": [1, {"x": null}]}}`;
    for (const text of [plain, wrapped]) {
      const [record] = await records(parseIstanbulFinal, bytesIn(text, 5));
      expect(record.path).toBe('/w/a.js');
      expect(Array.from(record.lines.lines)).toEqual([3]);
      expect(Array.from(record.lines.hits)).toEqual([2]);
    }
    await expect(
      records(parseIstanbulFinal, [plain.replace('"hash": "ab"', '"hash": ab')]),
    ).rejects.toThrow(/not valid JSON/);
    await expect(records(parseIstanbulFinal, ['{"a.js": [1]}'])).rejects.toThrow(
      /the entry of a\.js has no statementMap and s/,
    );
  });

  test('coverage-final.json: an empty object names no file', async () => {
    await expect(records(parseIstanbulFinal, ['{}'])).rejects.toThrow(/names no file/);
  });
});

import { CoverageSet } from './coverage-set';
import { chooseHeadline, computeTotals } from './metrics';
import { buildSummary, readBaseline, writeSummary } from './summary-file';

test('the streamed summary is the same JSON as the built one, and reads back as a baseline', () => {
  const set = new CoverageSet();
  for (let i = 0; i < 2500; i++) {
    set.add(`src/"quoted"/file_${i}.ts`, {
      path: '',
      lines: { lines: Uint32Array.of(1, 2, 3), hits: Uint32Array.of(1, i % 2, 0) },
      branches: { lines: Uint32Array.of(2), slots: Uint32Array.of(0), hits: Uint32Array.of(i % 3) },
    });
  }
  const totals = computeTotals(set);
  const headline = chooseHeadline(totals, [{ family: 'other' }]);
  const parts: string[] = [];
  writeSummary((text) => parts.push(text), totals, headline, undefined, true, 'abc');
  const streamed = parts.join('');
  expect(JSON.parse(streamed)).toEqual(
    JSON.parse(JSON.stringify(buildSummary(totals, headline, undefined, true, 'abc'))),
  );
  expect(readBaseline(streamed, 'summary.json')).toEqual({
    num: BigInt(totals.lines.covered) * 100n,
    den: BigInt(totals.lines.total),
  });
});

test('a baseline that is not a summary says what was expected', () => {
  expect(() => readBaseline('{"x": 1}', 'b.json')).toThrow(
    /b\.json holds no coverage figure: expected the summary file/,
  );
  expect(() => readBaseline('nope', 'b.json')).toThrow(/b\.json is not JSON/);
});

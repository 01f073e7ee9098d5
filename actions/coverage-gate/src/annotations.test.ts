import { planAnnotations, WARNINGS_PER_STEP } from './annotations';

const ranges = Array.from({ length: 14 }, (_, i) => ({
  path: `f${i}.ts`,
  start: i + 1,
  end: i + (i % 2 ? 3 : 1),
}));

test('all ranges fit when few enough, with messages for one line and for several', () => {
  const plan = planAnnotations(ranges.slice(0, 2), 0);
  expect(plan.omitted).toBe(0);
  expect(plan.annotations).toEqual([
    {
      file: 'f0.ts',
      line: 1,
      endLine: 1,
      title: 'Not covered by tests',
      message: 'Changed line 1 is not covered by tests.',
    },
    {
      file: 'f1.ts',
      line: 2,
      endLine: 4,
      title: 'Not covered by tests',
      message: 'Changed lines 2-4 are not covered by tests.',
    },
  ]);
});

test('too many ranges keep one slot for the note, and earlier warnings count', () => {
  const plan = planAnnotations(ranges, 3);
  expect(plan.annotations).toHaveLength(WARNINGS_PER_STEP - 3 - 1);
  expect(plan.omitted).toBe(ranges.length - plan.annotations.length);
  expect(planAnnotations(ranges, 12)).toEqual({ annotations: [], omitted: ranges.length });
});

// Side-by-side measurement: the contenders run interleaved, round after round, in one
// process, so that whatever else the machine does weighs on all of them alike.

export interface Contender {
  name: string;
  /** One run; throws if the run did not do what it claims. */
  run(): Promise<void> | void;
}

export interface Figures {
  name: string;
  runs: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

export async function sideBySide(
  contenders: Contender[],
  rounds: number,
  warmup = 2,
): Promise<Figures[]> {
  const times = contenders.map(() => [] as number[]);
  for (let round = 0; round < warmup + rounds; round++) {
    // Alternate the order each round so neither contender always runs first.
    const order = contenders.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    for (const index of order) {
      const started = process.hrtime.bigint();
      await contenders[index].run();
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (round >= warmup) times[index].push(elapsedMs);
    }
  }
  return contenders.map((contender, index) => {
    const sorted = [...times[index]].sort((a, b) => a - b);
    return {
      name: contender.name,
      runs: sorted.length,
      medianMs: percentile(sorted, 0.5),
      p90Ms: percentile(sorted, 0.9),
      minMs: sorted[0],
    };
  });
}

export function figuresTable(figures: Figures[]): string {
  const rows = figures.map(
    (f) =>
      `| ${f.name} | ${f.runs} | ${f.medianMs.toFixed(1)} | ${f.p90Ms.toFixed(1)} | ${f.minMs.toFixed(1)} |`,
  );
  return [
    '| contender | runs | median ms | p90 ms | min ms |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

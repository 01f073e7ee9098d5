// Writing the large generated reports the coverage-gate benchmarks read.
import { closeSync, openSync, writeSync } from 'node:fs';

const FLUSH_CHARS = 4 * 1024 * 1024;

/** Writes text in large pieces, so generating hundreds of MB takes seconds, not minutes. */
export class ReportWriter {
  private parts: string[] = [];
  private size = 0;
  private readonly fd: number;

  constructor(file: string) {
    this.fd = openSync(file, 'w');
  }

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size > FLUSH_CHARS) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

export interface IstanbulShape {
  files: number;
  /** Statements per file, each on a line of its own (every third line). */
  statements: number;
  functions: number;
  /** Lines between two functions' declarations. */
  functionStep: number;
  /** Two-way `if` branches per file. */
  branches: number;
  /** Also the `_coverageSchema` and `hash` members Istanbul writes, which a reader skips. */
  schemaAndHash: boolean;
  /** A newline after the closing brace. */
  finalNewline: boolean;
}

/**
 * Istanbul's coverage-final.json in the shape Istanbul writes it. Returns the statements and
 * those run, which istanbul-lib-coverage counts as lines here (one statement a line).
 */
export function writeIstanbulFinal(
  file: string,
  shape: IstanbulShape,
): { covered: number; total: number } {
  const out = new ReportWriter(file);
  let covered = 0;
  let total = 0;
  const span = (line: number, column: number) =>
    `{"start":{"line":${line},"column":${column}},"end":{"line":${line},"column":${column + 24}}}`;
  out.write('{');
  for (let f = 0; f < shape.files; f++) {
    const name = `/home/runner/work/big/big/src/package_${f % 997}/module_${f}.js`;
    const statementMap: string[] = [];
    const s: string[] = [];
    for (let st = 0; st < shape.statements; st++) {
      const line = st * 3 + 1;
      const hits = (line * 7 + f) % 5 === 0 ? 0 : ((line * 13 + f) % 40) + 1;
      if (hits > 0) covered++;
      total++;
      statementMap.push(`"${st}":${span(line, 2)}`);
      s.push(`"${st}":${hits}`);
    }
    const fnMap: string[] = [];
    const fn: string[] = [];
    for (let i = 0; i < shape.functions; i++) {
      const line = i * shape.functionStep + 1;
      fnMap.push(
        `"${i}":{"name":"function_${i}_of_${f}","decl":${span(line, 9)},"loc":${span(line, 0)},"line":${line}}`,
      );
      fn.push(`"${i}":${(f + i) % 3}`);
    }
    const branchMap: string[] = [];
    const b: string[] = [];
    for (let i = 0; i < shape.branches; i++) {
      const line = i * 18 + 4;
      branchMap.push(
        `"${i}":{"loc":${span(line, 4)},"type":"if","locations":[${span(line, 4)},${span(line, 4)}],"line":${line}}`,
      );
      b.push(`"${i}":[${(f + i) % 4},${i % 2}]`);
    }
    const extra = shape.schemaAndHash
      ? `,"_coverageSchema":"1a1c01bbd47fc00a2c39e90264f33305004495a9",` +
        `"hash":"${(f * 2654435761).toString(16).padStart(40, '0')}"`
      : '';
    out.write(
      `${f > 0 ? ',' : ''}${JSON.stringify(name)}:{"path":${JSON.stringify(name)},` +
        `"statementMap":{${statementMap.join(',')}},"fnMap":{${fnMap.join(',')}},` +
        `"branchMap":{${branchMap.join(',')}},"s":{${s.join(',')}},"f":{${fn.join(',')}},` +
        `"b":{${b.join(',')}}${extra}}`,
    );
  }
  out.write(shape.finalNewline ? '}\n' : '}');
  out.close();
  return { covered, total };
}

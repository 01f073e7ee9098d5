import { globToRegExp } from '../../shared/glob';

// The `exclude` globs, matched against every path a report names. A report's paths are outside
// text of any length, and a backtracking regular expression takes time of the order of n^k on a
// path of n segments for a glob with k `**` (`**/gen/**/gen/**/*.py` on gen/gen/gen/...: half an
// hour for 10,000 segments). Here the globs are compiled into one automaton whose states are
// followed all at once (Thompson's construction), the sets of states met turned into states of
// a deterministic automaton as they come: a path costs its length (times the globs' size, the
// first time a set is met), whatever it holds. The globs mean exactly what globToRegExp makes
// of them.

const TEST = 0;
const SPLIT = 1;
const JUMP = 2;
const MATCH = 3;

interface Instruction {
  op: typeof TEST | typeof SPLIT | typeof JUMP | typeof MATCH;
  /** TEST: whether the next character is taken. */
  test?: (code: number) => boolean;
  /** SPLIT and JUMP: where to go; SPLIT goes to both. */
  to?: number;
  alternative?: number;
}

/** One piece of a glob: a character, a run of characters, whole segments (`**` then a slash) or `{a,b}`. */
type Piece =
  | { kind: 'one'; test: (code: number) => boolean }
  | { kind: 'run'; test: (code: number) => boolean }
  | { kind: 'segments' }
  | { kind: 'alternatives'; options: Piece[][] };

const SLASH = 47;
const notSlash = (code: number) => code !== SLASH;
/** `.` of a regular expression: anything but a line terminator. */
const anything = (code: number) => code !== 10 && code !== 13 && code !== 0x2028 && code !== 0x2029;

/** The pieces of a glob, read as globToRegExp reads it. */
function parse(glob: string): Piece[] {
  const stack: Piece[][][] = [];
  let options: Piece[][] = [[]];
  let current = options[0];
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*') {
      if (glob[i + 1] === '*') {
        const atSegmentStart = i === 0 || glob[i - 1] === '/';
        if (atSegmentStart && glob[i + 2] === '/') {
          current.push({ kind: 'segments' });
          i += 2;
        } else {
          current.push({ kind: 'run', test: anything });
          i += 1;
        }
      } else {
        current.push({ kind: 'run', test: notSlash });
      }
    } else if (char === '?') {
      current.push({ kind: 'one', test: notSlash });
    } else if (char === '[' && glob.indexOf(']', i + 1) >= 0) {
      const close = glob.indexOf(']', i + 1);
      const body = glob
        .slice(i + 1, close)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\');
      const set = new RegExp(`[${body}]`);
      current.push({ kind: 'one', test: (code) => set.test(String.fromCharCode(code)) });
      i = close;
    } else if (char === '{') {
      stack.push(options);
      options = [[]];
      current = options[0];
    } else if (char === '}' && stack.length > 0) {
      const group: Piece = { kind: 'alternatives', options };
      options = stack.pop()!;
      current = options[options.length - 1];
      current.push(group);
    } else if (char === ',' && stack.length > 0) {
      current = [];
      options.push(current);
    } else {
      const code = glob.charCodeAt(i);
      current.push({ kind: 'one', test: (other) => other === code });
    }
  }
  return options.length === 1 ? options[0] : [{ kind: 'alternatives', options }];
}

function compile(pieces: Piece[], program: Instruction[]): void {
  for (const piece of pieces) {
    const start = program.length;
    switch (piece.kind) {
      case 'one':
        program.push({ op: TEST, test: piece.test });
        break;
      case 'run': {
        // start: split(body, after); body: test; jump start
        program.push({ op: SPLIT, to: start + 1 });
        program.push({ op: TEST, test: piece.test });
        program.push({ op: JUMP, to: start });
        program[start].alternative = program.length;
        break;
      }
      case 'segments': {
        // start: split(segment, after); segment: [^/]* then '/', back to start
        program.push({ op: SPLIT, to: start + 1 });
        program.push({ op: SPLIT, to: start + 2, alternative: start + 4 });
        program.push({ op: TEST, test: notSlash });
        program.push({ op: JUMP, to: start + 1 });
        program.push({ op: TEST, test: (code) => code === SLASH });
        program.push({ op: JUMP, to: start });
        program[start].alternative = program.length;
        break;
      }
      case 'alternatives': {
        const jumps: number[] = [];
        piece.options.forEach((option, index) => {
          const last = index === piece.options.length - 1;
          const split = program.length;
          if (!last) program.push({ op: SPLIT, to: split + 1 });
          compile(option, program);
          if (!last) {
            jumps.push(program.length);
            program.push({ op: JUMP });
            program[split].alternative = program.length;
          }
        });
        for (const jump of jumps) program[jump].to = program.length;
        break;
      }
    }
  }
}

/** A set of the automaton's states, with the sets each character leads to. */
interface StateSet {
  pcs: number[];
  accepting: boolean;
  ascii: (StateSet | undefined)[];
  other: Map<number, StateSet>;
}

const MAX_CACHED_SETS = 10_000;

/**
 * Whether a path matches any of the globs, in time proportional to the path's length (times
 * the globs' size). A glob that is not valid throws as globToRegExp throws.
 */
export function excludeMatcher(globs: string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  globs.forEach(globToRegExp);
  const program: Instruction[] = [];
  compile([{ kind: 'alternatives', options: globs.map(parse) }], program);
  program.push({ op: MATCH });
  const size = program.length;
  const seen = new Uint32Array(size);
  let generation = 0;
  const pending = new Int32Array(size * 2 + 1);

  /** The states `starts` reach without reading a character (those that read one, or match). */
  const closure = (starts: number[]): number[] => {
    if (++generation === 0xffffffff) {
      seen.fill(0);
      generation = 1;
    }
    const reached: number[] = [];
    let top = 0;
    for (const start of starts) pending[top++] = start;
    while (top > 0) {
      const at = pending[--top];
      if (seen[at] === generation) continue;
      seen[at] = generation;
      const instruction = program[at];
      if (instruction.op === JUMP) pending[top++] = instruction.to!;
      else if (instruction.op === SPLIT) {
        pending[top++] = instruction.alternative!;
        pending[top++] = instruction.to!;
      } else reached.push(at);
    }
    return reached.sort((a, b) => a - b);
  };

  // Sets of states met so far become states of a deterministic automaton, built as paths
  // need them: a character then costs one lookup, not one test per state. The cache is
  // dropped should it grow past a bound, which only makes the next paths build it again.
  const states = new Map<string, StateSet>();
  const setOf = (pcs: number[]): StateSet => {
    const key = pcs.join(',');
    let set = states.get(key);
    if (set === undefined) {
      if (states.size >= MAX_CACHED_SETS) states.clear();
      set = {
        pcs,
        accepting: pcs.some((pc) => program[pc].op === MATCH),
        ascii: new Array<StateSet | undefined>(128),
        other: new Map(),
      };
      states.set(key, set);
    }
    return set;
  };
  const step = (set: StateSet, code: number): StateSet => {
    const cached = code < 128 ? set.ascii[code] : set.other.get(code);
    if (cached !== undefined) return cached;
    const starts: number[] = [];
    for (const pc of set.pcs) {
      const instruction = program[pc];
      if (instruction.op === TEST && instruction.test!(code)) starts.push(pc + 1);
    }
    const next = setOf(closure(starts));
    if (code < 128) set.ascii[code] = next;
    else set.other.set(code, next);
    return next;
  };

  return (path) => {
    let set = setOf(closure([0]));
    for (let i = 0; i < path.length && set.pcs.length > 0; i++) set = step(set, path.charCodeAt(i));
    return set.accepting;
  };
}

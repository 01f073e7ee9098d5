import { randomBytes } from 'node:crypto';
import { inertLines } from '../../shared/outside-text';
import { BoundedText, prefixed } from './output';

/**
 * How one host's lines reach the job log.
 * - `single`: one host; its output streams live, unprefixed, in a log group.
 * - `serial`: several hosts, one at a time; each streams live in its own group, prefixed.
 * - `parallel`: several at once; lines stream live prefixed with the host (log groups cannot
 *   interleave), and each host's whole output is repeated in a group of its own when it ends.
 * A server's lines never act as workflow commands: they are printed between
 * `::stop-commands::` markers, or prefixed with the host after being cut at `\r` too and
 * made inert (shared/outside-text.ts).
 */
export type LogLayout = 'single' | 'serial' | 'parallel';

export function chooseLayout(hosts: number, parallel: number): LogLayout {
  if (hosts === 1) return 'single';
  return parallel === 1 ? 'serial' : 'parallel';
}

/** A host's lines kept for its closing group in the parallel layout. */
const KEPT_CHARACTERS = 1_000_000;

export class HostLog {
  private readonly kept = new BoundedText(KEPT_CHARACTERS);
  private stopToken: string | undefined;

  constructor(
    private readonly label: string,
    private readonly layout: LogLayout,
    /** Writes a line to the log as it is: the host log makes outside text inert itself. */
    private readonly write: (line: string) => void,
  ) {}

  begin(title: string): void {
    if (this.layout !== 'parallel') this.write(`::group::${title}`);
  }

  /** The action's own words about this host (which may quote the server's). */
  info(message: string): void {
    for (const piece of inertLines(message)) {
      this.write(this.layout === 'parallel' ? prefixed(this.label, piece) : piece);
    }
    this.kept.append(`${message}\n`);
  }

  /** Brackets the server's output: in the live group layouts, commands are off within. */
  startOutput(): void {
    if (this.layout === 'parallel') return;
    this.stopToken = randomBytes(16).toString('hex');
    this.write(`::stop-commands::${this.stopToken}`);
  }

  line(text: string): void {
    // Between stop-commands markers nothing is a command; elsewhere, each piece is made inert.
    const pieces = this.stopToken !== undefined ? [text] : inertLines(text);
    for (const piece of pieces) {
      this.write(this.layout === 'single' ? piece : prefixed(this.label, piece));
    }
    this.kept.append(`${text}\n`);
  }

  endOutput(): void {
    if (this.stopToken === undefined) return;
    this.write(`::${this.stopToken}::`);
    this.stopToken = undefined;
  }

  /** Closes the host's group; in the parallel layout, prints the host's lines in one. */
  end(title: string): void {
    this.endOutput();
    if (this.layout !== 'parallel') {
      this.write('::endgroup::');
      return;
    }
    const token = randomBytes(16).toString('hex');
    this.write(`::group::${title}`);
    this.write(`::stop-commands::${token}`);
    for (const line of this.kept.toString().replace(/\n$/, '').split('\n')) this.write(line);
    if (this.kept.truncated) this.write('(output cut here: the live log above has all of it)');
    this.write(`::${token}::`);
    this.write('::endgroup::');
  }
}

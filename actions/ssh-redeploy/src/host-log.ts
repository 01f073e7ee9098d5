import { randomBytes } from 'node:crypto';
import { BoundedText, prefixed } from './output';

/**
 * How one host's lines reach the job log.
 * - `single`: one host; its output streams live, unprefixed, in a log group.
 * - `serial`: several hosts, one at a time; each streams live in its own group, prefixed.
 * - `parallel`: several at once; lines stream live prefixed with the host (log groups cannot
 *   interleave), and each host's whole output is repeated in a group of its own when it ends.
 * A server's lines never act as workflow commands: they are prefixed, or printed between
 * `::stop-commands::` markers.
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
    private readonly write: (line: string) => void,
  ) {}

  begin(title: string): void {
    if (this.layout !== 'parallel') this.write(`::group::${title}`);
  }

  /** The action's own words about this host. */
  info(message: string): void {
    this.write(this.layout === 'parallel' ? prefixed(this.label, message) : message);
    this.kept.append(`${message}\n`);
  }

  /** Brackets the server's output: in the live group layouts, commands are off within. */
  startOutput(): void {
    if (this.layout === 'parallel') return;
    this.stopToken = randomBytes(16).toString('hex');
    this.write(`::stop-commands::${this.stopToken}`);
  }

  line(text: string): void {
    this.write(this.layout === 'single' ? text : prefixed(this.label, text));
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

// A DNS server of a VPN fixture's own: dnsmasq (Debian's dnsmasq-base), in the fixture's
// network namespace, on an address of that namespace's loopback, so that only the tunnel leads
// to it. It answers for the names it is given and NXDOMAIN for every other name, so a resolver
// that asks it never moves on to another server, and it logs every query with its source.
// It runs in the foreground inside the namespace: removing the namespace stops it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Namespace } from './namespace';
import { sleep } from './processes';

export interface DnsAnswererOptions {
  /** An address on the namespace's loopback, already there (the fixture's service address). */
  address: string;
  /** The fixture's folder, where the log goes. */
  folder: string;
  /** The search domain a VPN would push, e.g. `corp-16.test`. */
  domain: string;
  /** Fully qualified name -> IPv4 address. */
  records: Record<string, string>;
}

export interface DnsQuery {
  type: string;
  name: string;
  from: string;
}

export interface DnsAnswerer {
  address: string;
  domain: string;
  records: Record<string, string>;
  /** Every query it has received, in order. */
  queries(): Promise<DnsQuery[]>;
}

export async function startDnsAnswerer(
  namespace: Namespace,
  options: DnsAnswererOptions,
): Promise<DnsAnswerer> {
  const { address, folder, domain, records } = options;
  const logFile = path.join(folder, 'dnsmasq.log');
  namespace.start(
    'dnsmasq',
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--bind-interfaces',
    `--listen-address=${address}`,
    '--port=53',
    '--user=root',
    '--group=root',
    // Every name is answered here, from the records or as NXDOMAIN: never sent upstream.
    '--local=/#/',
    ...Object.entries(records).map(([name, value]) => `--host-record=${name},${value}`),
    '--log-queries',
    `--log-facility=${logFile}`,
    `--pid-file=${path.join(folder, 'dnsmasq.pid')}`,
  );
  const [name, value] = Object.entries(records)[0] ?? [];
  const until = Date.now() + 5_000;
  for (;;) {
    try {
      const answer = await namespace.exec('busybox', 'nslookup', '-type=a', name, address);
      if (answer.includes(value)) break;
    } catch (error) {
      if (Date.now() > until) {
        throw new Error(`dnsmasq did not answer on ${address}`, { cause: error });
      }
    }
    if (Date.now() > until) throw new Error(`dnsmasq did not answer ${name} on ${address}`);
    await sleep(20);
  }
  return {
    address,
    domain,
    records,
    queries: async () => {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return [...text.matchAll(/query\[(\w+)\] (\S+) from (\S+)/g)].map(
        ([, type, queried, from]) => ({ type, name: queried, from }),
      );
    },
  };
}

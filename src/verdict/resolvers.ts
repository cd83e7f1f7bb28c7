/*
 * resolvers.ts - the DNS lookups the verdict makes, as mailauth's `resolver(name, rrtype)` function.
 *
 * Promise: a lookup resolves to node's answer shape (TXT as string[][], A as string[], MX as
 * { exchange, priority }[]) or rejects with node's error codes: ENOTFOUND / ENODATA mean "no such
 * record" (mailauth: none / no key), anything else (ECONNREFUSED, ETIMEOUT, ESERVFAIL, ...) is a
 * temporary failure (mailauth: temperror; SPEC 3: 451 4.7.0).
 *
 * - `dnsResolver(servers)`: the configured servers ("127.0.0.1:5353", "[::1]:53"), or with none
 *   the system resolver (/etc/resolv.conf). Each lookup waits at most timeoutMs × tries.
 * - `recordsResolver(records, fallback)`: `verdict: records`. TXT queries for a pinned name are
 *   answered from the config (an empty list pins "no record": ENODATA); every other query
 *   (other names, and A / AAAA / MX / PTR that SPF mechanisms ask) goes to the fallback.
 */
import { Resolver } from 'node:dns/promises';

export type DnsAnswer = string[][] | string[] | ReadonlyArray<unknown>;
export type DnsResolver = (name: string, rrtype: string) => Promise<DnsAnswer>;

export interface DnsResolverOptions {
  readonly servers?: readonly string[];
  /** Per try, milliseconds (c-ares `timeout`). Default 2000. */
  readonly timeoutMs?: number;
  /** Tries per server (c-ares `tries`). Default 2. */
  readonly tries?: number;
}

export function dnsResolver(options: DnsResolverOptions = {}): DnsResolver {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers([...options.servers]);
  return (name, rrtype) => resolver.resolve(name, rrtype) as Promise<DnsAnswer>;
}

/** Name -> TXT strings; a name with a list has several TXT records. */
export type PinnedRecords = Readonly<Record<string, string | readonly string[]>>;

/** DNS names compare case-insensitively and without the root dot (RFC 4343). */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** A TXT string is at most 255 octets on the wire (RFC 1035 §3.3.14); longer ones are split. */
function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 255) out.push(text.slice(i, i + 255));
  return out.length > 0 ? out : [''];
}

function noData(name: string): Error {
  return Object.assign(new Error(`queryTxt ENODATA ${name} (pinned: no record)`), { code: 'ENODATA', hostname: name });
}

export function recordsResolver(records: PinnedRecords, fallback: DnsResolver): DnsResolver {
  const pinned = new Map<string, string[][]>();
  for (const [name, value] of Object.entries(records)) {
    const list = typeof value === 'string' ? [value] : [...value];
    pinned.set(normalizeName(name), list.map(chunks));
  }
  return async (name, rrtype) => {
    const answer = rrtype.toUpperCase() === 'TXT' ? pinned.get(normalizeName(name)) : undefined;
    if (answer === undefined) return fallback(name, rrtype);
    if (answer.length === 0) throw noData(name);
    return answer.map((r) => [...r]);
  };
}

export function pinnedNames(records: PinnedRecords): string[] {
  return Object.keys(records).map(normalizeName);
}

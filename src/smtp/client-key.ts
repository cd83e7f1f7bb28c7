/*
 * client-key.ts - which client a per-client limit counts a connection or a failed login against.
 *
 * Promise: pure. An IPv4 address (also written IPv4-mapped, `::ffff:192.0.2.1`) is its own key;
 * an IPv6 address counts by its /64 prefix, the smallest block a site is given (RFC 6177), so an
 * attacker holding a /64 is one client, not 2^64 of them.
 */
import { isIPv4, isIPv6 } from 'node:net';

export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (isIPv4(address) || !isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, lower-case hex without leading zeros. */
function expandIPv6(address: string): string[] {
  const plain = address.split('%')[0] as string;
  const [head = '', tail] = plain.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const fill = Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => '0');
  return [...left, ...fill, ...right].map((g) => (/^[0-9a-f]+$/i.test(g) ? parseInt(g, 16).toString(16) : g));
}

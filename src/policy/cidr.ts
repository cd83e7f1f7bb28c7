/*
 * cidr.ts - does a client address fall inside an allowed CIDR list (pure).
 *
 * IPv4 and IPv6 (RFC 4291 text forms, `::` compression, embedded IPv4). An IPv4-mapped IPv6
 * address (::ffff:192.0.2.1, what a dual-stack listener reports) is matched as the IPv4 address,
 * so an operator's "192.0.2.0/24" works whichever socket family accepted the client.
 */

export interface Cidr {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

export function parseIp(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const v6 = parseIpv6(text);
  if (!v6) return undefined;
  // ::ffff:a.b.c.d is the IPv4 address a.b.c.d
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.trim().split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return undefined;
  const prefix = len === undefined ? max : Number(len);
  return prefix <= max ? { bytes, prefix } : undefined;
}

export function cidrContains(cidr: Cidr, ip: Uint8Array): boolean {
  if (cidr.bytes.length !== ip.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((cidr.bytes[i] ?? 0) & mask) !== ((ip[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** True when `address` is inside any of `allowed`; an unparseable address is never allowed. */
export function ipAllowed(address: string, allowed: readonly Cidr[]): boolean {
  const ip = parseIp(address);
  return ip !== undefined && allowed.some((c) => cidrContains(c, ip));
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return Uint8Array.from(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array | undefined {
  let s = text.replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.') && lastColon >= 0) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    s = s.slice(0, lastColon);
    if (s.endsWith(':')) s += ':'; // "64:ff9b::1.2.3.4" keeps its "::"
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string | undefined): number[] | undefined =>
    !h ? [] : h.split(':').every((g) => /^[0-9a-f]{1,4}$/i.test(g)) ? h.split(':').map((g) => parseInt(g, 16)) : undefined;
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  if (!head || !rest) return undefined;
  const fixed = [...head, ...rest, ...tail];
  const zeros = 8 - fixed.length;
  if ((halves.length === 1 && zeros !== 0) || zeros < 0 || (halves.length === 2 && zeros < 1)) return undefined;
  const words = [...head, ...new Array<number>(halves.length === 2 ? zeros : 0).fill(0), ...rest, ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

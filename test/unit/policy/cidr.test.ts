import { describe, expect, it } from 'vitest';
import { ipAllowed, parseCidr, parseIp, type Cidr } from '../../../src/policy/cidr.js';

const list = (...c: string[]): Cidr[] => c.map((x) => parseCidr(x) ?? (() => { throw new Error(`bad cidr ${x}`); })());

describe('client IP against the allowed CIDR list', () => {
  it.each([
    ['127.0.0.1', ['127.0.0.1/32'], true],
    ['127.0.0.2', ['127.0.0.1/32'], false],
    ['192.0.2.77', ['192.0.2.0/24'], true],
    ['192.0.3.1', ['192.0.2.0/24'], false],
    ['10.1.2.3', ['10.0.0.0/8'], true],
    ['::1', ['::1/128'], true],
    ['::2', ['::1/128'], false],
    ['::ffff:127.0.0.1', ['127.0.0.1/32'], true],
    ['::ffff:7f00:1', ['127.0.0.1'], true],
    ['2001:db8::42', ['2001:db8::/32'], true],
    ['2001:db9::42', ['2001:db8::/32'], false],
    ['fe80::1%eth0', ['fe80::/10'], true],
    ['127.0.0.1', ['::1/128'], false],
    ['not-an-ip', ['0.0.0.0/0'], false],
    ['203.0.113.9', ['0.0.0.0/0'], true],
  ] as const)('%s in %j is %s', (ip, cidrs, expected) => {
    expect(ipAllowed(ip, list(...cidrs))).toBe(expected);
  });

  it.each(['300.1.1.1/8', '1.2.3.4/33', '::1/129', '1:2:3:4:5:6:7:8:9', '1::2::3', '01.2.3.4', '1.2.3.4/x', ''])(
    'refuses the malformed CIDR %j',
    (text) => expect(parseCidr(text)).toBeUndefined(),
  );

  it('expands :: and embedded IPv4 to 16 bytes', () => {
    expect(Array.from(parseIp('2001:db8::1') ?? [])).toEqual([0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(parseIp('64:ff9b::192.0.2.33') ?? []).slice(12)).toEqual([192, 0, 2, 33]);
  });
});

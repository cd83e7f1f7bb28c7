/*
 * Network registration as the driver reads it (SPEC 9, lost registration): the <stat> of every
 * +CREG/+CGREG/+CEREG/+C5GREG line ModemManager tests (read answers and URCs alike), the answer
 * told from a URC while AT+CREG? is in flight, the two domains consolidated, and what a change
 * asks of the transport.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRegistrationRead, registrationStat } from '../../../src/transports/modem/at-lines.js';
import { AtReader } from '../../../src/transports/modem/at-reader.js';
import {
  describeStat, domainOf, isNetworkRegistered, judgeNetwork, networkStat, withStat, type NetworkState,
} from '../../../src/transports/modem/registration.js';

const FIX = join(import.meta.dirname, '../../fixtures/modem-at');
type Creg = { test: string; solicited: boolean; reply: string; expected: { stat_code: number } };
const cases = (JSON.parse(readFileSync(join(FIX, 'creg-cgreg-cereg.json'), 'utf8')) as { cases: Creg[] }).cases;
const firstLine = (reply: string): string => reply.split(/\r\n|\r|\n/).find((l) => /^\s*\+C/.test(l))!.trim();

describe('registrationStat: <stat> of a registration line of either shape (TS 27.007 §7.2)', () => {
  it.each(cases)('reads stat $expected.stat_code from $test', (c) => {
    expect(registrationStat(firstLine(c.reply))).toBe(c.expected.stat_code);
  });

  it.each(cases.filter((c) => c.solicited))('takes $test for the read shape <n>,<stat>', (c) => {
    expect(isRegistrationRead(firstLine(c.reply))).toBe(true);
  });

  const gammu = ['at-creg', 'at-creg-corner'].flatMap((dir) =>
    readdirSync(join(FIX, 'gammu', dir)).map((f) => ({ dump: `${dir}/${f}`, text: readFileSync(join(FIX, 'gammu', dir, f), 'latin1') })));
  it.each(gammu.filter((g) => /\+CREG:/.test(g.text)))('takes the AT+CREG? answer of Gammu $dump for the read shape', ({ text }) => {
    const line = text.split(/\r\n|\r|\n/).find((l) => l.startsWith('+CREG:'))!;
    expect(isRegistrationRead(line)).toBe(true);
    expect(registrationStat(line)).toBe(Number(/^\+CREG:\s*\d+,(\d+)/.exec(line)![1]));
  });

  it('gives no <stat> for a line without one', () => {
    expect(registrationStat('+CREG: ')).toBeUndefined();
    expect(registrationStat('+CREG: 2,,')).toBe(2);
  });
});

describe('the answer to AT+CREG? told from a URC arriving during it (at-reader.ts)', () => {
  const feed = (chunks: readonly string[], command: string) => {
    const reader = new AtReader();
    reader.echo = false;
    reader.setCommand(command);
    return chunks.flatMap((c) => reader.push(c));
  };

  it('takes a URC with an unquoted all-digit LAC before the answer as a URC (ModemManager test_creg2_no_leading_zeros_unsolicited)', () => {
    const events = feed(['\r\n+CREG: 1,0001,0010,0\r\n', '\r\n+CREG: 1,5\r\n\r\nOK\r\n'], 'AT+CREG?');
    expect(events.map((e) => e.type)).toEqual(['urc', 'info', 'final']);
  });

  it('takes a one-field URC between the answer and OK as a URC', () => {
    const events = feed(['\r\n+CREG: 1,1\r\n\r\n+CREG: 2\r\n\r\nOK\r\n'], 'AT+CREG?');
    expect(events.map((e) => e.type)).toEqual(['info', 'urc', 'final']);
  });

  it('takes a +CEREG URC during AT+CREG? as a URC whatever its shape', () => {
    const events = feed(['\r\n+CEREG: 2,1,"1F00","79D903",7\r\n\r\n+CREG: 1,1\r\n\r\nOK\r\n'], 'AT+CREG?');
    expect(events.map((e) => e.type)).toEqual(['urc', 'info', 'final']);
  });
});

describe('the two domains consolidated (+CREG circuit-switched, +CEREG EPS)', () => {
  it.each([
    ['nothing heard', {}, false, undefined],
    ['circuit-switched home', { cs: 1 }, true, 1],
    ['roaming', { cs: 5 }, true, 5],
    ['an LTE-only modem: +CREG 0, +CEREG 1', { cs: 0, eps: 1 }, true, 1],
    ['SMS-only on LTE', { cs: 0, eps: 6 }, true, 6],
    ['searching', { cs: 2 }, false, 2],
    ['denied on EPS while CS is idle: the denial is what is said', { cs: 0, eps: 3 }, false, 3],
    ['searching on CS, idle on EPS', { cs: 2, eps: 0 }, false, 2],
    ['unknown', { cs: 4 }, false, 4],
    ['emergency bearer only', { eps: 8 }, false, 8],
  ] as const)('%s', (_name, state: NetworkState, registered, stat) => {
    expect(isNetworkRegistered(state)).toBe(registered);
    expect(networkStat(state)).toBe(stat);
  });

  it('forgets a domain whose read gave no <stat>, so a stale "registered" cannot outlive it', () => {
    const state = withStat(withStat({}, 'cs', 2), 'eps', 1);
    expect(isNetworkRegistered(state)).toBe(true);
    expect(withStat(state, 'eps', undefined)).toEqual({ cs: 2 });
    expect(isNetworkRegistered(withStat(state, 'eps', undefined))).toBe(false);
  });

  it('names the domain of +CREG and +CEREG and of nothing else', () => {
    expect(['+CREG', '+CEREG', '+CGREG', '+C5GREG', '+CMTI'].map(domainOf)).toEqual(['cs', 'eps', undefined, undefined, undefined]);
  });

  it('words a <stat> for health() and the log', () => {
    expect(describeStat(3)).toBe('stat 3: registration denied');
    expect(describeStat(2)).toBe('stat 2: not registered, searching');
    expect(describeStat(undefined)).toBe('no +CREG/+CEREG answer');
  });
});

describe('judgeNetwork: what a registration change asks of the modem transport', () => {
  it.each([
    ['a ready route that hears searching loses the network', 'ready', false, 2, undefined, 'lost'],
    ['a ready route that hears denied loses the network', 'ready', false, 3, undefined, 'lost'],
    ['a ready route that hears registered again does nothing', 'ready', true, 1, undefined, 'none'],
    ['a waiting route that hears registered is back', 'no-network', true, 5, 2, 'restored'],
    ['a waiting route that hears denied after searching says so', 'no-network', false, 3, 2, 'changed'],
    ['a waiting route that hears the same <stat> again stays quiet', 'no-network', false, 2, 2, 'none'],
    ['a recovering route leaves it to the end of the ladder', 'recovering', false, 2, undefined, 'none'],
    ['an initialising route leaves it to the end of init', 'initialising', true, 1, undefined, 'none'],
  ] as const)('%s', (_name, route, registered, stat, previous, change) => {
    expect(judgeNetwork(route, registered, stat, previous)).toBe(change);
  });
});

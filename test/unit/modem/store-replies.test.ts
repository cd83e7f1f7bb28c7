/*
 * The message store replies the received-SMS reader reads (at-replies.ts): AT+CMGL answers in
 * PDU mode, +CMTI/+CDSI indications and the AT+CPMS? answer, on the captures ModemManager,
 * python-gsmmodem and Gammu test with (test/fixtures/modem-at/SOURCES.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCmgl, parseStoreIndication } from '../../../src/transports/modem/index.js';
import { parseCpmsStores } from '../../../src/transports/modem/at-replies.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/modem-at');
const read = <T>(file: string): T => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as T;
const lines = (text: string): string[] => text.split(/\r\n|\r|\n/);

describe('parseCmgl on recorded AT+CMGL answers', () => {
  const mm = read<{ cases: { test: string; command: string; response: string; expected: { index: number; status: number; pdu: string }[] }[] }>('cmgl-cmgr-cds.json');
  const cases = mm.cases.filter((c) => c.command === 'AT+CMGL');

  it.each(cases)('ModemManager $test: the index, <stat> and PDU of each entry, a truncated last PDU as it is', ({ response, expected }) => {
    expect(parseCmgl(lines(response))).toEqual(expected.map((e) => ({ index: e.index, stat: e.status, pdu: e.pdu.toUpperCase() })));
  });

  it('python-gsmmodem TestStoredSms: the AT+CMGL=1 answer lists locations 1 and 2, read', () => {
    const listing = read<{ stored_sms_listing: { pdu_mode: Record<string, string[]> } }>('sms-scenarios.json').stored_sms_listing.pdu_mode;
    const listed = parseCmgl(listing['AT+CMGL=1\r']!.map((l) => l.trimEnd()));
    expect(listed.map((e) => [e.index, e.stat, e.pdu.length])).toEqual([[1, 1, 2 * (161 + 8)], [2, 1, 2 * (159 + 8)]]);
  });

  it('Gammu smsd-incoming-cmt.c: entries with an empty quoted <alpha> and bare CR line ends', () => {
    const c = read<{ cases: { function: string; strings: Record<string, string>; responses: { lines: (string | { var: string })[] }[] }[] }>('gammu/atgen-scripted-sequences.json')
      .cases.find((x) => x.function === 'run_multipart_delete_retry')!;
    const text = c.responses[0]!.lines.slice(4, 9).map((l) => (typeof l === 'string' ? l : c.strings[l.var]!)).join('');
    expect(parseCmgl(lines(text))).toEqual([
      { index: 1, stat: 0, pdu: c.strings['pdu1']!.trim() },
      { index: 2, stat: 0, pdu: c.strings['pdu2']!.trim() },
    ]);
  });

  it('gives nothing for an empty store or a header with no PDU line', () => {
    expect(parseCmgl([])).toEqual([]);
    expect(parseCmgl(['+CMGL: 3,0,,23'])).toEqual([]);
    expect(parseCmgl(['+CMGL: 3,0,,23', '+CMGL: 4,0,,23', '0791'])).toEqual([{ index: 4, stat: 0, pdu: '0791' }]);
  });
});

describe('parseStoreIndication', () => {
  it('reads +CMTI and +CDSI as Gammu and python-gsmmodem recorded them', () => {
    expect(parseStoreIndication('+CMTI: "SM",1\r')).toEqual({ mem: 'SM', index: 1 });
    expect(parseStoreIndication('+CMTI: "ME",13')).toEqual({ mem: 'ME', index: 13 });
    expect(parseStoreIndication('+CDSI: "SR",0')).toEqual({ mem: 'SR', index: 0 });
    expect(parseStoreIndication('+CMTI: SM,1')).toBeUndefined();
    expect(parseStoreIndication('+CMT: ,23')).toBeUndefined();
  });
});

describe('parseCpmsStores', () => {
  it('names <mem1>, <mem2>, <mem3> of an AT+CPMS? answer (TS 27.005 §3.2.2)', () => {
    expect(parseCpmsStores(['+CPMS: "SM",1,30,"SM",1,30,"ME",0,100'])).toEqual(['SM', 'SM', 'ME']);
    expect(parseCpmsStores(['ERROR'])).toEqual([]);
  });
});

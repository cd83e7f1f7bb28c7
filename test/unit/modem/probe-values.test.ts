/*
 * The bench-test readers (probe-values.ts): spec tables (TS 27.007 §8.5 +CSQ, §7.2 <stat>,
 * §7.3 +COPS, TS 27.005 §3.3.1 +CSCA, TS 23.040 §9.2.3.15 TP-ST) and replies captured from real
 * modems (gammu tests/at-*, python-gsmmodem fakemodems, ModemManager test-modem-helpers).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRegistration } from '../../../src/transports/modem/at-replies.js';
import {
  csqToDbm,
  dbmToBars,
  describePinState,
  parseCmgfModes,
  parseCops,
  parseCsca,
  parseCsqReply,
  parseIccid,
  parseIdentity,
  parseImei,
  parseImsi,
  parseStatusReport,
  registrationWord,
  statusMeaning,
} from '../../../src/transports/modem/probe-values.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/modem-at');

/** The information lines of a gammu dump: the command line, blank lines and the final OK removed. */
function dumpLines(file: string): string[] {
  const lines = readFileSync(join(FIXTURES, 'gammu', file), 'latin1').split(/\r\n|\r|\n/);
  return lines.slice(1).filter((l) => l.trim() !== '' && l.trim() !== 'OK');
}

describe('+CSQ as dBm and bars (TS 27.007 §8.5)', () => {
  it.each([
    [0, -113, 0],
    [1, -111, 0],
    [2, -109, 0],
    [3, -107, 1],
    [6, -101, 1],
    [7, -99, 2],
    [11, -91, 2],
    [12, -89, 3],
    [16, -81, 3],
    [17, -79, 4],
    [21, -71, 4],
    [22, -69, 5],
    [30, -53, 5],
    [31, -51, 5],
  ])('rssi %i is %i dBm and %i bars', (rssi, dbm, bars) => {
    expect(csqToDbm(rssi)).toBe(dbm);
    expect(dbmToBars(csqToDbm(rssi))).toBe(bars);
  });

  it.each([99, 32, -1, 1.5])('rssi %s is no reading and 0 bars', (rssi) => {
    expect(csqToDbm(rssi)).toBeUndefined();
    expect(dbmToBars(csqToDbm(rssi))).toBe(0);
  });

  it('reads a +CSQ reply into rssi, ber, dBm and bars', () => {
    expect(parseCsqReply(['+CSQ: 20,99'])).toEqual({ rssi: 20, ber: 99, dbm: -73, bars: 4 });
    expect(parseCsqReply(['+CSQ: 99,99'])).toEqual({ rssi: 99, ber: 99, bars: 0 });
    expect(parseCsqReply(['+CSQ: x'])).toBeUndefined();
  });
});

describe('identity replies from real modems (python-gsmmodem fakemodems)', () => {
  const modems = (JSON.parse(readFileSync(join(FIXTURES, 'fakemodems.json'), 'utf8')) as {
    modems: Array<{ class: string; real_modem: boolean; responses?: Record<string, string[]> }>;
  }).modems.filter((m) => m.real_modem && m.responses?.['AT+CGMI\r']);
  const info = (reply: string[] | undefined): string[] =>
    (reply ?? []).map((l) => l.replace(/\r\n$/, '')).filter((l) => l !== 'OK' && l !== 'ERROR');

  it('has the real modems this test reads', () => {
    expect(modems.map((m) => m.class)).toEqual(expect.arrayContaining(['HuaweiK3715', 'ZteK3565Z', 'WavecomMultiband900E1800', 'NokiaN79']));
  });

  it.each(modems.map((m) => [m.class, m] as const))('%s: maker and model are the reply text, trimmed', (_name, m) => {
    const maker = parseIdentity(info(m.responses!['AT+CGMI\r']));
    expect(maker).toBe(info(m.responses!['AT+CGMI\r']).join(' ').trim());
    expect(maker).not.toMatch(/^\s|\s$/);
    expect(parseIdentity(info(m.responses!['AT+CGMM\r']))).toBe(info(m.responses!['AT+CGMM\r']).join(' ').trim());
    expect(parseImei(info(m.responses!['AT+CGSN\r']))).toBe('111111111111111');
    expect(parseImsi(info(m.responses!['AT+CIMI\r']))).toBe('111111111111111');
  });

  it('keeps every line of a multi-line firmware reply (Nokia N79)', () => {
    const n79 = modems.find((m) => m.class === 'NokiaN79')!;
    expect(parseIdentity(info(n79.responses!['AT+CGMR\r']))).toBe('V ICPR72_08w44.1 24-11-08 RM-348 (c) Nokia 11.049');
  });

  it.each([
    ['at-model/01.dump', 'MULTIBAND  900E  1800'],
    ['at-model/02.dump', 'Nokia 5210'],
    ['at-model/03.dump', 'AAB-1022041-BV'],
    ['at-model/06.dump', 'MULTIBAND  900E  1800'],
  ])('gammu %s gives the model %j', (file, model) => {
    expect(parseIdentity(dumpLines(file))).toBe(model);
  });

  it('takes a prefixed identity reply and an IMEI behind a label', () => {
    expect(parseIdentity(['+CGMI: "Quectel"'])).toBe('Quectel');
    expect(parseImei(['IMEI: 356938035643809'])).toBe('356938035643809');
    expect(parseImei(['ERROR'])).toBeUndefined();
  });
});

describe('SIM values', () => {
  it.each([
    [['+CCID: 8988211000000000001'], '8988211000000000001'],
    [['+ICCID: 89441000303014717865'], '89441000303014717865'],
    [['^ICCID: 98940000000000001234'], '98940000000000001234'],
    [['89860318740214720137F'], '89860318740214720137'],
    [['+QCCID: "8931440400012345678F"'], '8931440400012345678'],
    [['+CCID: 12'], undefined],
  ])('ICCID of %j is %s', (lines, iccid) => {
    expect(parseIccid(lines)).toBe(iccid);
  });

  it.each([
    ['READY', 'SIM ready (no PIN needed)'],
    ['SIM PIN', 'SIM PIN required'],
    ['SIM PUK', 'SIM PUK required (the SIM is locked after wrong PINs)'],
    ['PH-NET PIN', 'network personalisation password required (network lock)'],
    ['BLOCKED', 'SIM state BLOCKED'],
  ])('+CPIN: %s reads "%s"', (state, text) => {
    expect(describePinState(state)).toBe(text);
  });
});

describe('registration and operator', () => {
  it.each([
    ['at-creg/huawei.dump', 1],
    ['at-creg/none.dump', 0],
    ['at-creg/siemens.dump', 1],
    ['at-creg/sierra312u.dump', 5],
    ['at-creg/telit.dump', 1],
    ['at-creg-corner/empty-lac.dump', 1],
    ['at-creg-corner/single-quote.dump', 1],
  ])('gammu %s has <stat> %i', (file, stat) => {
    expect(parseRegistration(dumpLines(file))).toBe(stat);
  });

  it('an AT+CREG? answered with OK alone has no <stat> (gammu at-creg/empty.dump)', () => {
    expect(parseRegistration(dumpLines('at-creg/empty.dump'))).toBeUndefined();
  });

  it('reads the solicited +CREG/+CGREG/+CEREG replies ModemManager tests, <stat> as its expected stat_code', () => {
    const cases = (JSON.parse(readFileSync(join(FIXTURES, 'creg-cgreg-cereg.json'), 'utf8')) as {
      cases: Array<{ solicited: boolean; reply: string; expected: { stat_code: number } }>;
    }).cases.filter((c) => c.solicited && /\+C(E|G)?REG:/.test(c.reply));
    expect(cases.length).toBeGreaterThan(10);
    for (const c of cases) {
      const lines = c.reply.split(/\r\n/).filter((l) => /^\+C(E|G)?REG:/.test(l));
      expect([c.reply, parseRegistration(lines.slice(0, 1))]).toEqual([c.reply, c.expected.stat_code]);
    }
  });

  it.each([
    [0, 'not registered, not searching'],
    [1, 'registered, home network'],
    [2, 'not registered, searching'],
    [3, 'registration denied'],
    [5, 'registered, roaming'],
    [6, 'registered for SMS only, home network'],
    [11, 'stat 11'],
  ])('<stat> %i reads "%s"', (stat, word) => {
    expect(registrationWord(stat)).toBe(word);
  });

  it.each([
    [['+COPS: 0,0,"Vodafone UK",7'], { mode: 0, name: 'Vodafone UK', act: 7 }],
    [['+COPS: 0,2,"23415",2'], { mode: 0, name: '23415', act: 2 }],
    [['+COPS: 1,0,"T-Mobile, DE"'], { mode: 1, name: 'T-Mobile, DE' }],
    [['+COPS: 0'], { mode: 0 }],
    [['+COPS: 2,0,""'], { mode: 2 }],
    [['OK'], undefined],
  ])('+COPS? reply %j is %j', (lines, operator) => {
    expect(parseCops(lines)).toEqual(operator);
  });
});

describe('SMSC address (TS 27.005 §3.3.1, gammu at-smsc)', () => {
  it.each([
    ['at-smsc/01.dump', '+97254120032', 145],
    ['at-smsc/02.dump', '+79168999100', 145],
    ['at-smsc/03.dump', '6281100000', 145],
    ['at-smsc/05.dump', '+447802092035', 145],
    ['at-smsc-failing/04.dump', '', 129],
  ])('%s gives %j type %i', (file, address, type) => {
    expect(parseCsca(dumpLines(file))).toEqual({ address, type });
  });
});

describe('PDU mode support (TS 27.005 §3.2.3)', () => {
  it.each([
    [['+CMGF: (0,1)'], [0, 1]],
    [['+CMGF: (0-1)'], [0, 1]],
    [['+CMGF: (1)'], [1]],
    [['+CMGF: (0)'], [0]],
    [['+CMGF: 0'], undefined],
  ])('%j lists modes %j', (lines, modes) => {
    expect(parseCmgfModes(lines)).toEqual(modes);
  });
});

describe('status reports (TS 23.040 §9.2.2.3)', () => {
  it('reads the +CDS PDU ModemManager tests, SMSC field first', () => {
    const cds = (JSON.parse(readFileSync(join(FIXTURES, 'cmgl-cmgr-cds.json'), 'utf8')) as {
      cases: Array<{ test: string; expected: { pdu: string } }>;
    }).cases.find((c) => c.test === 'test_parse_cds')!;
    expect(parseStatusReport(cds.expected.pdu)).toEqual({
      mr: 90, recipient: '639335936', status: 0x30, meaning: 'temporary error, the SMSC is still trying', delivered: false,
    });
  });

  it('reads the oFono status-report TPDUs, which carry no SMSC field', () => {
    const vectors = (JSON.parse(readFileSync(join(FIXTURES, 'pdu-vectors.json'), 'utf8')) as {
      status_report: Array<{ id: string; pdu_hex: string; pdu_includes_smsc: boolean; expected: { message_reference: number; address: string; status: number; delivered: boolean } }>;
    }).status_report;
    expect(vectors.length).toBeGreaterThan(0);
    for (const v of vectors) {
      const sr = parseStatusReport(v.pdu_hex);
      expect([v.id, sr?.mr, sr?.recipient.replace(/^\+/, ''), sr?.status, sr?.delivered]).toEqual([
        v.id, v.expected.message_reference, v.expected.address.replace(/^\+/, ''), v.expected.status, v.expected.delivered,
      ]);
    }
  });

  it('refuses what is not a status report', () => {
    expect(parseStatusReport('zz')).toBeUndefined();
    expect(parseStatusReport('0011000B916407281553F80000AA0AE8329BFD4697D9EC37')).toBeUndefined();
  });

  it.each([
    [0x00, 'received by the recipient'],
    [0x20, 'temporary error, the SMSC is still trying'],
    [0x41, 'permanent error, the SMSC gave up'],
    [0x60, 'temporary error, the SMSC is no longer trying'],
  ])('TP-ST %i reads "%s"', (st, meaning) => {
    expect(statusMeaning(st)).toBe(meaning);
  });
});

/*
 * SMS-STATUS-REPORT decoding (TS 23.040 §9.2.2.3) against third-party PDUs
 * (test/fixtures/sms-pdu/status-reports.json, see SOURCES.md there), cross-read with node-pdu,
 * and the TP-Status classes of §9.2.3.15.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Report, parse } from 'node-pdu';
import { describe, expect, it } from 'vitest';
import { classifyTpStatus, decodeStatusReport } from '../../../src/encode/index.js';

interface ReportVector {
  readonly id: string;
  readonly pdu_hex: string;
  readonly pdu_includes_smsc: boolean;
  readonly expected: {
    readonly message_reference: number;
    readonly address: string;
    readonly status?: number | string;
    readonly timestamp?: string;
    readonly discharge_time?: string;
  };
}

const FIXTURE = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/sms-pdu/status-reports.json', import.meta.url)), 'utf8')) as {
  vectors: ReportVector[];
  cds_urc: { cases: { urc: string; expected: { pdu_length: number; pdu: string } }[] };
};

/** §9.1.2.3 reads semi-octet 1011 as '#'; python-gsmmodem prints it as 'b'. */
const asSpec = (address: string): string => address.replace(/b/g, '#');

describe('decodeStatusReport on third-party PDUs', () => {
  it('has the vectors it is meant to run', () => {
    expect(FIXTURE.vectors.length).toBe(8);
  });

  for (const v of FIXTURE.vectors) {
    it(`reads TP-MR, TP-RA, the times and TP-ST of ${v.id} as the source asserts`, () => {
      const decoded = decodeStatusReport(v.pdu_hex, { withSmsc: v.pdu_includes_smsc });
      if (!decoded.ok) throw new Error(decoded.reason);
      const { report } = decoded;
      expect(report.messageRef).toBe(v.expected.message_reference);
      expect(report.recipient).toBe(asSpec(v.expected.address));
      if (v.expected.timestamp !== undefined) expect(report.serviceCentreAt).toBe(Date.parse(v.expected.timestamp));
      if (v.expected.discharge_time !== undefined) expect(report.dischargeAt).toBe(Date.parse(v.expected.discharge_time));
      if (v.expected.status === 0 || v.expected.status === 'DELIVERED') expect(classifyTpStatus(report.status).state).toBe('delivered');
    });

    it(`agrees with node-pdu on TP-MR, TP-RA digits, TP-DT and TP-ST of ${v.id}`, () => {
      const decoded = decodeStatusReport(v.pdu_hex, { withSmsc: v.pdu_includes_smsc });
      if (!decoded.ok) throw new Error(decoded.reason);
      const theirs = parse(v.pdu_includes_smsc ? v.pdu_hex : `00${v.pdu_hex}`);
      expect(theirs).toBeInstanceOf(Report);
      const report = theirs as Report;
      expect(decoded.report.messageRef).toBe(report.reference);
      expect(decoded.report.status).toBe(report.status);
      expect(decoded.report.dischargeAt).toBe(report.discharge.time * 1000);
      // The ZTE capture's TP-RA holds a non-digit (its SMSC length octet is wrong): node-pdu and
      // python-gsmmodem read that garbage differently, so only all-digit numbers are compared.
      if (/^\+?\d+$/.test(v.expected.address)) expect(decoded.report.recipient.replace(/^\+/, '')).toBe(report.address.phone);
    });
  }

  it('reads the PDU line of ModemManager\'s +CDS URC, whose header gives the TPDU length', () => {
    const [cds] = FIXTURE.cds_urc.cases;
    if (cds === undefined) throw new Error('fixture lacks the +CDS case');
    const lines = cds.urc.split('\r\n').filter((l) => l !== '');
    expect(lines[0]).toBe(`+CDS: ${cds.expected.pdu_length}`);
    const decoded = decodeStatusReport(lines[1] ?? '', { withSmsc: true });
    if (!decoded.ok) throw new Error(decoded.reason);
    // 07914356060013F1 | 06 5A 09 81 36395339F6 | SCTS 21901170046380 | DT 21901170046380 | ST 30
    expect(decoded.report).toMatchObject({ messageRef: 0x5a, recipient: '639335936', status: 0x30 });
    expect(classifyTpStatus(decoded.report.status).state).toBe('pending');
  });
});

describe('decodeStatusReport on bad input', () => {
  const cases: [string, string, boolean][] = [
    ['text that is not hex', '+CDS: 24', false],
    ['an odd number of hex digits', '06040', false],
    ['an SMS-DELIVER', '07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37', true],
    ['a report cut inside TP-DT', '06040D91945152991136F00160124130340A01601241', false],
    ['a report cut before TP-RA', '0604', false],
    ['an SMSC field longer than the PDU', '0A9172', true],
  ];
  for (const [what, hex, withSmsc] of cases) {
    it(`returns a reason, not a report, for ${what}`, () => {
      const decoded = decodeStatusReport(hex, { withSmsc });
      expect(decoded.ok).toBe(false);
    });
  }
});

describe('classifyTpStatus (TS 23.040 §9.2.3.15)', () => {
  const table: [number, string, RegExp][] = [
    [0x00, 'delivered', /^TP-ST 0x00 short message received by the SME$/],
    [0x01, 'delivered', /forwarded/],
    [0x02, 'delivered', /replaced/],
    [0x1f, 'delivered', /completed/],
    [0x20, 'pending', /congestion, SC still trying/],
    [0x3f, 'pending', /still trying/],
    [0x40, 'failed', /remote procedure error/],
    [0x41, 'failed', /incompatible destination/],
    [0x46, 'expired', /^TP-ST 0x46 SM validity period expired$/],
    [0x5f, 'failed', /permanent error/],
    [0x60, 'failed', /congestion, SC gave up/],
    [0x65, 'failed', /error in SME, SC gave up/],
    [0x7f, 'failed', /gave up/],
    [0x80, 'failed', /reserved/],
    [0xff, 'failed', /reserved/],
  ];
  for (const [st, state, detail] of table) {
    it(`reads TP-ST 0x${st.toString(16).padStart(2, '0')} as ${state}`, () => {
      const status = classifyTpStatus(st);
      expect(status.state).toBe(state);
      expect(status.detail).toMatch(detail);
    });
  }
});

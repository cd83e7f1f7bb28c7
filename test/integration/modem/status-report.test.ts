/*
 * Status reports through the real modem transport over the simulated modem (SPEC 8, 9): +CDS
 * decoded at once, +CDSI read with AT+CMGR and deleted with AT+CMGD through the driver's queue,
 * each reaching onStatusReport listeners; the reply parsers on third-party captures.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/index.js';
import { parseStoreIndication, pduOfCmgr, reportOfPdu } from '../../../src/transports/modem/index.js';
import { createSimTransport, SimDevice, type SimFault } from '../../../src/transports/sim/index.js';
import type { OutboundSegment, StatusReport } from '../../../src/transports/transport.js';
import { until } from '../../helpers/wait.js';

const segment = (over: Partial<OutboundSegment> = {}): OutboundSegment => ({
  qid: 'Q1', seq: 1, total: 1, destination: '+447700900123', encoding: 'gsm7', text: 'Pump 3 failed', statusReport: true, ...over,
});

function setUp(fault: SimFault, statusReportStatus?: number) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(JSON.parse(s)) } });
  const device = new SimDevice({ now: Date.now, faults: [fault], statusReportDelayMs: 5, ...(statusReportStatus === undefined ? {} : { statusReportStatus }) });
  const t = createSimTransport({ name: 'sr', logger, device });
  const reports: StatusReport[] = [];
  t.onStatusReport((r) => reports.push(r));
  const sentAt = () => lines.filter((l) => l['event'] === 'at.tx').map((l) => String(l['at']));
  return { t, device, reports, lines, sentAt };
}

describe('modem transport status reports', () => {
  it('turns a +CDS URC into a delivered StatusReport naming the reference, recipient and discharge time', async () => {
    const { t, reports } = setUp('status-report');
    await t.start();
    const before = Date.now();
    await expect(t.send(segment(), new AbortController().signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    await until(() => reports.length === 1, 'the +CDS report');
    expect(reports[0]).toMatchObject({ messageRef: '0', recipient: '+447700900123', state: 'delivered', detail: 'TP-ST 0x00 short message received by the SME' });
    // TP-DT has one-second resolution.
    expect(reports[0]?.at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    await t.stop({ drain: false });
  });

  it('reports TP-ST 0x46 as expired', async () => {
    const { t, reports } = setUp('status-report', 0x46);
    await t.start();
    await t.send(segment(), new AbortController().signal);
    await until(() => reports.length === 1, 'the +CDS report');
    expect(reports[0]).toMatchObject({ state: 'expired', detail: 'TP-ST 0x46 SM validity period expired' });
    await t.stop({ drain: false });
  });

  it('asks for no report when the segment does not request one (TP-SRR clear)', async () => {
    const { t, reports, device } = setUp('status-report');
    await t.start();
    await t.send(segment({ statusReport: false }), new AbortController().signal);
    await t.send(segment({ statusReport: true }), new AbortController().signal);
    await until(() => reports.length === 1, 'the report of the second send');
    expect(reports.map((r) => r.messageRef)).toEqual(['1']);
    expect(device.received()).toHaveLength(2);
    await t.stop({ drain: false });
  });

  it('reads a +CDSI report with AT+CMGR and deletes it with AT+CMGD, after the AT+CMGS in flight', async () => {
    const { t, reports, sentAt } = setUp('status-report-stored');
    await t.start();
    const signal = new AbortController().signal;
    await Promise.all([t.send(segment({ seq: 1, total: 2 }), signal), t.send(segment({ seq: 2, total: 2 }), signal)]);
    await until(() => reports.length === 2, 'both stored reports');
    expect(reports.map((r) => [r.messageRef, r.state])).toEqual([['0', 'delivered'], ['1', 'delivered']]);
    // A report is emitted once read, before its AT+CMGD: wait for both deletes.
    await until(() => sentAt().includes('AT+CMGD=0') && sentAt().includes('AT+CMGD=1'), 'both AT+CMGD');
    const at = sentAt();
    expect(at).toContain('AT+CMGR=0');
    expect(at).toContain('AT+CMGR=1');
    // The driver runs one exchange at a time: every AT+CMGR comes after an AT+CMGS and its PDU
    // line, never between the two.
    for (const [i, line] of at.entries()) {
      if (line.startsWith('AT+CMGS=')) expect(at[i + 1]).toMatch(/^00[0-9A-F]+<Ctrl-Z>$/);
    }
    await t.stop({ drain: false });
  });

  it('drops a +CDS whose PDU does not decode, logs it, and keeps working', async () => {
    const { t, reports, device, lines } = setUp('status-report');
    await t.start();
    device.inject('+CDS: 25\r\nBAD');
    await until(() => lines.some((l) => l['event'] === 'modem.report_unreadable'), 'the unreadable-report log line');
    await t.send(segment(), new AbortController().signal);
    await until(() => reports.length === 1, 'the next report');
    expect(reports.map((r) => r.messageRef)).toEqual(['0']);
    await t.stop({ drain: false });
  });
});

describe('status report reply parsers on third-party captures', () => {
  const scenarios = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/modem-at/sms-scenarios.json', import.meta.url)), 'utf8')) as {
    status_reports?: { cdsi_after_cmgs: unknown[]; cmgr_of_that_report: string[] };
  };

  it('parses +CDSI as gammu and python-gsmmodem captured it', () => {
    expect(parseStoreIndication('+CDSI: "SR",0')).toEqual({ mem: 'SR', index: 0 });
    expect(parseStoreIndication('+CDSI: "SM",3')).toEqual({ mem: 'SM', index: 3 });
    expect(parseStoreIndication('+CDSI: SM')).toBeUndefined();
  });

  it('reads the report python-gsmmodem got with AT+CMGR after +CDSI: "SM",3 (MR 183, delivered)', () => {
    const sr = scenarios.status_reports;
    if (sr === undefined) throw new Error('fixture lacks status_reports');
    expect(sr.cdsi_after_cmgs).toContain('+CDSI: "SM",3\r\n');
    const pdu = pduOfCmgr(sr.cmgr_of_that_report.map((l) => l.replace(/\r\n$/, '')));
    expect(pdu).toBe('07917248014000F506B70AA18092020000317071518590803170715185418000');
    const result = reportOfPdu(pdu ?? '');
    if (!result.ok) throw new Error(result.reason);
    expect(result.report).toEqual({
      messageRef: '183', recipient: '0829200000', state: 'delivered',
      detail: 'TP-ST 0x00 short message received by the SME', at: Date.parse('2013-07-17T15:58:14+02:00'),
    });
  });
});

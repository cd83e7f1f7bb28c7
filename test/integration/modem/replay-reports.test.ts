/*
 * Replay tests, status reports (SPEC 8): recorded +CDS URCs (Gammu, ModemManager) and recorded
 * +CDSI flows (python-gsmmodem after +CMGS: 183; Gammu's "SR" store with the +CMS ERROR its
 * delete got) reaching the modem transport's onStatusReport over a real pty, with the reference,
 * recipient, state and discharge time the PDU carries (TS 23.040 §9.2.2.3).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DriverTimeouts } from '../../../src/transports/modem/index.js';
import type { OutboundSegment, StatusReport } from '../../../src/transports/transport.js';
import { fakeModemSession, FIXTURES, startReplayRig, stopReplayRigs, withEntries, type ReplayEntry, type ReplaySession } from '../../helpers/replay-modem.js';
import { until } from '../../helpers/wait.js';

const FAST: Partial<DriverTimeouts> = { command: 600, sync: 200, syncAttempts: 2, prompt: 400, submit: 400, escSettle: 30, registration: 300, registrationPoll: 50 };

afterEach(stopReplayRigs);

async function rig(session: ReplaySession) {
  const { modem, transport, lines } = await startReplayRig(session, { timeouts: FAST });
  const reports: StatusReport[] = [];
  transport.onStatusReport((r) => reports.push(r));
  await transport.start();
  return { modem, transport, reports, lines, init: modem.transcript.length };
}

interface AtgenCase { file: string; function: string; strings: Record<string, string>; responses: { name: string; lines: (string | { var: string })[] }[] }
const atgen = (JSON.parse(readFileSync(join(FIXTURES, 'gammu/atgen-scripted-sequences.json'), 'utf8')) as { cases: AtgenCase[] }).cases;
const atgenCase = (file: string, fn: string): AtgenCase => atgen.find((c) => c.file === `tests/atgen/${file}` && c.function === fn)!;
const atgenLines = (c: AtgenCase): string[] => c.responses[0]!.lines.map((l) => (typeof l === 'string' ? l : c.strings[l.var]!));

const mmCases = (JSON.parse(readFileSync(join(FIXTURES, 'cmgl-cmgr-cds.json'), 'utf8')) as { cases: { test: string; urc?: string }[] }).cases;
const scenarios = JSON.parse(readFileSync(join(FIXTURES, 'sms-scenarios.json'), 'utf8')) as {
  status_reports: { cdsi_after_cmgs: (string | number)[]; cmgr_of_that_report: string[] };
};

const segment: OutboundSegment = { qid: 'Q1', seq: 1, total: 1, destination: '+447700900123', encoding: 'gsm7', text: 'Pump 3 failed', statusReport: true };
const signal = new AbortController().signal;

describe('replayed status reports reach onStatusReport', () => {
  it('a +CDS URC from Gammu tests/atgen/incoming-sms.c process_cds (bare CR line ends): TP-MR 54, delivered', async () => {
    const { modem, reports } = await rig(fakeModemSession('HuaweiK3715'));
    await modem.inject([atgenCase('incoming-sms.c', 'process_cds').strings['event']!]);
    await until(() => reports.length === 1, 'the report');
    expect(reports).toEqual([{ messageRef: '54', recipient: '+84294357723', state: 'delivered', detail: 'TP-ST 0x00 short message received by the SME', at: Date.UTC(2018, 6, 30, 8, 18, 44) }]);
  });

  it('a +CDS URC from ModemManager test_parse_cds: TP-MR 90, TP-ST 0x30 (an SC-specific "still trying" value) is pending', async () => {
    const { modem, reports } = await rig(fakeModemSession('QualcommM6280'));
    await modem.inject([mmCases.find((c) => c.test === 'test_parse_cds')!.urc!]);
    await until(() => reports.length === 1, 'the report');
    expect(reports).toEqual([{ messageRef: '90', recipient: '639335936', state: 'pending', detail: 'TP-ST 0x30 temporary error, SC still trying', at: Date.UTC(2012, 8, 11, 5, 40, 36) }]);
  });

  it('python-gsmmodem test_sendSms_waitForDeliveryReport: +CMGS: 183, then +CDSI: "SM",3, read with AT+CMGR=3: the report names the reference the send got', async () => {
    const [prompt, cmgs, ok, pause, cdsi] = scenarios.status_reports.cdsi_after_cmgs;
    const flow: ReplayEntry[] = [
      { command: /^AT\+CMGS=\d+$/, replies: [[String(prompt)]], pduReplies: [[String(cmgs), String(ok), { pauseMs: Number(pause) * 1000 }, String(cdsi)]], kind: 'suite', source: 'python-gsmmodem test_modem.py test_sendSms_waitForDeliveryReport' },
      { command: 'AT+CMGR=3', replies: [scenarios.status_reports.cmgr_of_that_report], kind: 'suite', source: 'python-gsmmodem test_modem.py test_sendSms_waitForDeliveryReport' },
    ];
    const { modem, transport, reports, init } = await rig(withEntries(fakeModemSession('HuaweiK3715'), flow));
    await expect(transport.send(segment, signal)).resolves.toEqual({ kind: 'sent', messageRef: '183' });
    await until(() => reports.length === 1, 'the stored report');
    expect(reports).toEqual([{ messageRef: '183', recipient: '0829200000', state: 'delivered', detail: 'TP-ST 0x00 short message received by the SME', at: Date.UTC(2013, 6, 17, 13, 58, 14) }]);
    await until(() => modem.transcript.length === init + 6, 'the delete');
    // AT+CPMS goes before the delete too, in the same turn of the queue: nothing moves <mem1> between.
    expect(modem.sent().slice(init + 2)).toEqual(['AT+CPMS="SM" default', 'AT+CMGR=3 suite', 'AT+CPMS="SM" default', 'AT+CMGD=3 default']);
  });

  it('Gammu cdsi_sr_0 (+CDSI: "SR",0, CR line ends) is read and emitted; the +CMS ERROR: 300 Gammu recorded for a delete is logged, the report stays (read by the store reader, as a received SMS is)', async () => {
    const info = atgenCase('incoming-sms-info.c', 'cdsi_sr_0');
    const script = atgenLines(info);
    const cmti = atgenLines(atgenCase('smsd-incoming-cmti.c', 'main'));
    const source = 'gammu tests/atgen/incoming-sms-info.c cdsi_sr_0';
    const flow: ReplayEntry[] = [
      { command: 'AT+CPMS="SR"', replies: [script.slice(2, 4)], kind: 'recorded', source },
      { command: 'AT+CMGR=0', replies: [script.slice(4, 7)], kind: 'recorded', source },
      { command: 'AT+CMGD=0', replies: [[cmti.at(-1)!]], kind: 'spliced', source: 'gammu tests/atgen/smsd-incoming-cmti.c main (the delete after the read)' },
    ];
    const { modem, reports, lines, init } = await rig(withEntries(fakeModemSession('HuaweiE1752'), flow));
    await modem.inject([info.strings['event']!]);
    await until(() => reports.length === 1, 'the stored report');
    expect(reports).toEqual([{ messageRef: '214', recipient: '+31628870634', state: 'delivered', detail: 'TP-ST 0x00 short message received by the SME', at: Date.UTC(2011, 0, 11, 16, 59, 17) }]);
    await until(() => lines.some((l) => l['event'] === 'modem.sms_read_failed'), 'the failed delete');
    expect(modem.sent().slice(init)).toEqual(['AT+CPMS="SR" recorded', 'AT+CMGR=0 recorded', 'AT+CPMS="SR" recorded', 'AT+CMGD=0 spliced']);
    const failure = lines.find((l) => l['event'] === 'modem.sms_read_failed')!;
    expect(failure).toMatchObject({ source: 'SR/0', code: 'M2S_AT_ERROR', command: 'AT+CMGD=0', cms: 300, reason: expect.any(String) });
    expect(failure['err']).toBeUndefined(); // an expected failure: no stack (issue 12)
  });
});

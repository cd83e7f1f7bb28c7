/*
 * Replay tests, received SMS (SPEC 10, issue 14): recorded modems announcing, listing and handing
 * over SMS (python-gsmmodem's TestSms and TestStoredSms, Gammu's ATGEN +CMTI/+CMT scripts, the
 * AT+CMGR answers of Gammu's tests/at-sms dumps) answer the real modem transport over a pty; each
 * SMS-DELIVER reaches the onReceived listener and is deleted with AT+CMGD only after it resolved.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDeliver } from '../../../src/encode/index.js';
import { pduOfCmgr, type DriverTimeouts, type Profile } from '../../../src/transports/modem/index.js';
import type { ReceivedPart, StatusReport } from '../../../src/transports/transport.js';
import { fakeModemSession, FIXTURES, gammuDumpReply, startReplayRig, stopReplayRigs, withEntries, type Reply, type ReplayEntry, type ReplaySession } from '../../helpers/replay-modem.js';
import { until } from '../../helpers/wait.js';

const FAST: Partial<DriverTimeouts> = { command: 600, sync: 200, syncAttempts: 2, prompt: 400, submit: 400, escSettle: 30, registration: 300, registrationPoll: 50 };

afterEach(stopReplayRigs);

async function rig(session: ReplaySession, extra: { profile?: Profile; rescanMs?: number } = {}) {
  const r = await startReplayRig(session, { timeouts: FAST, ...extra });
  const got: ReceivedPart[] = [];
  r.transport.onReceived(async (part) => void got.push(part));
  const reports: StatusReport[] = [];
  r.transport.onStatusReport((report) => reports.push(report));
  await r.transport.start();
  const init = r.modem.transcript.length;
  /** The commands sent after start(). */
  const after = (): string[] => r.modem.sent().slice(init).map((l) => l.replace(/ \S+$/, ''));
  return { ...r, got, reports, after };
}

const TEST_MODEM_PY = 'python-gsmmodem test/test_modem.py';
const scenarios = JSON.parse(readFileSync(join(FIXTURES, 'sms-scenarios.json'), 'utf8')) as {
  stored_sms_listing: { pdu_mode: Record<string, string[]>; expected_messages: { number: string; time: string; text: string }[] };
  receive_sms: { cases: { number: string; text: string; index: number; time: string; pdu: string | null; tpdu_length: number; memory: string }[] };
};

interface AtgenCase { file: string; function: string; strings: Record<string, string>; responses: { name: string; lines: (string | { var: string })[] }[] }
const atgen = (JSON.parse(readFileSync(join(FIXTURES, 'gammu/atgen-scripted-sequences.json'), 'utf8')) as { cases: AtgenCase[] }).cases;
const atgenCase = (file: string, fn: string): AtgenCase => atgen.find((c) => c.file === `tests/atgen/${file}` && c.function === fn)!;
const atgenLines = (c: AtgenCase, which = 0): string[] => c.responses[which]!.lines.map((l) => (typeof l === 'string' ? l : c.strings[l.var]!));

/** The TPDU of a PDU line (SMSC field first), as ReceivedPart.raw holds it. */
const tpduOf = (line: string): string => {
  const pdu = line.trim();
  return pdu.slice(2 + 2 * Number.parseInt(pdu.slice(0, 2), 16)).toUpperCase();
};

/** A profile with +CMT routing and AT+CNMA (the flag under test), for the generic modem. */
const CNMA: Profile = {
  name: 'cnma-test', description: 'routes SMS as +CMT and wants AT+CNMA', match: { manufacturer: '^$' }, usb: [], init: [], cnmi: '2,2,0,1,0', finalErrors: [], timeouts: {},
  flags: { needsCscs: false, noCds: false, slowPrompt: false, cmgsCountsSmsc: false, noCmms: false, cpinWithoutOk: false, cnma: true },
};

describe('replayed modems receiving SMS reach onReceived, each deleted once committed', () => {
  // python-gsmmodem repeats each case with several <alpha> values in the +CMGR header.
  const cases = scenarios.receive_sms.cases.filter((c) => c.pdu !== null).flatMap((c) => ['', '"abc123"'].map((alpha) => ({ ...c, alpha })));
  it.each(cases)('python-gsmmodem TestSms: +CMTI: "SM",$index, AT+CMGR answered with <alpha> $alpha: $number, $text', async (c) => {
    const cmgr: ReplayEntry = { command: `AT+CMGR=${c.index}`, replies: [[`+CMGR: 0,${c.alpha},${c.tpdu_length}\r\n`, `${c.pdu}\r\n`, 'OK\r\n']], kind: 'suite', source: `${TEST_MODEM_PY} TestSms (cmgr_pdu_mode template)` };
    const { modem, got, after } = await rig(withEntries(fakeModemSession('HuaweiK3715'), [cmgr]));
    await modem.inject([`+CMTI: "SM",${c.index}\r\n`]);
    await until(() => after().includes(`AT+CMGD=${c.index}`), 'the delete');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ from: c.number, text: c.text, sentAt: Date.parse(c.time) });
    expect(after()).toEqual(['AT+CPMS="SM"', `AT+CMGR=${c.index}`, 'AT+CPMS="SM"', `AT+CMGD=${c.index}`]);
  });

  it('python-gsmmodem TestStoredSms: the three stored messages listed by AT+CMGL=4 at start are each handed over and deleted', async () => {
    const listing = scenarios.stored_sms_listing.pdu_mode;
    // The recording answers AT+CMGL=0 and AT+CMGL=1; its note says AT+CMGL=4 lists the three together.
    const all: Reply = [...listing['AT+CMGL=0\r']!.slice(0, -1), ...listing['AT+CMGL=1\r']!];
    const cmgl: ReplayEntry = { command: 'AT+CMGL=4', replies: [all, ['OK\r\n']], kind: 'spliced', source: `${TEST_MODEM_PY} TestStoredSms (AT+CMGL=0 and =1 answers together)` };
    const { modem, got } = await rig(withEntries(fakeModemSession('QualcommM6280'), [cmgl]));
    // start() waited for the scan, each commit and the delete after it.
    expect(got.map((p) => [p.from, p.text, p.sentAt])).toEqual(scenarios.stored_sms_listing.expected_messages.map((m) => [m.number, m.text, Date.parse(m.time)]));
    expect(modem.sent().filter((l) => l.startsWith('AT+CMGD='))).toEqual(['AT+CMGD=0 default', 'AT+CMGD=1 default', 'AT+CMGD=2 default']);
  });

  it('Gammu incoming-sms-info.c cmti_sm_1: +CMTI: "SM",1, AT+CPMS and AT+CMGR answered with bare CR line ends', async () => {
    const info = atgenCase('incoming-sms-info.c', 'cmti_sm_1');
    const script = atgenLines(info);
    const source = 'gammu tests/atgen/incoming-sms-info.c cmti_sm_1';
    const flow: ReplayEntry[] = [
      { command: 'AT+CPMS="SM"', replies: [script.slice(2, 4)], kind: 'recorded', source },
      { command: 'AT+CMGR=1', replies: [script.slice(4, 7)], kind: 'recorded', source },
    ];
    const { modem, got, after } = await rig(withEntries(fakeModemSession('HuaweiE1752'), flow));
    await modem.inject([info.strings['event']!]);
    await until(() => after().includes('AT+CMGD=1'), 'the delete');
    expect(got).toHaveLength(1);
    expect(got[0]?.raw).toBe(tpduOf(script[5]!));
    expect(got[0]).toMatchObject({ fromKind: 'international', encoding: 'gsm7' });
  });

  it('Gammu smsd-incoming-cmt.c run_multipart_delete_retry: two listed UCS-2 parts; the second delete gets +CMS ERROR: 300, the rescan lists it again and deletes it', async () => {
    const c = atgenCase('smsd-incoming-cmt.c', 'run_multipart_delete_retry');
    const first = atgenLines(c, 0);
    const retry = atgenLines(c, 1);
    const source = 'gammu tests/atgen/smsd-incoming-cmt.c run_multipart_delete_retry';
    const flow: ReplayEntry[] = [
      { command: 'AT+CMGL=4', replies: [first.slice(4, 9), retry.slice(4, 7)], kind: 'recorded', source },
      { command: 'AT+CMGD=1', replies: [[first[12]!]], kind: 'recorded', source },
      { command: 'AT+CMGD=2', replies: [[first.at(-1)!], [retry.at(-1)!]], kind: 'recorded', source },
    ];
    const { modem, got, events } = await rig(withEntries(fakeModemSession('HuaweiK3715'), flow), { rescanMs: 200 });
    expect(got.map((p) => p.concat)).toEqual([{ ref: 0x2a, total: 2, seq: 1, refBits: 8 }, { ref: 0x2a, total: 2, seq: 2, refBits: 8 }]);
    expect(events('modem.sms_read_failed')).toEqual([expect.objectContaining({ source: 'SM/2', command: 'AT+CMGD=2', cms: 300 })]);
    await until(() => modem.sent().filter((l) => l === 'AT+CMGD=2 recorded').length === 2, 'the delete after the rescan');
    // The part whose delete failed was handed over again: the store recognises it (raw).
    expect(got.map((p) => p.raw)).toEqual([first[5]!, first[7]!, retry[5]!].map(tpduOf));
  });

  it('Gammu smsd-incoming-cmt.c run_scenario: a +CMT (bare CR line ends) is handed over; the generic profile sends no AT+CNMA', async () => {
    const c = atgenCase('smsd-incoming-cmt.c', 'run_scenario');
    const { modem, got, after } = await rig(fakeModemSession('QualcommM6280'));
    await modem.inject([c.strings['event']!]);
    await until(() => got.length === 1, 'the +CMT');
    expect(got[0]?.raw).toBe(tpduOf(c.strings['event']!.split('\r')[1]!));
    expect(after()).not.toContain('AT+CNMA');
  });

  it('Gammu smsd-incoming-cmti.c direct_event: a +CMT on a modem whose profile says cnma is acknowledged with AT+CNMA after the commit', async () => {
    const c = atgenCase('smsd-incoming-cmti.c', 'main');
    const { modem, got, after } = await rig(fakeModemSession('QualcommM6280'), { profile: CNMA });
    expect(modem.sent()).toContain('AT+CNMI=2,2,0,1,0 default');
    await modem.inject([c.strings['direct_event']!]);
    await until(() => after().includes('AT+CNMA'), 'the AT+CNMA');
    expect(got).toHaveLength(1);
  });
});

describe('the AT+CMGR answers of Gammu tests/at-sms, each announced by +CMTI', () => {
  const dir = join(FIXTURES, '../sms-deliver/gammu/at-sms');
  const dumps = readdirSync(dir).filter((f) => f.endsWith('.dump')).sort().map((file) => {
    const text = readFileSync(join(dir, file), 'latin1');
    const index = Number(/^AT\+CMGR=(\d+)/.exec(text)![1]);
    const pdu = pduOfCmgr(text.split(/\r\n|\r|\n/).map((l) => l.trim()));
    const smscOctets = pdu === undefined ? 0 : Number.parseInt(pdu.slice(0, 2), 16);
    const mti = pdu === undefined ? undefined : Number.parseInt(pdu.slice(2 + 2 * smscOctets, 4 + 2 * smscOctets), 16) & 0x03;
    // What the driver must do with it, by TP-MTI (TS 23.040 §9.2.3.1) and whether it decodes.
    const fate = mti === 1 ? 'left alone (an SMS-SUBMIT saved on the SIM)' : mti === 2 ? 'a status report' : pdu !== undefined && decodeDeliver(pdu, { withSmsc: true }).ok ? 'handed over' : 'unreadable';
    return { file, index, cmti: `+CMTI: "SM",${index}`, pdu, fate };
  });

  it('covers every kind of stored message', () => {
    expect(new Set(dumps.map((d) => d.fate))).toEqual(new Set(['handed over', 'left alone (an SMS-SUBMIT saved on the SIM)', 'a status report', 'unreadable']));
  });

  it.each(dumps)('$file, $cmti: $fate', async ({ file, index, pdu, fate }) => {
    const cmgr: ReplayEntry = { command: `AT+CMGR=${index}`, replies: [gammuDumpReply(file, dir)], kind: 'recorded', source: `gammu tests/at-sms/${file}` };
    const { modem, got, after, events } = await rig(withEntries(fakeModemSession('HuaweiK3715'), [cmgr]));
    await modem.inject([`+CMTI: "SM",${index}\r\n`]);
    if (fate.startsWith('left alone')) {
      await until(() => events('modem.sms_skipped').length === 1, 'the skip');
      expect(after()).not.toContain(`AT+CMGD=${index}`);
      expect(got).toEqual([]);
      return;
    }
    await until(() => after().includes(`AT+CMGD=${index}`), 'the delete');
    if (fate === 'handed over') {
      expect(got.map((p) => p.raw)).toEqual([tpduOf(pdu!)]);
    } else if (fate === 'unreadable') {
      expect(got).toEqual([]);
      expect(events('modem.sms_unreadable')).toEqual([expect.objectContaining({ source: `SM/${index}` })]);
    } else {
      expect(got).toEqual([]);
      expect(events('modem.sms_unreadable')).toEqual([]);
    }
  });
});

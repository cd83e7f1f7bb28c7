/*
 * Replay tests, sending (SPEC 9): AT+CMGS, the `> ` prompt, the PDU and its answer through the
 * modem transport against recorded modems on a real pty (test/helpers/replay-modem.ts): the
 * recorded +CMGS references, the ZTE K3565-Z URCs between the command and its prompt and answer
 * (python-gsmmodem issue #11), final results sharing a read with URCs (ModemManager), and the
 * recorded +CMS ERROR answers, classified as cms-errors.ts says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModemProfiles } from '../../../src/config/index.js';
import { AtError } from '../../../src/errors.js';
import { buildSubmitTpdu } from '../../../src/encode/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createModemTransport, ModemDriver, openPort, type DriverTimeouts, type ModemTransport, type UnsolicitedEvent } from '../../../src/transports/modem/index.js';
import type { OutboundSegment } from '../../../src/transports/transport.js';
import { fakeModemSession, FIXTURES, gammuScriptSession, startReplayModem, withEntries, type Reply, type ReplayEntry, type ReplayModem, type ReplaySession } from '../../helpers/replay-modem.js';
import { until } from '../../helpers/wait.js';

const FAST: Partial<DriverTimeouts> = { command: 600, sync: 200, syncAttempts: 2, prompt: 400, submit: 400, escSettle: 30, registration: 300, registrationPoll: 50 };

const running: { modem?: ReplayModem; transport?: ModemTransport; driver?: ModemDriver }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.transport?.stop({ drain: false });
    await r.driver?.close();
    await r.modem?.close();
  }
});

async function rig(session: ReplaySession) {
  const modem = await startReplayModem(session);
  running.push({ modem });
  const transport = createModemTransport({ name: 'replay', path: modem.path, baudRate: 115200, logger: silentLogger(), timeouts: FAST, profiles: loadModemProfiles() });
  running.push({ transport });
  const urcs: UnsolicitedEvent[] = [];
  transport.onUnsolicited((u) => urcs.push(u));
  await transport.start();
  return { modem, transport, urcs, init: modem.transcript.length };
}

const segment = (qid: string, seq = 1, total = 1): OutboundSegment => ({
  qid, seq, total, destination: '+447700900123', encoding: 'gsm7', text: `Pump 3 failed (${qid})`, statusReport: false,
});
const signal = new AbortController().signal;
/** What the driver writes for a segment: AT+CMGS=<TPDU octets> and "00" (the SIM's SMSC) + TPDU. */
function wire(s: OutboundSegment): { command: string; pdu: string } {
  const tpdu = buildSubmitTpdu(s);
  return { command: `AT+CMGS=${tpdu.length}`, pdu: `PDU 00${tpdu.hex}` };
}

const scenarios = JSON.parse(readFileSync(join(FIXTURES, 'sms-scenarios.json'), 'utf8')) as {
  send_sms: { zte_urcs_before_prompt: string[]; zte_urcs_before_cmgs: (string | { template: string })[] };
  misc_parsing: { cms_error_examples: string[][] };
};
const serialParser = JSON.parse(readFileSync(join(FIXTURES, 'at-serial-parser.json'), 'utf8')) as { parse_ok_tests: { response: string }[] };

describe('replayed sends through the modem transport over a pty', () => {
  it('Wavecom: three sends get the +CMGS references python-gsmmodem recorded (142, 33, 0)', async () => {
    const { modem, transport, init } = await rig(fakeModemSession('WavecomMultiband900E1800'));
    const segments = [segment('Q1'), segment('Q2'), segment('Q3')];
    const outcomes = [];
    for (const s of segments) outcomes.push(await transport.send(s, signal));
    expect(outcomes).toEqual([{ kind: 'sent', messageRef: '142' }, { kind: 'sent', messageRef: '33' }, { kind: 'sent', messageRef: '0' }]);
    expect(modem.transcript.slice(init).map((x) => x.sent)).toEqual(segments.flatMap((s) => [wire(s).command, wire(s).pdu]));
    expect(transport.health()).toEqual({ ready: true, state: 'ready' });
  });

  it('ZTE K3565-Z: +ZDONR/+ZPASR before the prompt and before +CMGS (python-gsmmodem issue #11) leave a 2-part send intact', async () => {
    const lines = (seq: readonly (string | { template: string })[], ref: number): Reply => seq.map((l) => (typeof l === 'string' ? l : `+CMGS: ${ref}\r\n`));
    const zte: ReplayEntry = {
      command: /^AT\+CMGS=\d+$/,
      replies: [scenarios.send_sms.zte_urcs_before_prompt],
      pduReplies: [lines(scenarios.send_sms.zte_urcs_before_cmgs, 142), lines(scenarios.send_sms.zte_urcs_before_cmgs, 33)],
      kind: 'recorded',
      source: 'python-gsmmodem test/test_modem.py test_sendSmsResponseMixedWithUnsolictedMessages',
    };
    const { modem, transport, urcs, init } = await rig(withEntries(fakeModemSession('ZteK3565Z'), [zte]));
    const parts = [segment('Q1', 1, 2), segment('Q1', 2, 2)];
    await expect(transport.send(parts[0]!, signal)).resolves.toEqual({ kind: 'sent', messageRef: '142' });
    await expect(transport.send(parts[1]!, signal)).resolves.toEqual({ kind: 'sent', messageRef: '33' });
    // AT+CMMS=2 before the first part keeps the link up (TS 27.005 §3.5.6); +CMMS is in the ZTE's AT+CLAC list.
    expect(modem.sent().slice(init)).toEqual([
      'AT+CMMS=2 default', `${wire(parts[0]!).command} recorded`, `${wire(parts[0]!).pdu} recorded`, `${wire(parts[1]!).command} recorded`, `${wire(parts[1]!).pdu} recorded`,
    ]);
    const once = ['+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"', '+ZPASR: "UMTS"', '+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"', '+ZPASR: "UMTS"', '+ZDONR: "METEOR",272,3,"CS_PS","ROAM_OFF"', '+ZPASR: "UMTS"'];
    expect(urcs.map((u) => u.line)).toEqual([...once, ...once]);
    expect(transport.health()).toEqual({ ready: true, state: 'ready' });
  });

  it.each([
    { case: 'OK then +CMTI', response: serialParser.parse_ok_tests[1]!.response, urcs: ['+CMTI: "ME",1'] },
    { case: 'OK then +CIEV, +CRING, +CLIP', response: serialParser.parse_ok_tests[2]!.response, urcs: ['+CIEV: 7,1', '+CRING: VOICE', '+CLIP: "+0123456789",145,,,,0'] },
  ])('a final result in one read with URCs ($case, ModemManager test-at-serial-port.c) ends the send, the URCs go to listeners', async ({ response, urcs: expected }) => {
    const answer: ReplayEntry = {
      command: /^AT\+CMGS=\d+$/, replies: [['> \r\n']], pduReplies: [['+CMGS: 33\r\n', response]], kind: 'spliced',
      source: 'python-gsmmodem "+CMGS: 33", then ModemManager src/tests/test-at-serial-port.c parse_ok_tests',
    };
    const { transport, urcs } = await rig(withEntries(fakeModemSession('QualcommM6280'), [answer]));
    await expect(transport.send(segment('Q1'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '33' });
    await until(() => urcs.length >= expected.length);
    expect(urcs.map((u) => u.line)).toEqual(expected);
  });

  it('+CMS ERROR lines recorded by python-gsmmodem and Gammu, given as the answer to the PDU, fail the send as cms-errors.ts classifies them', async () => {
    const recorded = [...scenarios.misc_parsing.cms_error_examples.map((r) => r[0]!), '+CMS ERROR: 302\r\n', '+CMS ERROR: 300\r\n', '+CMS ERROR: 311\r\n', '+CMS ERROR: 321\r\n'];
    const answer: ReplayEntry = {
      command: /^AT\+CMGS=\d+$/, replies: [['> \r\n']], pduReplies: recorded.map((line) => [line]), kind: 'spliced',
      source: 'python-gsmmodem test_modem.py (330, 310, 500), gammu tests/atgen (302, 300, 311, 321)',
    };
    const { modem, transport, init } = await rig(withEntries(fakeModemSession('HuaweiK3715'), [answer]));
    const outcomes = [];
    for (const qid of ['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7']) outcomes.push(await transport.send(segment(qid), signal));
    expect(outcomes).toEqual([
      { kind: 'failed', temporary: false, status: '5.3.5', diagnostic: '+CMS ERROR: 330 (smsc address unknown)' },
      { kind: 'failed', temporary: true, status: '4.3.0', diagnostic: '+CMS ERROR: 310 (sim not inserted)' },
      { kind: 'failed', temporary: true, status: '4.3.0', diagnostic: '+CMS ERROR: 500 (unknown error)' },
      { kind: 'failed', temporary: false, status: '5.3.0', diagnostic: '+CMS ERROR: 302 (operation not allowed)' },
      { kind: 'failed', temporary: true, status: '4.3.0', diagnostic: '+CMS ERROR: 300 (me failure)' },
      { kind: 'failed', temporary: true, status: '4.3.0', diagnostic: '+CMS ERROR: 311 (sim pin required)' },
      { kind: 'failed', temporary: false, status: '5.3.0', diagnostic: '+CMS ERROR: 321 (invalid index)' },
    ]);
    // An answered error is no hang: no ESC, no recovery, the route stays ready.
    expect(modem.transcript.slice(init).map((x) => x.sent).filter((s) => !/^(AT\+CMGS=|PDU )/.test(s))).toEqual([]);
    expect(transport.health()).toEqual({ ready: true, state: 'ready' });
  });
});

interface AtgenCase { file: string; function: string; responses: { lines: (string | { var: string })[] }[] }
const atgen = (JSON.parse(readFileSync(join(FIXTURES, 'gammu/atgen-scripted-sequences.json'), 'utf8')) as { cases: AtgenCase[] }).cases;
/** The reply lines of one Gammu ATGEN test script. */
const script = (file: string, fn: string): string[] =>
  atgen.find((c) => c.file === `tests/atgen/${file}` && c.function === fn)!.responses.flatMap((r) => r.lines.filter((l): l is string => typeof l === 'string'));
const pythonErrors = scenarios.misc_parsing.cms_error_examples.flat();

/**
 * Recorded error answers in the place they were recorded, through the driver's command(). The
 * command each answered is the one the upstream test names (Gammu's comments in
 * tests/atgen/get-next-sms-locations.c; python-gsmmodem's test_modem.py).
 */
const COMMAND_ERRORS = [
  { command: 'AT+CMGR=2', reply: '+CMS ERROR: 321\r\n', recording: script('get-next-sms-locations.c', 'supported_range_bounds_overreported_count'), error: { cms: 321, temporary: false } },
  { command: 'AT+CMGD=?', reply: '+CMS ERROR: 302\r\n', recording: script('get-next-sms-locations.c', 'cms_operation_not_allowed_uses_legacy_scan'), error: { cms: 302, temporary: false } },
  { command: 'AT+CMGD=?', reply: '+CMS ERROR: 311\r\n', recording: script('get-next-sms-locations.c', 'sim_security_error_does_not_use_legacy_scan'), error: { cms: 311, temporary: true } },
  { command: 'AT+CMGD=?', reply: '+CME ERROR: 3\r\n', recording: script('get-next-sms-locations.c', 'cme_operation_not_allowed_uses_legacy_scan'), error: { cme: 3, temporary: true } },
  { command: 'AT+CMGD=1', reply: '+CMS ERROR: 300\r\n', recording: script('smsd-incoming-cmti.c', 'main'), error: { cms: 300, temporary: true } },
  { command: 'AT+CSCA?', reply: '+CMS ERROR: 330\r\n', recording: pythonErrors, error: { cms: 330, temporary: false } },
  { command: 'AT+XYZ', reply: '+CMS ERROR: 310\r\n', recording: pythonErrors, error: { cms: 310, temporary: true } },
  { command: 'AT+CUSD=1,"*101#",15', reply: '+CMS ERROR: 500\r\n', recording: pythonErrors, error: { cms: 500, temporary: true } },
];

describe('recorded error answers through the modem driver over a pty', () => {
  it.each(COMMAND_ERRORS)('$command answered $reply rejects with an AtError carrying the code and its class', async ({ command, reply, recording, error }) => {
    expect(recording).toContain(reply);
    const modem = await startReplayModem(gammuScriptSession([{ command, replies: [[reply]], kind: 'recorded', source: 'gammu tests/atgen, python-gsmmodem test_modem.py' }]));
    running.push({ modem });
    const driver = new ModemDriver({ name: 'replay', link: await openPort({ path: modem.path, baudRate: 115200 }), logger: silentLogger(), timeouts: FAST });
    running.push({ driver });
    const err = await driver.command(command).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AtError);
    expect(err).toMatchObject({ code: 'M2S_AT_ERROR', command, message: `${command} answered ${reply.trim()}`, cms: undefined, cme: undefined, ...error });
    expect(modem.sent()).toEqual([`${command} recorded`]);
  });
});


/*
 * Replay tests, recovery (SPEC 9): a recording that stops mid-answer (the replay goes quiet,
 * test/helpers/replay-modem.ts cutNext) drives the modem transport's recovery ladder
 * (recovery.ts) over a real pty: health says `recovering` and the step, then `ready`, and the
 * next send gets the next recorded +CMGS reference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSubmitTpdu } from '../../../src/encode/index.js';
import type { DriverTimeouts, RecoveryTimings } from '../../../src/transports/modem/index.js';
import type { OutboundSegment, SendOutcome } from '../../../src/transports/transport.js';
import { fakeModemSession, FIXTURES, startReplayRig, stopReplayRigs, withEntries, type ReplayEntry, type ReplaySession } from '../../helpers/replay-modem.js';
import { until } from '../../helpers/wait.js';

const FAST: Partial<DriverTimeouts> = { command: 400, sync: 150, syncAttempts: 2, prompt: 300, submit: 300, escSettle: 30, registration: 300, registrationPoll: 50 };
const QUICK: Partial<RecoveryTimings> = { timeoutsBeforeRecovery: 2, resetWait: 50, reopenInitial: 30, reopenMax: 120, networkPoll: 40 };

const scenarios = JSON.parse(readFileSync(join(FIXTURES, 'sms-scenarios.json'), 'utf8')) as { send_sms: { zte_urcs_before_prompt: string[] } };

/** The ZTE send python-gsmmodem recorded (issue #11): +ZDONR/+ZPASR, then the prompt. */
const ZTE_SEND: ReplayEntry = {
  command: /^AT\+CMGS=\d+$/, replies: [scenarios.send_sms.zte_urcs_before_prompt], pduReplies: [['+CMGS: 142\r\n', 'OK\r\n']], kind: 'recorded',
  source: 'python-gsmmodem test/test_modem.py test_sendSmsResponseMixedWithUnsolictedMessages',
};

afterEach(stopReplayRigs);

async function rig(session: ReplaySession) {
  const { modem, transport, lines } = await startReplayRig(session, { timeouts: FAST, recovery: QUICK });
  await transport.start();
  const steps = () => lines.filter((l) => l['event'] === 'modem.recovery').map((l) => `${String(l['step'])}:${String(l['outcome'])}`);
  return { modem, transport, lines, steps, init: modem.transcript.length };
}

const segment = (qid: string): OutboundSegment => ({ qid, seq: 1, total: 1, destination: '+447700900123', encoding: 'gsm7', text: `Pump 3 failed (${qid})`, statusReport: false });
const signal = new AbortController().signal;
const cmgs = (s: OutboundSegment): string => `AT+CMGS=${buildSubmitTpdu(s).length}`;
const pdu = (s: OutboundSegment): string => `PDU 00${buildSubmitTpdu(s).hex}`;

describe('replayed recordings cut mid-answer drive the recovery ladder', () => {
  it('Huawei K3715: the answer to the PDU stops after "+CMGS: 142" (no OK); unknown, ESC + AT brings it back, the next send is sent', async () => {
    const { modem, transport, steps, init } = await rig(fakeModemSession('HuaweiK3715'));
    modem.cutNext({ command: /^AT\+CMGS=\d+$/, phase: 'pdu', keep: 1, resumeOn: 'esc' });
    const first = segment('Q1');
    await expect(transport.send(first, signal)).resolves.toEqual({ kind: 'unknown', diagnostic: `PDU written, no answer to ${cmgs(first)} (timeout)` });
    expect(transport.health()).toEqual({ ready: false, state: 'recovering', detail: 'step 1/4: sync' });
    await expect(transport.send(segment('Q2'), signal)).resolves.toMatchObject({ kind: 'failed', temporary: true, status: '4.4.1', diagnostic: 'modem replay is recovering (step 1/4: sync)' });
    await until(() => transport.health().state !== 'recovering', 'the end of recovery');
    expect(transport.health()).toEqual({ ready: true, state: 'ready' });
    expect(steps()).toEqual(['sync:ok']);
    // After a recovery step the SIM store is listed for SMS that came meanwhile (SPEC 10).
    await until(() => modem.sent().slice(init).includes('AT+CMGL=4 default'), 'the store scan after recovery');
    const again = segment('Q2');
    await expect(transport.send(again, signal)).resolves.toEqual({ kind: 'sent', messageRef: '33' });
    // The driver's ESC after the silent PDU brings the modem back; the ladder's own ESC and AT follow.
    expect(modem.sent().slice(init)).toEqual([
      `${cmgs(first)} suite`, `${pdu(first)} suite`, 'ESC none', 'ESC none', 'AT default',
      'AT+CPMS? default', 'AT+CPMS="SM" default', 'AT+CMGL=4 default', `${cmgs(again)} suite`, `${pdu(again)} suite`,
    ]);
  });

  it('ZTE K3565-Z: its URCs come, the prompt never does; after two such sends the ladder climbs to AT+CFUN=1,1, which brings it back', async () => {
    const { modem, transport, steps, lines, init } = await rig(withEntries(fakeModemSession('ZteK3565Z'), [ZTE_SEND]));
    const urcs: string[] = [];
    transport.onUnsolicited((u) => urcs.push(u.line));
    modem.cutNext({ command: /^AT\+CMGS=\d+$/, phase: 'reply', keep: 2, resumeOn: /^AT\+CFUN=1,1$/ });
    const outcomes: SendOutcome[] = [];
    for (const qid of ['Q1', 'Q2']) outcomes.push(await transport.send(segment(qid), signal));
    expect(outcomes).toEqual(['Q1', 'Q2'].map((qid) => ({ kind: 'failed', temporary: true, status: '4.4.1', diagnostic: `no "> " prompt after ${cmgs(segment(qid))}; aborted with ESC` })));
    expect(transport.health()).toMatchObject({ ready: false, state: 'recovering' });
    await until(() => transport.health().state !== 'recovering', 'the end of recovery');
    expect(transport.health()).toEqual({ ready: true, state: 'ready' });
    expect(lines.filter((l) => l['event'] === 'modem.recovery').every((l) => l['qid'] === 'Q2' && l['seg'] === '1/1')).toBe(true);
    const after = modem.sent().slice(init);
    const reset = after.indexOf('AT+CFUN=1,1 default');
    // Two sends, the sync step's ESC + AT and the re-init's AT, ESC, AT: all unanswered.
    expect(after.slice(0, reset)).toEqual([`${cmgs(segment('Q1'))} recorded`, 'ESC cut', `${cmgs(segment('Q2'))} cut`, 'ESC cut', 'ESC cut', 'AT cut', 'AT cut', 'ESC cut', 'AT cut']);
    // The modem answers AT+CFUN=1,1 with "OK\r\n" (python-gsmmodem's framing, no leading CRLF)
    // while the driver, after the failed re-init, still expects an echo: that OK is the answer,
    // not an echo, so the reset step works and the restarted modem is initialised again.
    expect(steps()).toEqual(['sync:failed', 'reinit:failed', 'reset:ok']);
    expect(lines.filter((l) => l['event'] === 'at.rx' && l['kind'] === 'echo').map((l) => l['at'])).not.toContain('OK');
    expect(after.slice(reset + 1, reset + 5)).toEqual(['AT default', 'ATE0 default', 'AT+CGMI recorded', 'AT+CGMM recorded']);
    await expect(transport.send(segment('Q3'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '142' });
    // The first cut answer's two URCs (the second AT+CMGS found the modem silent), then Q3's.
    expect(urcs).toEqual(['+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"', '+ZPASR: "UMTS"', '+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"', '+ZPASR: "UMTS"']);
  });

  it('ZTE K3565-Z: the modem answers again from the re-init on (its echo still off): its OK is an answer, not an echo, and the re-init brings it back', async () => {
    const { modem, transport, steps, lines, init } = await rig(withEntries(fakeModemSession('ZteK3565Z'), [ZTE_SEND]));
    // Silent from the first AT+CMGS on; the sync step's AT goes unanswered, every later line is answered.
    modem.cutNext({ command: /^AT\+CMGS=\d+$/, phase: 'reply', keep: 2, resumeOn: /^AT$/, skip: 1 });
    for (const qid of ['Q1', 'Q2']) await transport.send(segment(qid), signal);
    await until(() => transport.health().state !== 'recovering', 'the end of recovery');
    const after = modem.sent().slice(init);
    // The sync step's AT goes unanswered; the re-init's "AT" gets "OK\r\n" with no leading CRLF
    // from a modem whose echo is still off: read as the answer, so the re-init goes through.
    expect(after.slice(after.indexOf('AT cut'), after.indexOf('AT cut') + 4)).toEqual(['AT cut', 'AT default', 'ATE0 default', 'AT+CGMI recorded']);
    expect(after).not.toContain('AT+CFUN=1,1 default');
    expect(steps()).toEqual(['sync:failed', 'reinit:ok']);
    expect(lines.filter((l) => l['event'] === 'at.rx' && l['kind'] === 'echo').map((l) => l['at'])).not.toContain('OK');
    expect(transport.health()).toEqual({ ready: true, state: 'ready' });
    await expect(transport.send(segment('Q3'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '142' });
  });
});

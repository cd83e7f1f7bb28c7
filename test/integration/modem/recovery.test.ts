import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { createModemTransport, type DriverTimeouts, type ModemTransport, type RecoveryTimings } from '../../../src/transports/modem/index.js';
import { createSimBinding, SimDevice, type SimDeviceOptions } from '../../../src/transports/sim/index.js';
import type { OutboundSegment, SendOutcome } from '../../../src/transports/transport.js';
import { until } from '../../helpers/wait.js';

const FAST: Partial<DriverTimeouts> = { command: 600, sync: 200, syncAttempts: 2, prompt: 300, submit: 300, escSettle: 50, registration: 300, registrationPoll: 50 };
const QUICK: Partial<RecoveryTimings> = { timeoutsBeforeRecovery: 2, resetWait: 50, reopenInitial: 30, reopenMax: 120, networkPoll: 40 };
const PATH = 'sim://gsm1';
const running: ModemTransport[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop({ drain: false })));
});

type Line = Record<string, unknown>;

function rig(device: SimDeviceOptions = {}, pin?: string, onLine: (line: Line, device: SimDevice) => void = () => undefined) {
  const lines: Line[] = [];
  const sim = new SimDevice({ now: Date.now, ...device });
  const logger = createLogger({
    level: 'debug',
    destination: { write: (s: string) => { const line = JSON.parse(s) as Line; lines.push(line); onLine(line, sim); } },
  });
  const binding = createSimBinding(sim);
  const t = createModemTransport({ name: 'gsm1', path: PATH, baudRate: 115200, binding, logger, timeouts: FAST, recovery: QUICK, ...(pin ? { pin } : {}) });
  running.push(t);
  const events = (name: string) => lines.filter((l) => l['event'] === name);
  const steps = () => events('modem.recovery').map((l) => `${String(l['step'])}:${String(l['outcome'])}`);
  const written = (prefix: string) => lines.filter((l) => l['event'] === 'at.tx' && String(l['at']).startsWith(prefix)).length;
  return { t, sim, binding, lines, events, steps, written };
}

const segment = (qid: string, seq = 1, total = 1): OutboundSegment => ({
  qid, seq, total, destination: '+447700900123', encoding: 'gsm7', text: `alert ${qid}`, statusReport: false,
});
const signal = new AbortController().signal;

/** Where a dispatcher would put each outcome: exactly one per send() call. */
async function sendAll(t: ModemTransport, segments: readonly OutboundSegment[]): Promise<Map<string, SendOutcome[]>> {
  const outcomes = new Map<string, SendOutcome[]>();
  for (const s of segments) {
    const key = `${s.qid}:${s.seq}/${s.total}`;
    outcomes.set(key, [...(outcomes.get(key) ?? []), await t.send(s, signal)]);
  }
  return outcomes;
}

describe('modem transport recovery without a restart (SPEC 9)', () => {
  it('climbs to ESC + AT after a PDU nobody answered, refuses sends while recovering, then sends again', async () => {
    const { t, sim, events, steps } = rig({ faults: ['hang-after-prompt'] });
    await t.start();
    const outcomes = await sendAll(t, [segment('Q1', 1, 2)]);
    expect(outcomes.get('Q1:1/2')).toEqual([expect.objectContaining({ kind: 'unknown' })]);
    expect(t.health()).toEqual({ ready: false, state: 'recovering', detail: 'step 1/4: sync' });
    await expect(t.send(segment('Q1', 2, 2), signal)).resolves.toMatchObject({ kind: 'failed', temporary: true, status: '4.4.1', diagnostic: expect.stringContaining('step 1/4: sync') });
    expect(sim.received()).toHaveLength(1);
    await until(() => t.health().state !== 'recovering');
    expect(t.health()).toEqual({ ready: true, state: 'ready' });
    expect(steps()).toEqual(['sync:ok']);
    expect(events('modem.recovery')[0]).toMatchObject({ route: 'gsm1', qid: 'Q1', seg: '1/2' });
    await expect(t.send(segment('Q1', 2, 2), signal)).resolves.toEqual({ kind: 'sent', messageRef: '1' });
    expect(sim.received()).toHaveLength(2);
  });

  it('after two sends with no prompt, climbs past sync and re-init to AT+CFUN=1,1 when the modem only answers after a reset', async () => {
    const { t, sim, steps, events, written } = rig({}, undefined, (line, device) => {
      if (line['event'] === 'modem.recovery' && line['step'] === 'reinit') device.clearFault('no-answer');
    });
    await t.start();
    sim.setFault('no-answer');
    const outcomes = await sendAll(t, [segment('Q1'), segment('Q2')]);
    expect([...outcomes.values()].map((o) => o.map((x) => x.kind))).toEqual([['failed'], ['failed']]);
    expect(t.health().state).toBe('recovering');
    await until(() => t.health().state !== 'recovering');
    expect(steps()).toEqual(['sync:failed', 'reinit:failed', 'reset:ok']);
    expect(events('modem.recovery').every((l) => l['qid'] === 'Q2' && l['seg'] === '1/1')).toBe(true);
    expect(written('AT+CFUN=1,1')).toBe(1);
    await expect(t.send(segment('Q3'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
  });

  it('closes and reopens the port as the last step when even AT+CFUN=1,1 gets no answer', async () => {
    const { t, sim, steps } = rig({}, undefined, (line, device) => {
      if (line['event'] === 'modem.recovery' && line['step'] === 'reset') device.clearFault('no-answer');
    });
    await t.start();
    sim.setFault('no-answer');
    await sendAll(t, [segment('Q1'), segment('Q2')]);
    await until(() => t.health().state !== 'recovering');
    expect(steps()).toEqual(['sync:failed', 'reinit:failed', 'reset:failed', 'reopen:ok']);
    expect(t.health().state).toBe('ready');
    await expect(t.send(segment('Q3'), signal)).resolves.toMatchObject({ kind: 'sent' });
  });

  it('goes offline when the port vanishes at AT+CFUN=1,1 and stays gone, and reopens on the timer once it is back', async () => {
    let binding: ReturnType<typeof createSimBinding> | undefined;
    const { t, sim, steps, events, ...r } = rig({}, undefined, (line, device) => {
      if (line['event'] === 'modem.recovery' && line['step'] === 'reinit') device.clearFault('no-answer');
      // A USB modem drops off the bus while it restarts.
      if (line['event'] === 'at.tx' && line['at'] === 'AT+CFUN=1,1') binding?.unplug(PATH);
      if (line['event'] === 'modem.reopen' && line['outcome'] === 'failed') binding?.replug(PATH);
    });
    binding = r.binding;
    await t.start();
    sim.setFault('no-answer');
    await sendAll(t, [segment('Q1'), segment('Q2')]);
    await until(() => t.health().state !== 'recovering');
    expect(steps()).toEqual(['sync:failed', 'reinit:failed', 'reset:failed', 'reopen:failed']);
    expect(t.health()).toMatchObject({ ready: false, state: 'offline' });
    await expect(t.send(segment('Q3'), signal)).resolves.toMatchObject({ kind: 'failed', status: '4.4.1', diagnostic: expect.stringContaining('offline') });
    await until(() => t.health().state === 'ready');
    expect(events('modem.reopen').map((l) => l['outcome'])).toEqual(['failed', 'ok']);
    await expect(t.send(segment('Q3'), signal)).resolves.toMatchObject({ kind: 'sent' });
  });

  it('reports unknown when the final result of a send is dropped, and gets the modem back with ESC + AT', async () => {
    const { t, sim, steps } = rig();
    await t.start();
    sim.setFault('drop-reply');
    await expect(t.send(segment('Q1'), signal)).resolves.toMatchObject({ kind: 'unknown' });
    expect(sim.received()).toHaveLength(1);
    await until(() => t.health().state !== 'recovering');
    expect(steps()).toEqual(['sync:ok']);
    await expect(t.send(segment('Q2'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '1' });
  });

  it('does not take a slow modem that still answers in time for a hung one', async () => {
    const { t, sim, steps } = rig();
    await t.start();
    sim.setFault('slow:40');
    const outcomes = await sendAll(t, [segment('Q1'), segment('Q2'), segment('Q3')]);
    expect([...outcomes.values()].flat().map((o) => o.kind)).toEqual(['sent', 'sent', 'sent']);
    expect(steps()).toEqual([]);
    expect(t.health().state).toBe('ready');
  });

  it('takes a +CMTI and a +CDS arriving in the middle of a send as URCs, not as its answer', async () => {
    // Injected as the driver writes AT+CMGS and then the PDU: the prompt and the +CMGS answer,
    // each 30 ms slow, are still on their way.
    const { t, sim, steps, events } = rig({}, undefined, (line, device) => {
      if (line['event'] !== 'at.tx') return;
      if (String(line['at']).startsWith('AT+CMGS=')) device.inject('+CMTI: "SM",3');
      // SMS-STATUS-REPORT (TS 23.040 §9.2.2.3): TP-MR 10 to +447700900123, TP-ST 0 (received).
      if (String(line['at']).endsWith('<Ctrl-Z>')) device.inject('+CDS: 25\r\n0791447758100650060A0C91447700901032521132811450005211328114500000');
    });
    await t.start();
    const urcs: string[] = [];
    t.onUnsolicited((u) => urcs.push(u.name));
    sim.setFault('slow:30');
    const pending = t.send(segment('Q1'), signal);
    await expect(pending).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    expect(urcs).toEqual(['+CMTI', '+CDS']);
    expect(events('modem.report_unreadable')).toEqual([]);
    expect(steps()).toEqual([]);
  });

  it('marks an unplugged modem, refuses sends without touching it, and reopens it on a timer once it is plugged back', async () => {
    const { t, sim, binding, events, written } = rig({ faults: ['hang-after-prompt'] });
    await t.start();
    // Pulled once the device has the PDU, while the driver waits for its answer.
    const off = sim.onSubmit(() => setImmediate(() => binding.unplug(PATH)));
    const pending = t.send(segment('Q1'), signal);
    await expect(pending).resolves.toMatchObject({ kind: 'unknown', diagnostic: expect.stringContaining('(closed)') });
    off();
    await until(() => t.health().state === 'unplugged');
    const cmgs = written('AT+CMGS');
    await expect(t.send(segment('Q2'), signal)).resolves.toMatchObject({ kind: 'failed', temporary: true, status: '4.4.1', diagnostic: expect.stringContaining('unplugged') });
    expect(written('AT+CMGS')).toBe(cmgs);
    await until(() => events('modem.reopen').some((l) => l['outcome'] === 'failed'));
    expect(t.health().state).toBe('unplugged');
    binding.replug(PATH);
    await until(() => t.health().state === 'ready');
    expect(events('modem.reopen').at(-1)).toMatchObject({ outcome: 'ok', route: 'gsm1' });
    expect(events('modem.recovery')).toEqual([]);
    await expect(t.send(segment('Q2'), signal)).resolves.toMatchObject({ kind: 'sent' });
    expect(sim.received()).toHaveLength(2);
  });

  it('waits for registration after +CMS ERROR 331 without sending, and sends again once a poll finds it registered', async () => {
    const { t, sim, events, written } = rig();
    await t.start();
    // The network refuses the submit while the modem still says registered: no URC comes.
    sim.setFault('cms-error:331');
    await expect(t.send(segment('Q1'), signal)).resolves.toMatchObject({ kind: 'failed', temporary: true, diagnostic: expect.stringContaining('331') });
    expect(t.health().state).toBe('no-network');
    expect(events('modem.network')[0]).toMatchObject({ outcome: 'lost', qid: 'Q1', seg: '1/1' });
    await expect(t.send(segment('Q2'), signal)).resolves.toMatchObject({ kind: 'failed', temporary: true, status: '4.4.1', diagnostic: expect.stringContaining('no-network') });
    expect(written('AT+CMGS')).toBe(1);
    await until(() => t.health().state === 'ready');
    expect(written('AT+CREG?')).toBeGreaterThanOrEqual(2);
    expect(events('modem.network').at(-1)).toMatchObject({ outcome: 'restored', registration: 1, via: 'poll' });
    await expect(t.send(segment('Q2'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    expect(events('modem.recovery')).toEqual([]);
  });

  it('keeps waiting after +CMS ERROR 331 while the modem searches, and sends once a URC says registered', async () => {
    const { t, sim, events, written } = rig();
    await t.start();
    sim.setFault('cms-error:331');
    await t.send(segment('Q1'), signal);
    sim.setRegistration(2);
    await until(() => written('AT+CREG?') >= 4);
    expect(t.health()).toMatchObject({ ready: false, state: 'no-network' });
    expect(written('AT+CMGS')).toBe(1);
    sim.setRegistration(1);
    await until(() => t.health().state === 'ready');
    expect(events('modem.network').at(-1)).toMatchObject({ outcome: 'restored', registration: 1 });
    await expect(t.send(segment('Q2'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
  });

  it('stops the route after a refused PIN, says so once at error, and never sends the PIN again', async () => {
    const { t, sim, events, written } = rig({ pin: '1111' }, '2222');
    await expect(t.start()).rejects.toMatchObject({ code: 'M2S_AT_PIN' });
    expect(t.health()).toMatchObject({ ready: false, state: 'pin-required' });
    await expect(t.send(segment('Q1'), signal)).resolves.toMatchObject({ kind: 'failed', temporary: true, status: '4.4.1', diagnostic: expect.stringContaining('pin-required') });
    await expect(t.start()).rejects.toMatchObject({ code: 'M2S_AT_PIN' });
    expect(written('AT+CPIN="')).toBe(1);
    expect(events('modem.sim_locked')).toEqual([expect.objectContaining({ level: 'error', state: 'pin-required', route: 'gsm1' })]);
    expect(sim.received()).toHaveLength(0);
  });

  it('stops the route when the SIM wants its PUK, without entering the PIN', async () => {
    const { t, events, written } = rig({ pin: '1111', pukLocked: true }, '1111');
    await expect(t.start()).rejects.toMatchObject({ code: 'M2S_AT_PIN', cme: 12 });
    expect(t.health()).toMatchObject({ ready: false, state: 'puk-locked' });
    expect(written('AT+CPIN="')).toBe(0);
    expect(events('modem.sim_locked')).toHaveLength(1);
  });
});

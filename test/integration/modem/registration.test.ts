/*
 * Lost and missing registration acted on from the modem's own URCs (SPEC 9, "Real modems in the
 * field"): the real modem transport against the simulated modem, whose setRegistration() sends
 * `+CREG: <stat>` / `+CEREG: <stat>` once AT+CREG=1 / AT+CEREG=1 are set (both domains, or one:
 * an LTE-only modem). A route that hears "not registered" waits in no-network
 * without an AT+CMGS reaching the modem; "registered" makes it ready at once, before any poll.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { createModemTransport, type DriverTimeouts, type ModemTransport, type RecoveryTimings } from '../../../src/transports/modem/index.js';
import { createSimBinding, SimDevice, type SimDeviceOptions } from '../../../src/transports/sim/index.js';
import type { OutboundSegment } from '../../../src/transports/transport.js';
import { until } from '../../helpers/wait.js';

const FAST: Partial<DriverTimeouts> = { command: 600, sync: 200, syncAttempts: 2, prompt: 300, submit: 300, escSettle: 30, registration: 150, registrationPoll: 50 };
/** A poll far off: whatever happens within a test happens because of a URC. */
const URC_ONLY: Partial<RecoveryTimings> = { networkPoll: 60_000 };
const running: ModemTransport[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop({ drain: false })));
});

type Line = Record<string, unknown>;

function rig(device: SimDeviceOptions = {}, recovery: Partial<RecoveryTimings> = URC_ONLY, onLine: (line: Line, sim: SimDevice) => void = () => undefined, timeouts: Partial<DriverTimeouts> = FAST) {
  const lines: Line[] = [];
  const sim = new SimDevice({ now: Date.now, ...device });
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => { const line = JSON.parse(s) as Line; lines.push(line); onLine(line, sim); } } });
  const t = createModemTransport({ name: 'gsm1', path: 'sim://gsm1', baudRate: 115200, binding: createSimBinding(sim), logger, timeouts, recovery });
  running.push(t);
  const events = (name: string) => lines.filter((l) => l['event'] === name);
  const written = (prefix: string) => lines.filter((l) => l['event'] === 'at.tx' && String(l['at']).startsWith(prefix)).length;
  return { t, sim, events, written };
}

const segment = (qid: string): OutboundSegment => ({ qid, seq: 1, total: 1, destination: '+447700900123', encoding: 'gsm7', text: `alert ${qid}`, statusReport: false });
const signal = new AbortController().signal;

describe('registration URCs (AT+CREG=1, AT+CEREG=1; TS 27.007 §7.2, §10.1.22)', () => {
  it('asks the modem for registration URCs at init', async () => {
    const { t, written } = rig();
    await t.start();
    expect(written('AT+CREG=1')).toBe(1);
    expect(written('AT+CEREG=1')).toBe(1);
    expect(t.health()).toEqual({ ready: true, state: 'ready' });
  });

  it('goes to no-network on +CREG: 2, fails sends at once without an AT+CMGS, and is ready again on +CREG: 1', async () => {
    const { t, sim, events, written } = rig();
    await t.start();
    sim.setRegistration(2);
    await until(() => t.health().state === 'no-network');
    expect(t.health()).toEqual({ ready: false, state: 'no-network', detail: 'registration lost: +CREG: 2 (stat 2: not registered, searching)' });
    expect(events('modem.network')).toEqual([expect.objectContaining({ level: 'warn', outcome: 'lost', route: 'gsm1', registration: 2, reason: expect.stringContaining('+CREG: 2') })]);

    await expect(t.send(segment('Q1'), signal)).resolves.toEqual({
      kind: 'failed', temporary: true, status: '4.4.1', diagnostic: 'modem gsm1 is no-network (registration lost: +CREG: 2 (stat 2: not registered, searching))',
    });
    expect(written('AT+CMGS')).toBe(0);
    expect(sim.received()).toHaveLength(0);

    sim.setRegistration(1);
    await until(() => t.health().state === 'ready');
    expect(events('modem.network').at(-1)).toMatchObject({ level: 'info', outcome: 'restored', registration: 1, via: 'urc' });
    expect(written('AT+CREG?')).toBe(1);
    await expect(t.send(segment('Q1'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    expect(sim.received()).toHaveLength(1);
    expect(events('modem.recovery')).toEqual([]);
  });

  it('says a denied registration (+CREG: 3) in the health detail and the log', async () => {
    const { t, sim, events } = rig();
    await t.start();
    sim.setRegistration(3);
    await until(() => t.health().state === 'no-network');
    expect(t.health().detail).toContain('registration denied');
    expect(events('modem.network')).toEqual([expect.objectContaining({ outcome: 'lost', registration: 3, reason: 'registration lost: +CREG: 3 (stat 3: registration denied)' })]);
  });

  it('says it when a searching modem is then denied, and stays quiet when the same <stat> comes again', async () => {
    const { t, sim, events } = rig();
    await t.start();
    sim.setRegistration(2);
    await until(() => t.health().state === 'no-network');
    sim.setRegistration(2);
    sim.setRegistration(3);
    await until(() => t.health().detail?.includes('denied') === true);
    expect(t.health()).toEqual({ ready: false, state: 'no-network', detail: 'not registered (stat 3: registration denied)' });
    expect(events('modem.network').map((l) => [l['outcome'], l['registration'], l['level']])).toEqual([['lost', 2, 'warn'], ['changed', 3, 'warn']]);
  });

  it('takes roaming (+CREG: 5) as registered', async () => {
    const { t, sim } = rig();
    await t.start();
    sim.setRegistration(0);
    await until(() => t.health().state === 'no-network');
    sim.setRegistration(5);
    await until(() => t.health().state === 'ready');
    await expect(t.send(segment('Q1'), signal)).resolves.toMatchObject({ kind: 'sent' });
  });

  it('acts on a +CREG URC that arrives in the middle of a send; the send under way keeps its own outcome', async () => {
    // Between AT+CMGS and its answer (40 ms slow): the reader must route it as a URC, not as the answer.
    const { t, events, written } = rig({ faults: ['slow:40'] }, URC_ONLY, (line, sim) => {
      if (line['event'] === 'at.tx' && String(line['at']).startsWith('AT+CMGS=')) sim.inject('+CREG: 2');
    });
    await t.start();
    const pending = t.send(segment('Q1'), signal);
    await expect(pending).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    expect(t.health().state).toBe('no-network');
    expect(events('modem.network')).toEqual([expect.objectContaining({ outcome: 'lost', registration: 2 })]);
    await expect(t.send(segment('Q2'), signal)).resolves.toMatchObject({ kind: 'failed', temporary: true });
    expect(written('AT+CMGS')).toBe(1);
  });
});

describe('a modem not registered at start-up', () => {
  it('starts in no-network instead of failing, and is ready as soon as the modem registers', async () => {
    const { t, sim, events, written } = rig({ registration: 0 });
    await expect(t.start()).resolves.toBeUndefined();
    expect(t.health()).toEqual({ ready: false, state: 'no-network', detail: 'not registered yet (stat 0: not registered, not searching)' });
    expect(events('modem.network')).toEqual([expect.objectContaining({ outcome: 'unregistered', registration: 0, level: 'warn' })]);
    expect(events('modem.ready')).toEqual([expect.objectContaining({ registration: 0 })]);

    await expect(t.send(segment('Q1'), signal)).resolves.toMatchObject({ kind: 'failed', temporary: true, status: '4.4.1', diagnostic: expect.stringContaining('not registered yet') });
    expect(written('AT+CMGS')).toBe(0);

    sim.setRegistration(1);
    await until(() => t.health().state === 'ready');
    expect(events('modem.network').at(-1)).toMatchObject({ outcome: 'restored', registration: 1, via: 'urc' });
    await expect(t.send(segment('Q1'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
  });

  it('polls AT+CREG? while it waits and says a denial it reads', async () => {
    const { t, sim, written } = rig({ registration: 2 }, { networkPoll: 30 });
    await t.start();
    expect(t.health().detail).toBe('not registered yet (stat 2: not registered, searching)');
    const before = written('AT+CREG?');
    await until(() => written('AT+CREG?') >= before + 2);
    expect(t.health().state).toBe('no-network');
    sim.setRegistration(3);
    await until(() => t.health().detail?.includes('registration denied') === true);
    expect(written('AT+CMGS')).toBe(0);
  });

  it('waits for a registration that comes during init instead of giving up at once', async () => {
    // Registered as init writes its second poll; the registration time is long enough that only
    // a broken wait could give up before it (the test takes two polls, not the whole time).
    let polls = 0;
    const { t, events } = rig({ registration: 2 }, URC_ONLY, (line, sim) => {
      if (line['event'] === 'at.tx' && line['at'] === 'AT+CREG?' && (polls += 1) === 2) sim.setRegistration(1);
    }, { ...FAST, registration: 10_000 });
    await t.start();
    expect(t.health()).toEqual({ ready: true, state: 'ready' });
    expect(events('modem.network')).toEqual([]);
  });
});

describe('an LTE-only modem: CS not registered, EPS registered (+CREG: 0, +CEREG: 1)', () => {
  it('starts ready and sends', async () => {
    const { t, sim } = rig({ registration: 0, epsRegistration: 1 });
    await t.start();
    expect(t.health()).toEqual({ ready: true, state: 'ready' });
    await expect(t.send(segment('L1'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    expect(sim.received()).toHaveLength(1);
  });

  it('goes to no-network when EPS alone is lost (+CEREG: 4), and is ready again on +CEREG: 1', async () => {
    const { t, sim, events } = rig({ registration: 0, epsRegistration: 1 });
    await t.start();
    sim.setRegistration(4, 'eps');
    await until(() => t.health().state === 'no-network');
    expect(events('modem.network')).toEqual([expect.objectContaining({ outcome: 'lost', registration: 0, reason: 'registration lost: +CEREG: 4 (stat 4: unknown)' })]);
    sim.setRegistration(1, 'eps');
    await until(() => t.health().state === 'ready');
    await expect(t.send(segment('L2'), signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
  });
});


/*
 * Received SMS through the real modem transport over the simulated modem (SPEC 10, issue 14):
 * +CMTI read with AT+CMGR, handed to the onReceived listener, deleted with AT+CMGD only once the
 * listener resolved; the store listed with AT+CMGL=4 at start and after a reconnect; a full store
 * emptied with nothing lost; +CMT with AT+CNMA where the profile says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/index.js';
import { createModemTransport, type DriverTimeouts, type ModemTransport, type Profile } from '../../../src/transports/modem/index.js';
import { createSimBinding, SimDevice, type SimDeviceOptions } from '../../../src/transports/sim/index.js';
import type { OutboundSegment, ReceivedPart, StatusReport } from '../../../src/transports/transport.js';
import { buildSubmitTpdu } from '../../../src/encode/index.js';
import { until } from '../../helpers/wait.js';

const FAST: Partial<DriverTimeouts> = { command: 1_000, sync: 300, prompt: 400, submit: 400, escSettle: 50, registration: 300, registrationPoll: 50 };
const FROM = '+447700900123';

/** A profile for a modem that routes SMS as +CMT and wants AT+CNMA after each. */
const CNMA_PROFILE: Profile = {
  name: 'cnma-test', description: 'a modem that needs AT+CNMA', match: { manufacturer: '^mail2sms$' }, usb: [], init: [], cnmi: '2,2,0,1,0', finalErrors: [], timeouts: {},
  flags: { needsCscs: false, noCds: false, slowPrompt: false, cmgsCountsSmsc: false, noCmms: false, cpinWithoutOk: false, cnma: true },
};

const running: ModemTransport[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop({ drain: false })));
});

type Answer = 'commit' | 'reject';

function rig(options: { device?: SimDeviceOptions; profile?: Profile; rescanMs?: number; listen?: boolean } = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(JSON.parse(s)) } });
  const device = new SimDevice({ now: Date.now, ...options.device });
  const binding = createSimBinding(device);
  const t = createModemTransport({
    name: 'in', path: 'sim://in', baudRate: 115200, binding, logger, kind: 'sim', timeouts: FAST,
    recovery: { reopenInitial: 20, reopenMax: 100 },
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.rescanMs !== undefined ? { rescanMs: options.rescanMs } : {}),
  });
  running.push(t);
  const got: ReceivedPart[] = [];
  const state: { answer: Answer } = { answer: 'commit' };
  const listener = async (part: ReceivedPart): Promise<void> => {
    got.push(part);
    if (state.answer === 'reject') throw new Error('database is locked');
  };
  if (options.listen !== false) t.onReceived(listener);
  const sent = () => lines.filter((l) => l['event'] === 'at.tx').map((l) => String(l['at']));
  const events = (name: string) => lines.filter((l) => l['event'] === name);
  return { t, device, binding, got, state, listener, sent, events };
}

describe('modem transport: received SMS (SPEC 10)', () => {
  it('reads a +CMTI with AT+CMGR, hands it over, and deletes it with AT+CMGD only after the listener resolved', async () => {
    const { t, device, sent, events } = rig({ listen: false });
    let commit: () => void = () => undefined;
    const parts: ReceivedPart[] = [];
    t.onReceived((part) => {
      parts.push(part);
      return new Promise<void>((resolve) => (commit = resolve));
    });
    await t.start();
    const [tpdu] = device.deliverMo({ from: FROM, text: 'ack 42' });
    await until(() => parts.length === 1, 'the part');
    expect(parts[0]).toMatchObject({ from: FROM, fromKind: 'international', encoding: 'gsm7', text: 'ack 42', raw: tpdu });
    expect(sent()).toContain('AT+CMGR=0');
    // Not committed yet: still on the SIM, no AT+CMGD.
    expect(device.stored()).toHaveLength(1);
    expect(sent()).not.toContain('AT+CMGD=0');
    commit();
    await until(() => device.stored().length === 0, 'the delete');
    expect(sent().indexOf('AT+CMGD=0')).toBeGreaterThan(sent().indexOf('AT+CMGR=0'));
    expect(events('modem.sms_received')).toEqual([expect.objectContaining({ source: 'SM/0', from: FROM, encoding: 'gsm7' })]);
  });

  it('leaves an SMS the listener could not commit on the SIM, and reads it again after a reconnect', async () => {
    const { t, device, binding, got, state, events } = rig();
    state.answer = 'reject';
    await t.start();
    device.deliverMo({ from: FROM, text: 'on my way' });
    await until(() => events('modem.sms_kept').length === 1, 'the kept SMS');
    expect(events('modem.sms_kept')[0]).toMatchObject({ source: 'SM/0', reason: 'database is locked' });
    expect(device.stored()).toHaveLength(1);
    state.answer = 'commit';
    binding.unplug('sim://in');
    binding.replug('sim://in');
    await until(() => device.stored().length === 0, 'the read after the reconnect');
    expect(got.map((p) => p.text)).toEqual(['on my way', 'on my way']);
    expect(t.health().state).toBe('ready');
  });

  it('reads after a replug what arrived while the modem was unplugged', async () => {
    const { t, device, binding, got } = rig();
    await t.start();
    binding.unplug('sim://in');
    await until(() => t.health().state === 'unplugged', 'the unplug');
    binding.deliverMo('sim://in', { from: FROM, text: 'sent while unplugged' });
    expect(device.stored()).toHaveLength(1);
    binding.replug('sim://in');
    await until(() => got.length === 1 && device.stored().length === 0, 'the read after the reopen');
    expect(got[0]?.text).toBe('sent while unplugged');
  });

  it('scans again while something was left, every rescanMs', async () => {
    const { t, device, got, state } = rig({ rescanMs: 100 });
    state.answer = 'reject';
    await t.start();
    device.deliverMo({ from: FROM, text: 'call me' });
    await until(() => got.length >= 2, 'a second try by the rescan');
    state.answer = 'commit';
    await until(() => device.stored().length === 0, 'the commit at a later rescan');
    expect(new Set(got.map((p) => p.text))).toEqual(new Set(['call me']));
  });

  it('keeps an SMS on the SIM while no listener is set, and reads it once one is', async () => {
    const { t, device, got, listener, events } = rig({ listen: false });
    await t.start();
    device.deliverMo({ from: FROM, text: 'nobody home' });
    await until(() => events('modem.sms_kept').length === 1, 'the kept SMS');
    expect(events('modem.sms_kept')[0]).toMatchObject({ reason: 'nothing takes received SMS yet' });
    expect(device.stored()).toHaveLength(1);
    t.onReceived(listener);
    await until(() => device.stored().length === 0, 'the read once a listener is set');
    expect(got.map((p) => p.text)).toEqual(['nobody home']);
  });

  it('reads at start the SMS stored while the transport was stopped (AT+CMGL=4), and a status report stored with them', async () => {
    const { t, device, got, sent } = rig({ device: { faults: ['status-report-stored'] } });
    const reports: StatusReport[] = [];
    t.onStatusReport((r) => reports.push(r));
    device.deliverMo({ from: FROM, text: 'while you were out' });
    device.deliverMo({ from: 'Alerts', text: 'from a name' });
    // A send that asked for a report, made before the gateway ran: the report waits in the same store.
    device.write('ATE0\r');
    const submit = buildSubmitTpdu({ destination: '+447700900999', encoding: 'gsm7', text: 'hi', statusReport: true });
    device.write(`AT+CMGS=${submit.length}\r`);
    device.write(`00${submit.hex}\x1a`);
    expect(device.stored()).toHaveLength(3);
    await t.start();
    // start() waits for the first scan.
    expect(got.map((p) => [p.from, p.fromKind, p.text])).toEqual([[FROM, 'international', 'while you were out'], ['Alerts', 'alphanumeric', 'from a name']]);
    expect(sent()).toContain('AT+CMGL=4');
    await until(() => device.stored().length === 0 && reports.length === 1, 'the report and the deletes');
    expect(reports[0]).toMatchObject({ messageRef: '0', recipient: '+447700900999', state: 'delivered' });
  });

  it('empties a full store and loses nothing, including what the network held back meanwhile', async () => {
    const { t, device, got } = rig({ device: { storeCapacity: 3 } });
    const texts = ['one', 'two', 'three', 'four', 'five', 'six', 'seven'];
    for (const text of texts) device.deliverMo({ from: FROM, text });
    expect(device.stored()).toHaveLength(3);
    expect(device.heldByNetwork()).toBe(4);
    await t.start();
    await until(() => got.length === texts.length && device.stored().length === 0, 'every SMS read and deleted');
    expect(device.heldByNetwork()).toBe(0);
    expect(got.map((p) => p.text).sort()).toEqual([...texts].sort());
  });

  it('hands over each part of a concatenated UCS-2 text with emoji, with its reference', async () => {
    const { t, device, got } = rig();
    await t.start();
    const text = 'Réponse 😀 reçue, on arrive 🚑 '.repeat(5);
    const tpdus = device.deliverMo({ from: FROM, text, ref: 200 });
    expect(tpdus.length).toBeGreaterThan(1);
    await until(() => got.length === tpdus.length && device.stored().length === 0, 'every part');
    const bySeq = [...got].sort((a, b) => (a.concat?.seq ?? 0) - (b.concat?.seq ?? 0));
    expect(bySeq.map((p) => p.concat)).toEqual(tpdus.map((_, i) => ({ ref: 200, total: tpdus.length, seq: i + 1, refBits: 8 })));
    expect(bySeq.map((p) => p.encoding)).toEqual(tpdus.map(() => 'ucs2'));
    expect(bySeq.map((p) => p.text).join('')).toBe(text);
    expect(bySeq.map((p) => p.raw)).toEqual(tpdus);
  });

  it('hands the same PDU twice when the network sends it twice: recognising it is the store\'s', async () => {
    const { t, device, got } = rig();
    await t.start();
    const sms = { from: FROM, text: 'ack', sentAt: Date.UTC(2026, 0, 1), ref: 9 };
    const [first] = device.deliverMo(sms);
    const [second] = device.deliverMo(sms);
    expect(second).toBe(first);
    await until(() => got.length === 2 && device.stored().length === 0, 'both copies');
    expect(got.map((p) => p.raw)).toEqual([first, first]);
  });

  it('logs an SMS-DELIVER that does not decode with its place and reason, and deletes it', async () => {
    const { t, device, got, events } = rig();
    await t.start();
    // TP-MTI 00 (SMS-DELIVER), then an originator length running past the end.
    device.deliverTpdu('04FF91');
    device.deliverMo({ from: FROM, text: 'after the garbage' });
    await until(() => got.length === 1 && device.stored().length === 0, 'the good SMS and both deletes');
    expect(events('modem.sms_unreadable')).toEqual([expect.objectContaining({ source: 'SM/0', reason: expect.any(String) })]);
    expect(got[0]?.text).toBe('after the garbage');
  });

  it('takes a +CMT and acknowledges it with AT+CNMA when the profile says cnma; nothing is stored or held', async () => {
    const { t, device, got, sent } = rig({ profile: CNMA_PROFILE, device: { quirks: { cnma: true } } });
    await t.start();
    device.deliverMo({ from: FROM, text: 'first' });
    device.deliverMo({ from: FROM, text: 'second' });
    await until(() => got.length === 2 && device.heldByNetwork() === 0, 'both, each acknowledged');
    expect(got.map((p) => p.text)).toEqual(['first', 'second']);
    expect(sent().filter((c) => c === 'AT+CNMA')).toHaveLength(2);
    expect(device.stored()).toEqual([]);
  });

  it('without the cnma flag a cnma modem turns +CMT routing off and stores the SMS again: the flag is what keeps it working', async () => {
    const { t, device, got } = rig({ profile: { ...CNMA_PROFILE, flags: { ...CNMA_PROFILE.flags, cnma: false } }, device: { quirks: { cnma: true }, ackTimeoutMs: 50 } });
    await t.start();
    device.deliverMo({ from: FROM, text: 'unacknowledged' });
    await until(() => got.length === 1, 'the +CMT');
    // The carrier ticks the device: the deadline passes, routing goes off, the resent SMS is stored.
    await until(() => device.stored().length === 1, 'the resent SMS, stored');
    let cnmi = '';
    const off = device.onOutput((o) => (cnmi += Buffer.from(o.bytes).toString('latin1')));
    device.write('AT+CNMI?\r');
    off();
    expect(cnmi).toContain('+CNMI: 2,0,0,0,0');
  });

  it('a +CMT the listener could not commit on a cnma modem is not acknowledged; the next scan restores routing and reads it from the store', async () => {
    const { t, device, got, state, sent } = rig({ profile: CNMA_PROFILE, device: { quirks: { cnma: true }, ackTimeoutMs: 50 }, rescanMs: 1_500 });
    state.answer = 'reject';
    await t.start();
    device.deliverMo({ from: FROM, text: 'retry me' });
    await until(() => got.length === 1, 'the +CMT');
    state.answer = 'commit';
    await until(() => got.length === 2 && device.stored().length === 0, 'the read from the store after the rescan');
    expect(sent().filter((c) => c === 'AT+CNMA')).toHaveLength(0);
    expect(sent().filter((c) => c === 'AT+CNMI=2,2,0,1,0').length).toBeGreaterThanOrEqual(2);
    expect(got.map((p) => p.text)).toEqual(['retry me', 'retry me']);
  });

  it('never interleaves the reads with an AT+CMGS under way', async () => {
    const { t, device, got, sent } = rig({ device: { latencyMs: 5 } });
    await t.start();
    const segment: OutboundSegment = { qid: 'Q1', seq: 1, total: 1, destination: '+447700900555', encoding: 'gsm7', text: 'Pump 3 failed', statusReport: false };
    const sending = t.send(segment, new AbortController().signal);
    device.deliverMo({ from: FROM, text: 'during a send' });
    await expect(sending).resolves.toMatchObject({ kind: 'sent' });
    await until(() => got.length === 1 && device.stored().length === 0, 'the read');
    const at = sent();
    for (const [i, line] of at.entries()) if (line.startsWith('AT+CMGS=')) expect(at[i + 1]).toMatch(/^00[0-9A-F]+<Ctrl-Z>$/);
  });
});

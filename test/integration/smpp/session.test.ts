/*
 * The SMPP session against the test SMSC over real TCP (issue 13): bind, the window, response
 * timeouts, a drop in the middle of a full window, reconnect backoff, refused binds, stop.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionHealth } from '../../../src/transports/smpp/session.js';
import { hasOpenssl, selfSignedCertificate } from '../../helpers/tls.js';
import { until } from '../../helpers/wait.js';
import { closeRigs, rig, toNumber } from './rig.js';

afterEach(closeRigs);

const ESME_RINVPASWD = 0x0e;
const ESME_RALYBND = 0x05;

describe('binding', () => {
  it('binds as a transceiver with system_id, password, system_type and interface_version 0x34, then submits', async () => {
    const { smsc, session, events } = await rig({ systemType: 'alerts' });
    await session.start();
    expect(session.health()).toMatchObject({ state: 'bound', windowInUse: 0, window: 10 });
    const [bind] = smsc.received('bind_transceiver');
    expect(bind).toMatchObject({ system_id: 'gw1', password: 'secret', system_type: 'alerts', interface_version: 0x34 });
    const result = await session.submit(toNumber('447700900001'), { timeoutMs: 2_000 });
    expect(result).toEqual({ kind: 'resp', commandStatus: 0, messageId: expect.stringMatching(/^[0-9a-f]+$/) });
    expect(smsc.received('submit_sm')[0]).toMatchObject({ destination_addr: '447700900001' });
    expect(events('smpp.bound')[0]).toMatchObject({ route: 'smsc1', transport: 'smpp:smsc1', systemId: 'gw1', mode: 'transceiver' });
    expect(JSON.stringify(events('smpp.pdu'))).not.toContain('secret');
  });

  it('binds as a transmitter when the route says so', async () => {
    const { smsc, session } = await rig({ mode: 'transmitter' });
    await session.start();
    expect(smsc.received('bind_transmitter')).toHaveLength(1);
    expect(smsc.received('bind_transceiver')).toHaveLength(0);
  });

  it.skipIf(!hasOpenssl)('binds over TLS', async () => {
    const cert = selfSignedCertificate();
    const { session, smsc } = await rig({ tls: { ca: cert.cert, servername: 'localhost' } }, { tls: cert });
    await session.start();
    expect(session.health().state).toBe('bound');
    await expect(session.submit(toNumber('447700900001'), { timeoutMs: 2_000 })).resolves.toMatchObject({ kind: 'resp', commandStatus: 0 });
    expect(smsc.received('submit_sm')).toHaveLength(1);
  });

  it('answers not-sent at once while not bound, without writing anything', async () => {
    const { smsc, session } = await rig();
    smsc.faults.hangUpOnBind = true;
    await session.start();
    expect(session.health().state).toBe('backoff');
    await expect(session.submit(toNumber('447700900001'), { timeoutMs: 1_000 })).resolves.toMatchObject({ kind: 'not-sent', reason: expect.stringContaining('not bound') });
    expect(session.freeSlots()).toBe(0);
    expect(smsc.received('submit_sm')).toHaveLength(0);
  });
});

describe('the window', () => {
  it('never has more than `window` submit_sm outstanding at the SMSC; the rest wait their turn', async () => {
    const { smsc, session } = await rig({ window: 5 });
    smsc.faults.delayMs = 20;
    await session.start();
    expect(session.freeSlots()).toBe(5);
    const results = Promise.all(Array.from({ length: 40 }, (_, i) => session.submit(toNumber(`4477009${String(i).padStart(5, '0')}`), { timeoutMs: 5_000 })));
    expect(session.freeSlots()).toBe(0);
    expect(session.health().windowInUse).toBe(5);
    const all = await results;
    expect(all.every((r) => r.kind === 'resp' && r.commandStatus === 0)).toBe(true);
    expect(smsc.maxOutstanding).toBe(5);
    expect(session.health().windowInUse).toBe(0);
  });

  it('black hole: each request times out, and its slot is freed for the next', async () => {
    const { smsc, session } = await rig({ window: 3 });
    smsc.faults.blackHole = true;
    await session.start();
    const all = await Promise.all(Array.from({ length: 5 }, () => session.submit(toNumber('447700900001'), { timeoutMs: 100 })));
    expect(all).toEqual(Array.from({ length: 5 }, () => ({ kind: 'timeout' })));
    expect(session.health().windowInUse).toBe(0);
    expect(smsc.received('submit_sm')).toHaveLength(5);
    expect(session.health().state).toBe('bound');
  });

  it('a drop mid-window: written ones are lost, waiting ones not-sent, and a new Session binds again', async () => {
    const { smsc, session, events } = await rig({ window: 4 });
    smsc.faults.blackHole = true;
    smsc.faults.dropAfterSubmits = 4;
    await session.start();
    const all = await Promise.all(Array.from({ length: 6 }, () => session.submit(toNumber('447700900001'), { timeoutMs: 5_000 })));
    expect(all.slice(0, 4).map((r) => r.kind)).toEqual(['lost', 'lost', 'lost', 'lost']);
    expect(all.slice(4).map((r) => r.kind)).toEqual(['not-sent', 'not-sent']);
    expect(smsc.received('submit_sm')).toHaveLength(4);
    smsc.faults.blackHole = false;
    smsc.faults.dropAfterSubmits = undefined;
    await until(() => session.health().state === 'bound' && smsc.live().length === 1 && smsc.binds.length === 2, 'the second bind');
    // A new Session numbers from 1 again: its bind_transceiver is sequence 1 too.
    expect(smsc.received('bind_transceiver').map((p) => p.sequence_number)).toEqual([1, 1]);
    expect(events('smpp.link.closed')[0]).toMatchObject({ code: 'M2S_SMPP_LINK_LOST', waitMs: 20, inFlight: 4 });
    await expect(session.submit(toNumber('447700900001'), { timeoutMs: 2_000 })).resolves.toMatchObject({ kind: 'resp', commandStatus: 0 });
  });

  it('an aborted signal: not-sent while waiting for a slot, lost once written', async () => {
    const { smsc, session } = await rig({ window: 1 });
    smsc.faults.blackHole = true;
    await session.start();
    const first = new AbortController();
    const second = new AbortController();
    const written = session.submit(toNumber('447700900001'), { timeoutMs: 5_000, signal: first.signal });
    const waiting = session.submit(toNumber('447700900002'), { timeoutMs: 5_000, signal: second.signal });
    await until(() => smsc.received('submit_sm').length === 1, 'the first submit at the SMSC');
    second.abort();
    await expect(waiting).resolves.toMatchObject({ kind: 'not-sent' });
    first.abort();
    await expect(written).resolves.toMatchObject({ kind: 'lost' });
    expect(session.health().windowInUse).toBe(0);
  });
});

describe('reconnecting', () => {
  it('waits 1 base doubling to the cap between failed tries, and starts again from the base after a bind', async () => {
    const { smsc, session, events } = await rig();
    smsc.faults.hangUpOnBind = true;
    const waits: number[] = [];
    session.onState((h: SessionHealth) => {
      if (h.state === 'backoff') waits.push(Number(/in (\d+) ms/.exec(h.detail)?.[1]));
    });
    await session.start();
    await until(() => waits.length >= 6, 'six failed tries');
    expect(waits.slice(0, 6)).toEqual([20, 40, 80, 160, 160, 160]);
    expect(events('smpp.connect.failed')[0]).toMatchObject({ code: 'M2S_SMPP_UNREACHABLE', waitMs: 20 });
    smsc.faults.hangUpOnBind = false;
    await until(() => session.health().state === 'bound', 'the bind');
    waits.length = 0;
    smsc.dropAll();
    await until(() => waits.length >= 1, 'the wait after the drop');
    expect(waits[0]).toBe(20);
  });

  it('a refused bind: state bind-refused naming the status, tried again only at the longest wait, the password file read each time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2s-smpp-'));
    try {
      const file = join(dir, 'password');
      writeFileSync(file, 'wrong\n');
      const { smsc, session, events } = await rig({ password: () => readFileSync(file, 'utf8').trim(), backoffCapMs: 200 });
      smsc.faults.password = 'right';
      await session.start();
      expect(session.health()).toMatchObject({ state: 'bind-refused', commandStatus: ESME_RINVPASWD, code: 'M2S_SMPP_BIND_REFUSED', detail: expect.stringContaining('ESME_RINVPASWD') });
      expect(events('smpp.bind.refused')[0]).toMatchObject({ statusName: 'ESME_RINVPASWD', waitMs: 200, level: 'error' });
      await until(() => smsc.bindAttempts >= 4, 'four bind attempts');
      const gaps = smsc.bindTimes.slice(1).map((t, i) => t - (smsc.bindTimes[i] ?? t));
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(195);
      writeFileSync(file, 'right\n');
      await until(() => session.health().state === 'bound', 'the bind with the new password');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names ESME_RALYBND when the SMSC has too many binds', async () => {
    const { smsc, session } = await rig();
    smsc.faults.refuseBind = ESME_RALYBND;
    await session.start();
    expect(session.health()).toMatchObject({ state: 'bind-refused', commandStatus: ESME_RALYBND, detail: expect.stringContaining('ESME_RALYBND') });
  });

  it('an unreadable password file is a refused bind, said with its code', async () => {
    const { session } = await rig({ password: () => readFileSync('/nonexistent/m2s-password', 'utf8') });
    await session.start();
    expect(session.health()).toMatchObject({ state: 'bind-refused', code: 'M2S_SMPP_PASSWORD_UNREADABLE' });
  });
});

describe('stop', () => {
  it('stop({ drain: true }) waits for the submits under way and those waiting, then unbinds', async () => {
    const { smsc, session } = await rig({ window: 2 });
    smsc.faults.delayMs = 50;
    await session.start();
    const all = Promise.all(Array.from({ length: 4 }, () => session.submit(toNumber('447700900001'), { timeoutMs: 5_000 })));
    await until(() => smsc.received('submit_sm').length === 2, 'two submits at the SMSC');
    await session.stop({ drain: true });
    expect((await all).map((r) => r.kind)).toEqual(['resp', 'resp', 'resp', 'resp']);
    expect(smsc.received('unbind')).toHaveLength(1);
    expect(session.health().state).toBe('stopped');
    await expect(session.submit(toNumber('447700900001'), { timeoutMs: 1_000 })).resolves.toMatchObject({ kind: 'not-sent' });
  });

  it('stop({ drain: false }) settles every submit at once: written ones lost, waiting ones not-sent', async () => {
    const { smsc, session } = await rig({ window: 2 });
    smsc.faults.blackHole = true;
    await session.start();
    const all = Promise.all(Array.from({ length: 4 }, () => session.submit(toNumber('447700900001'), { timeoutMs: 60_000 })));
    await until(() => smsc.received('submit_sm').length === 2, 'two submits at the SMSC');
    await session.stop({ drain: false });
    expect((await all).map((r) => r.kind)).toEqual(['lost', 'lost', 'not-sent', 'not-sent']);
    expect(session.health()).toMatchObject({ state: 'stopped', windowInUse: 0 });
  });

  it('stop while waiting to reconnect ends the wait', async () => {
    const { smsc, session } = await rig({ backoffBaseMs: 60_000, backoffCapMs: 60_000 });
    smsc.faults.hangUpOnBind = true;
    await session.start();
    expect(session.health().state).toBe('backoff');
    await session.stop({ drain: true });
    expect(session.health().state).toBe('stopped');
    expect(smsc.bindAttempts).toBe(1);
  });
});

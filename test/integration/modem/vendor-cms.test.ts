/*
 * A maker's +CMS ERROR codes (512 and up, TS 27.005 §3.2.5) classified by the modem profile's
 * `cmsErrors` table (hardware/profiles), through the real modem transport and driver against the
 * simulated modem's `cms-error:N` fault, with the profile given to the transport as a route's
 * `profile:` gives it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadModemProfiles } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/logger.js';
import { createModemTransport, findProfile, type DriverTimeouts, type ModemTransport, type Profile } from '../../../src/transports/modem/index.js';
import { createSimBinding, SimDevice } from '../../../src/transports/sim/index.js';
import type { OutboundSegment } from '../../../src/transports/transport.js';

const FAST: Partial<DriverTimeouts> = { command: 600, sync: 200, syncAttempts: 2, prompt: 300, submit: 300, escSettle: 30, registration: 150, registrationPoll: 50 };
const PROFILES = loadModemProfiles() as readonly Profile[];
const running: ModemTransport[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop({ drain: false })));
});

async function started(profile: Profile | undefined, fault: `cms-error:${number}`) {
  const sim = new SimDevice({ now: Date.now, faults: [fault] });
  const t = createModemTransport({
    name: 'gsm1', path: 'sim://gsm1', baudRate: 115200, binding: createSimBinding(sim), logger: createLogger({ level: 'silent' }), timeouts: FAST,
    ...(profile ? { profile } : {}),
  });
  running.push(t);
  await t.start();
  return { t, sim };
}

const shipped = (name: string): Profile => findProfile(name, PROFILES)!;
const segment: OutboundSegment = { qid: 'Q1', seq: 1, total: 1, destination: '+447700900123', encoding: 'gsm7', text: 'alert', statusReport: false };
const signal = new AbortController().signal;

describe('+CMS ERROR codes of the maker, from the profile table', () => {
  it('gives a Quectel 515 its meaning, ME storage failure, temporary', async () => {
    const { t } = await started(shipped('quectel-ec25'), 'cms-error:515');
    await expect(t.send(segment, signal)).resolves.toEqual({ kind: 'failed', temporary: true, status: '4.3.0', diagnostic: '+CMS ERROR: 515 (ME storage failure)' });
    expect(t.health()).toEqual({ ready: true, state: 'ready' });
  });

  it('gives the same code on a Wavecom the Wavecom meaning', async () => {
    const { t } = await started(shipped('wavecom-q24'), 'cms-error:515');
    await expect(t.send(segment, signal)).resolves.toEqual({
      kind: 'failed', temporary: true, status: '4.3.0', diagnostic: '+CMS ERROR: 515 (please wait, init or command processing in progress)',
    });
  });

  it('fails the message for good where the maker says sending is forbidden (Quectel 529)', async () => {
    const { t } = await started(shipped('quectel-ec25'), 'cms-error:529');
    await expect(t.send(segment, signal)).resolves.toEqual({ kind: 'failed', temporary: false, status: '5.7.1', diagnostic: '+CMS ERROR: 529 (MO SMS is not allowed)' });
  });

  it('leaves a code to the range rule on a modem whose profile has no table (Huawei), and without a profile', async () => {
    for (const profile of [shipped('huawei-e3372'), undefined]) {
      const { t } = await started(profile, 'cms-error:515');
      await expect(t.send(segment, signal)).resolves.toEqual({ kind: 'failed', temporary: true, status: '4.3.0', diagnostic: '+CMS ERROR: 515 (manufacturer specific error)' });
    }
  });

  it('keeps the standard meaning of a standard code on a modem with a table', async () => {
    const { t } = await started(shipped('simcom-sim800'), 'cms-error:330');
    await expect(t.send(segment, signal)).resolves.toEqual({ kind: 'failed', temporary: false, status: '5.3.5', diagnostic: '+CMS ERROR: 330 (smsc address unknown)' });
  });

  it('sends the next message normally after a vendor error', async () => {
    const { t, sim } = await started(shipped('telit-le910'), 'cms-error:513');
    await expect(t.send(segment, signal)).resolves.toMatchObject({ kind: 'failed', temporary: true, status: '4.4.1', diagnostic: '+CMS ERROR: 513 (TR1M timeout)' });
    await expect(t.send(segment, signal)).resolves.toEqual({ kind: 'sent', messageRef: '0' });
    expect(sim.received()).toHaveLength(1);
  });
});

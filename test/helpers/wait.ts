/*
 * wait.ts - condition-based waits for tests, so a loaded machine makes a test slower, never red.
 *
 * Promise: until() resolves as soon as its condition holds and fails only after a generous
 * timeout, naming what it waited for; no test asserts how long something took. drained() is
 * the positive signal for "nothing (more) arrived": a marker URC written by the simulated modem
 * after everything it had queued reaches the listener only after all of it (the carrier keeps
 * the device's output in one FIFO), so once the marker is heard, nothing queued before it is
 * still on its way.
 */
import { vi } from 'vitest';
import type { SimDevice } from '../../src/transports/sim/index.js';
import type { UnsolicitedEvent } from '../../src/transports/modem/index.js';

/** Generous on purpose: only a broken condition takes this long. */
export const WAIT_MS = 15_000;

export async function until(what: () => boolean, label = 'the condition', timeoutMs = WAIT_MS): Promise<void> {
  await vi.waitFor(() => {
    if (!what()) throw new Error(`timed out waiting for ${label}`);
  }, { timeout: timeoutMs, interval: 5 });
}

let markers = 0;

/**
 * Resolves once a marker URC the device writes now has reached `listen`'s listener, i.e. once
 * every answer and URC the device had queued before it has been delivered.
 */
export async function drained(device: SimDevice, listen: (listener: (urc: UnsolicitedEvent) => void) => () => void): Promise<void> {
  markers += 1;
  const line = `^MARK: ${markers}`;
  let heard = false;
  const off = listen((urc) => {
    if (urc.line === line) heard = true;
  });
  try {
    device.inject(line);
    await until(() => heard, `the marker ${line} behind the modem's queued output`);
  } finally {
    off();
  }
}

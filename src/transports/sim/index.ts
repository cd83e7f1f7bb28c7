/*
 * index.ts - the simulated modem's public face: the device, its carriers, and the `sim`
 * transport, which is the real modem driver talking to the device through serialport.
 *
 * A device can pass for a shipped modem family: simQuirksOf(profile) (families.ts) gives its
 * identity and quirks (quirks.ts).
 *
 * Promise: createSimTransport() exercises exactly the code a real modem route runs
 * (createModemTransport over `sim://<name>`); only the binding under serialport differs.
 */
import type { Logger } from '../../log/index.js';
import { createModemTransport, type DriverTimeouts, type ModemTransport } from '../modem/index.js';
import { createSimBinding } from './carrier.js';
import { SimDevice } from './device.js';

export { SimDevice, type MoSms, type ReceivedSubmit, type SimDeviceOptions, type SimFault, type SimIdentity, type SimOutput, type StoredSms } from './device.js';
export { createSimBinding, type DeviceSource, type SimBinding } from './carrier.js';
export { parseSimFault, SIM_FAULT_NAMES } from './faults.js';
export { SLOW_PROMPT_DELAY_MS, type SimCharset, type SimQuirkFlags, type SimQuirks } from './quirks.js';
export { SIM_FAMILIES, simQuirksOf, type SimFamily, type SimProfileInput } from './families.js';
export { startPtySim, type PtySim, type PtySimOptions } from './carrier-pty.js';

export interface SimTransportOptions {
  readonly name: string;
  readonly logger: Logger;
  /** The device to talk to; default a fresh SimDevice on the wall clock. */
  readonly device?: SimDevice;
  readonly pin?: string;
  readonly timeouts?: Partial<DriverTimeouts>;
}

export function createSimTransport(options: SimTransportOptions): ModemTransport & { readonly device: SimDevice } {
  const device = options.device ?? new SimDevice({ now: Date.now, ...(options.pin !== undefined ? { pin: options.pin } : {}) });
  const transport = createModemTransport({
    name: options.name,
    path: `sim://${options.name}`,
    baudRate: 115200,
    binding: createSimBinding(device),
    logger: options.logger,
    kind: 'sim',
    ...(options.pin !== undefined ? { pin: options.pin } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
  });
  return Object.assign(transport, { device });
}

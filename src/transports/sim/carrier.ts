/*
 * carrier.ts - puts a simulated modem (device.ts) on a serial line: in process, as a serialport
 * BindingInterface, so the real driver opens `sim://<name>` through serialport's own stream.
 *
 * Promise: bytes written to the port reach the device in order; the device's answers reach the
 * port's reads in order, each after the delay the device asked for (its latency), through one
 * FIFO timer so nothing overtakes. Contract of @serialport/bindings-interface kept: a read in
 * flight fails with `canceled: true` on close, any other read error (unplug()) is a disconnect.
 * Modelled on @serialport/binding-mock (MockPortBinding).
 *
 * The carrier is also the radio network: deliverMo() hands a device a text a phone sent it, and
 * while a port is open the device is ticked every TICK_MS, so its time rules (the AT+CNMA
 * deadline, mt-delivery.ts) apply when nobody writes to it.
 *
 * The pseudo-terminal carrier (startPtySim) is in carrier-pty.ts.
 */
import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus } from '@serialport/bindings-cpp';
import type { MoSms, SimDevice } from './device.js';

/** How often a carrier ticks its device (SimDevice.tick) while it carries it. */
export const TICK_MS = 1_000;

export type DeviceSource = SimDevice | ((path: string) => SimDevice);

export interface SimBinding extends BindingInterface {
  /** The device behind a path (created on first open when a factory was given). */
  device(path: string): SimDevice;
  /**
   * Pulls the plug: the open port's reads fail with a non-canceled error, as on USB removal, and
   * the path is gone (open fails, ENOENT, as /dev/serial/by-id/… does) until replug().
   */
  unplug(path: string): void;
  /** Plugs the device back in: the path opens again and the device starts from power-on. */
  replug(path: string): void;
  /** A phone sends the device at `path` a text (SimDevice.deliverMo), plugged in or not; its TPDUs. */
  deliverMo(path: string, sms: MoSms): readonly string[];
}

class CanceledError extends Error {
  readonly canceled = true;
}

interface Pending {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly length: number;
  resolve(value: { buffer: Buffer; bytesRead: number }): void;
  reject(err: Error): void;
}

class SimPortBinding implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  private data = Buffer.alloc(0);
  private pending: Pending | undefined;
  private readonly queue: { due: number; bytes: Uint8Array }[] = [];
  private cancelTimer: (() => void) | undefined;
  private pulled: Error | undefined;
  private readonly unsubscribe: () => void;
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly sim: SimDevice, openOptions: Required<OpenOptions>, private readonly onClosed: () => void) {
    this.openOptions = openOptions;
    this.unsubscribe = sim.onOutput((out) => this.schedule(out.bytes, out.delayMs));
    this.ticker = setInterval(() => sim.tick(), TICK_MS);
    this.ticker.unref();
  }

  private schedule(bytes: Uint8Array, delayMs: number): void {
    const last = this.queue.at(-1)?.due ?? 0;
    this.queue.push({ due: Math.max(Date.now() + delayMs, last), bytes });
    this.pump();
  }

  private pump(): void {
    if (this.cancelTimer || this.queue.length === 0) return;
    const wait = this.queue[0]!.due - Date.now();
    const fire = (): void => {
      this.cancelTimer = undefined;
      while (this.queue.length > 0 && this.queue[0]!.due <= Date.now()) this.deliver(this.queue.shift()!.bytes);
      this.pump();
    };
    // A modem that answers at once answers on the next turn: setTimeout(0) would add 1 ms a reply.
    if (wait > 0) {
      const t = setTimeout(fire, wait);
      this.cancelTimer = () => clearTimeout(t);
    } else {
      const t = setImmediate(fire);
      this.cancelTimer = () => clearImmediate(t);
    }
  }

  private deliver(bytes: Uint8Array): void {
    if (!this.isOpen) return;
    this.data = Buffer.concat([this.data, bytes]);
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      pending.resolve(this.take(pending));
    }
  }

  private take(p: { buffer: Buffer; offset: number; length: number }): { buffer: Buffer; bytesRead: number } {
    const bytesRead = this.data.copy(p.buffer, p.offset, 0, Math.min(p.length, this.data.length));
    this.data = this.data.subarray(bytesRead);
    return { buffer: p.buffer, bytesRead };
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) throw new CanceledError('port is closed');
    if (this.pulled) throw this.pulled;
    if (this.data.length > 0) return this.take({ buffer, offset, length });
    return new Promise((resolve, reject) => (this.pending = { buffer, offset, length, resolve, reject }));
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw new Error('port is not open');
    const copy = Buffer.from(buffer);
    await new Promise<void>((r) => setImmediate(r));
    this.sim.write(copy);
  }

  async close(): Promise<void> {
    this.shutdown(new CanceledError('port is closed'));
  }

  /**
   * USB removal: reads fail with a non-canceled error while the port still counts as open, so
   * serialport's stream closes it and reports the disconnect (its _disconnected()).
   */
  pull(err: Error): void {
    this.pulled = err;
    this.unsubscribe();
    clearInterval(this.ticker);
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(err);
  }

  private shutdown(err: Error): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.unsubscribe();
    clearInterval(this.ticker);
    this.cancelTimer?.();
    this.queue.length = 0;
    this.onClosed();
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(err);
  }

  async update(): Promise<void> {}
  async set(): Promise<void> {}
  async get(): Promise<PortStatus> {
    return { cts: true, dsr: true, dcd: false };
  }
  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }
  async flush(): Promise<void> {
    this.data = Buffer.alloc(0);
  }
  async drain(): Promise<void> {}
}

/** A serialport binding whose ports are simulated modems: `openPort({ path: 'sim://gsm1', binding })`. */
export function createSimBinding(source: DeviceSource): SimBinding {
  const devices = new Map<string, SimDevice>();
  const open = new Map<string, SimPortBinding>();
  const gone = new Set<string>();
  const deviceFor = (path: string): SimDevice => {
    let device = devices.get(path);
    if (!device) {
      device = typeof source === 'function' ? source(path) : source;
      devices.set(path, device);
    }
    return device;
  };
  return {
    async list(): Promise<PortInfo[]> {
      return [...devices.keys()].map((path) => ({ path, manufacturer: 'mail2sms simulated modem', serialNumber: undefined, pnpId: undefined, locationId: undefined, productId: undefined, vendorId: undefined }));
    },
    async open(options: OpenOptions): Promise<BindingPortInterface> {
      if (gone.has(options.path)) throw new Error(`Error: No such file or directory, cannot open ${options.path}`);
      if (open.has(options.path)) throw new Error(`${options.path} is locked: already open`);
      const full: Required<OpenOptions> = { dataBits: 8, lock: true, stopBits: 1, parity: 'none', rtscts: false, xon: false, xoff: false, xany: false, hupcl: true, ...options };
      const port = new SimPortBinding(deviceFor(options.path), full, () => open.delete(options.path));
      open.set(options.path, port);
      return port;
    },
    device: deviceFor,
    unplug(path: string): void {
      gone.add(path);
      open.get(path)?.pull(new Error(`${path} was unplugged`));
    },
    replug(path: string): void {
      if (!gone.delete(path)) return;
      devices.get(path)?.restart();
    },
    deliverMo: (path, sms) => deviceFor(path).deliverMo(sms),
  };
}

/*
 * port.ts - the one place the modem transport touches serialport: open a port and expose it as
 * a small byte link (write, data, close).
 *
 * Promise: openPort() resolves with an open link or rejects with AtError M2S_AT_PORT naming the
 * path. The default binding is the platform's (bindings-cpp autoDetect); tests and the simulated
 * modem inject another BindingInterface (serialport's documented seam, as its binding-mock does).
 * A link reports its close exactly once, with the error when the device went away (unplug); a
 * write under way when the port closes rejects instead of waiting for ever.
 */
import { autoDetect } from '@serialport/bindings-cpp';
import type { BindingInterface } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { AtError } from '../../errors.js';

export type { BindingInterface } from '@serialport/bindings-cpp';

export interface PortOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly binding?: BindingInterface;
}

export interface SerialLink {
  readonly path: string;
  write(bytes: Uint8Array | string): Promise<void>;
  /** Returns a function that removes the listener. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Called once when the port closes; `err` is set when it closed under us (unplug). */
  onClose(listener: (err?: Error) => void): () => void;
  readonly isOpen: boolean;
  close(): Promise<void>;
}

export async function openPort(options: PortOptions): Promise<SerialLink> {
  const binding = options.binding ?? (autoDetect() as BindingInterface);
  const port = new SerialPortStream({ binding, path: options.path, baudRate: options.baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => {
      if (err) reject(new AtError('M2S_AT_PORT', '', `cannot open ${options.path}: ${openFailure(err.message, options.path)}`, { temporary: true, cause: err }));
      else resolve();
    });
  });
  return linkOf(port, options.path);
}

/**
 * serialport says "Error: No such file or directory, cannot open /dev/ttyUSB2"; our message names
 * the path already, so only the cause is kept ("No such file or directory").
 */
function openFailure(message: string, path: string): string {
  const cause = message.replace(/^(Error: )+/, '').replace(`, cannot open ${path}`, '').trim();
  return cause || message;
}

function linkOf(port: SerialPortStream, path: string): SerialLink {
  // Errors also arrive as 'error' events; without a listener Node would throw them.
  port.on('error', () => undefined);
  return {
    path,
    get isOpen() {
      return port.isOpen;
    },
    // A port that closes mid-write (unplug) may never call the write or drain callback back:
    // the close settles the write instead, so no exchange waits forever.
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        const fail = (err: Error): void => {
          port.off('close', onClose);
          reject(new AtError('M2S_AT_PORT', '', `write to ${path} failed: ${err.message}`, { temporary: true, cause: err }));
        };
        const onClose = (): void => fail(new Error('port closed'));
        if (!port.isOpen) return fail(new Error('port is not open'));
        port.once('close', onClose);
        port.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes), (err) => {
          if (err) return fail(err);
          port.drain(() => {
            port.off('close', onClose);
            resolve();
          });
        });
      }),
    onData(listener) {
      port.on('data', listener);
      return () => port.off('data', listener);
    },
    onClose(listener) {
      const handler = (err?: Error | null): void => listener(err ?? undefined);
      port.once('close', handler);
      return () => port.off('close', handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}

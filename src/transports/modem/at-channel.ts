/*
 * at-channel.ts - one AT exchange at a time over a serial link: write a command, wait for its
 * final result or a timeout, hand unsolicited result codes on; the protocol layer under the
 * modem driver (driver.ts), as Gammu keeps `protocol/at` under `phone/at`.
 *
 * Promise: exchange() resolves with the information lines or rejects with an AtError
 * (M2S_AT_ERROR with the +CME/+CMS number, M2S_AT_TIMEOUT, M2S_AT_PORT); it never leaves a
 * waiter behind. Every URC reaches the onUrc handler the moment its line is complete, also while
 * a command is in flight. Every AT line is logged at debug (`at.tx`, `at.rx`); the PIN never is
 * (AT+CPIN="****"). The channel does not queue: its owner runs one exchange at a time.
 */
import { AtError } from '../../errors.js';
import { reasonOf, type Logger } from '../../log/index.js';
import { AtReader, type AtEvent, type FinalResult } from './at-reader.js';
import { redactAt } from './at-replies.js';
import type { SerialLink } from './port.js';

export interface UnsolicitedEvent {
  readonly name: string;
  readonly line: string;
  /** The PDU line of a two-line URC (+CDS, +CMT): hex with the SMSC field. */
  readonly pdu?: string;
}

export interface AtChannelOptions {
  readonly link: SerialLink;
  readonly log: Logger;
  /** Quiet time after ESC, and after an answer ended by its last information line. */
  readonly settleMs: number;
  /** Whether a +CMS ERROR code is temporary (the profile's table first, cms-errors.ts). */
  readonly cmsTemporary: (code: number) => boolean;
  /** Called with every URC, in the order the modem sent them. */
  readonly onUrc: (urc: UnsolicitedEvent) => void;
}

type Waiter = (event: AtEvent | 'closed') => void;

const ESC = '\x1b';

export class AtChannel {
  private readonly link: SerialLink;
  private readonly log: Logger;
  private readonly options: AtChannelOptions;
  private readonly reader = new AtReader();
  private waiter: Waiter | undefined;
  private closed = false;

  constructor(options: AtChannelOptions) {
    this.options = options;
    this.link = options.link;
    this.log = options.log;
    this.link.onData((chunk) => this.onData(chunk));
    this.link.onClose((err) => this.onClose(err));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether the modem echoes commands (on until ATE0; on again after AT+CFUN=1,1). */
  set echo(on: boolean) {
    this.reader.echo = on;
  }

  /** One command and its final result; rejects on error, timeout or a closed port. */
  async exchange(command: string, timeoutMs: number, lastLine?: (line: string) => boolean): Promise<string[]> {
    const lines: string[] = [];
    this.begin(command);
    const end = await this.writeThenWait(`${command}\r`, undefined, timeoutMs, (e) => {
      if (e !== 'closed' && e.type === 'info') {
        lines.push(e.line);
        if (lastLine?.(e.line)) return { type: 'final' as const, line: e.line, result: { kind: 'ok' as const } };
      }
      return e === 'closed' || e.type === 'final' ? e : undefined;
    });
    // Ended by its last information line: a final result the modem may still send is let pass.
    if (lastLine && end !== 'timeout' && end !== 'aborted' && end !== 'closed' && end.type === 'final' && end.line === lines.at(-1)) await delay(this.options.settleMs);
    this.end();
    const shown = redactAt(command);
    if (end === 'timeout' || end === 'aborted') throw new AtError('M2S_AT_TIMEOUT', shown, `no answer to ${shown} in ${timeoutMs} ms`, { temporary: true });
    if (end === 'closed') throw new AtError('M2S_AT_PORT', shown, `port closed during ${shown}`, { temporary: true });
    if (end.type === 'final' && end.result.kind !== 'ok') throw this.atErrorOf(shown, end.result);
    return lines;
  }

  /** Marks `command` as in flight (the reader tells its answer from URCs by it). */
  begin(command: string): void {
    if (this.closed) throw new AtError('M2S_AT_PORT', redactAt(command), 'modem port is closed', { temporary: true });
    this.reader.setCommand(command);
  }

  /** Nothing in flight any more: what comes now is unsolicited. */
  end(): void {
    this.reader.setCommand(undefined);
  }

  /**
   * Writes, then waits for the answer. The waiter is in place before the first byte goes out:
   * link.write() resolves only after the port drained, and a quick modem (or a pty) answers
   * before that; an answer arriving with no waiter would be dropped and the command time out.
   */
  async writeThenWait<T>(data: string, shown: string | undefined, timeoutMs: number, pick: (e: AtEvent | 'closed') => T | undefined, signal?: AbortSignal): Promise<T | 'timeout' | 'aborted'> {
    const cancel = new AbortController();
    const both = signal ? AbortSignal.any([signal, cancel.signal]) : cancel.signal;
    const answer = this.waitFor(timeoutMs, pick, both);
    try {
      await this.write(data, shown);
    } catch (err) {
      cancel.abort();
      await answer;
      throw err;
    }
    return answer;
  }

  /** ESC, then a quiet spell: whatever answers the ESC (OK on Quectel/SIMCom) is let pass. */
  async escape(): Promise<void> {
    this.waiter = undefined;
    await this.write(ESC, '<ESC>').catch(() => undefined);
    await delay(this.options.settleMs);
    this.end();
  }

  /** The AtError a non-OK final result gives (`command` already redacted). */
  atErrorOf(command: string, result: FinalResult): AtError {
    const details = result.kind === 'cms' && result.code !== undefined
      ? { cms: result.code, temporary: this.options.cmsTemporary(result.code) }
      : result.kind === 'cme' && result.code !== undefined ? { cme: result.code, temporary: true } : { temporary: true };
    return new AtError('M2S_AT_ERROR', command, `${command} answered ${describeFinal(result)}`, details);
  }

  async close(): Promise<void> {
    await this.link.close();
    this.onClose();
  }

  private async write(data: string, shown = data.replace(/\r$/, '')): Promise<void> {
    this.log.debug({ event: 'at.tx', at: redactAt(shown) }, 'AT >');
    await this.link.write(data);
  }

  private waitFor<T>(timeoutMs: number, pick: (e: AtEvent | 'closed') => T | undefined, signal?: AbortSignal): Promise<T | 'timeout' | 'aborted'> {
    return new Promise((resolve) => {
      const done = (value: T | 'timeout' | 'aborted'): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        resolve(value);
      };
      const onAbort = (): void => done('aborted');
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = (e) => {
        const value = pick(e);
        if (value !== undefined) done(value);
      };
      if (this.closed) this.waiter('closed');
    });
  }

  private onData(chunk: Buffer): void {
    for (const event of this.reader.push(chunk)) {
      this.logEvent(event);
      if (event.type === 'urc') {
        this.options.onUrc(event.pdu === undefined ? { name: event.name, line: event.line } : { name: event.name, line: event.line, pdu: event.pdu });
      } else {
        this.waiter?.(event);
      }
    }
  }

  private logEvent(event: AtEvent): void {
    const at = event.type === 'prompt' ? '> ' : redactAt(event.line) + (event.type === 'urc' && event.pdu ? ` ${event.pdu}` : '');
    this.log.debug({ event: 'at.rx', kind: event.type, at }, 'AT <');
  }

  private onClose(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (err) this.log.warn({ event: 'modem.port_closed', ...reasonOf(err) }, 'modem port closed under us (unplugged?)');
    this.waiter?.('closed');
  }
}

/** A final result as the modem said it: OK, ERROR, +CMS ERROR: 304, COMMAND NOT SUPPORT. */
export function describeFinal(result: FinalResult): string {
  if (result.kind === 'ok') return 'OK';
  if (result.kind === 'error') return 'ERROR';
  if (result.kind === 'other') return result.text;
  return `+${result.kind.toUpperCase()} ERROR: ${result.code ?? result.text}`;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

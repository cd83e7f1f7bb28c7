/*
 * at-reader.ts - splits the bytes a modem sends into AT events: command echo, information
 * lines of the command in flight, final result codes, the `> ` prompt and unsolicited result
 * codes (URCs).
 *
 * Promise: pure and incremental. Feed it chunks exactly as the port delivered them (any split,
 * any mix of \r, \n and \r\n line ends, as the Gammu dumps show) and it returns the events the
 * chunk completed; nothing is lost between chunks. It never reads a clock and never throws on
 * modem output. The caller tells it which command is in flight (`setCommand`) and whether the
 * modem echoes (`echo`); that is how a solicited `+CREG: 0,1` (answer to AT+CREG?) is told from
 * an unsolicited `+CREG: 1`.
 *
 * Rules (3GPP TS 27.007 §4.1 / V.250 §5.7: verbose results are framed by <CR><LF>):
 * - Echo: with echo on, the text before the first \r\n after a command was written is echo
 *   (ModemManager's mm_serial_parser_v1 strips it the same way), unless it is a final result
 *   or a +/^ information line: that is the answer of a modem whose echo is already off; a line
 *   equal to the command is echo wherever it lands (a URC may come before the echo).
 * - The prompt `> ` (TS 27.005 §3.5.1) comes without a line end; a partial line equal to `> `
 *   or a whole line `>`/`> ` is the prompt.
 * - Final results: OK, ERROR, +CME ERROR: <n|text>, +CMS ERROR: <n|text>, MODEM ERROR: <n>,
 *   COMMAND NOT SUPPORT, NO CARRIER, BUSY, NO ANSWER, NO DIALTONE (ModemManager's table).
 * - +CDS / +CMT / +CBM in PDU mode are two lines: header, then the PDU (TS 27.005 §3.4.1).
 */
import { classifyLine, parseFinal, type FinalResult } from './at-lines.js';

export type { FinalResult } from './at-lines.js';

export type AtEvent =
  | { readonly type: 'echo'; readonly line: string }
  | { readonly type: 'info'; readonly line: string }
  | { readonly type: 'final'; readonly line: string; readonly result: FinalResult }
  | { readonly type: 'prompt' }
  | {
      readonly type: 'urc';
      /** '+CMTI', '^RSSI', 'RING'…; '' for an unprefixed line nobody asked for. */
      readonly name: string;
      readonly line: string;
      /** The second line of a two-line URC (+CDS, +CMT, +CBM in PDU mode). */
      readonly pdu?: string;
    };

/**
 * The longest line kept whole. The longest a modem sends is a PDU line of +CMGR/+CMGL: an SMSC
 * address and a 176-octet TPDU, under 400 hex digits; 4096 leaves room for any vendor's line.
 */
export const MAX_LINE = 4096;

export class AtReader {
  /** Whether the modem echoes commands (on until ATE0 succeeds; on again after a restart). */
  echo = true;
  private command: string | undefined;
  private partial = '';
  /** Text received since the command was written, before its first \r\n (echo candidate). */
  private echoPending = false;
  private solicitedSeen = false;
  private twoLine: { name: string; line: string } | undefined;

  /** The command now in flight (`AT+CREG?`), or undefined when idle. */
  setCommand(command: string | undefined): void {
    this.command = command?.trim();
    this.echoPending = command !== undefined && this.echo;
    this.solicitedSeen = false;
  }

  get inFlight(): string | undefined {
    return this.command;
  }

  push(chunk: string | Uint8Array): AtEvent[] {
    // Modem output is ASCII (TS 27.007 §4.1); latin1 keeps each byte one character.
    this.partial += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    const events: AtEvent[] = [];
    for (;;) {
      if (this.echoPending && this.takeEcho(events)) continue;
      if (!this.echoPending && this.partial.startsWith('> ')) {
        // The prompt ends no line; what follows it (the PDU echo) starts a new one.
        this.partial = this.partial.slice(2);
        events.push({ type: 'prompt' });
        continue;
      }
      if (this.echoPending) break;
      // Only the first MAX_LINE characters are searched: a line longer than that (noise on the
      // line) is cut there, so a stream with no line end costs linear time, not quadratic.
      const found = this.partial.slice(0, MAX_LINE + 1).search(/[\r\n]/);
      const cut = found < 0;
      if (cut && this.partial.length <= MAX_LINE) break;
      const end = cut ? MAX_LINE : found;
      const line = this.partial.slice(0, end);
      this.partial = this.partial.slice(cut ? end : end + 1);
      if (line.trim() !== '') this.onLine(line, events);
    }
    return events;
  }

  /** Echo handling while nothing but echo text has arrived; true when it consumed input. */
  private takeEcho(events: AtEvent[]): boolean {
    if (this.partial.startsWith('\r\n') || this.partial.startsWith('\n')) {
      this.echoPending = false;
      return true;
    }
    // The first line end decides, whatever has arrived after it, so the events never depend on
    // how the port split the bytes into chunks.
    const lf = this.partial.slice(0, MAX_LINE + 1).indexOf('\n');
    if (lf < 0 && this.partial.length <= MAX_LINE) return false;
    if (lf < 0) {
      // no line end in MAX_LINE characters: noise, not an echo
      this.echoPending = false;
      return true;
    }
    if (this.partial[lf - 1] !== '\r') {
      // A bare \n end: only echo when the line is the command itself (Gammu dumps).
      this.echoPending = false;
      return true;
    }
    const crlf = lf - 1;
    const text = this.partial.slice(0, crlf).replace(/\r+$/, '');
    this.echoPending = false;
    // Lines ended by a bare \r before the \r\n are replies, not echo (Gammu's scripted modems).
    if (text.includes('\r')) return true;
    // A final result or an information line there is no echo: it is the answer of a modem that
    // no longer echoes and frames it without the leading \r\n (python-gsmmodem's recordings:
    // "OK\r\n"), e.g. after a re-init that assumed echo on. It is read as a line.
    if (parseFinal(text) !== undefined || /^[+^]/.test(text)) return true;
    this.partial = this.partial.slice(crlf);
    if (text.trim() !== '') events.push({ type: 'echo', line: text });
    return true;
  }

  private onLine(raw: string, events: AtEvent[]): void {
    // Leading blanks go; trailing ones stay (`+CME ERROR: ` is final, `+CME ERROR:` is not).
    const line = raw.replace(/^\s+/, '');
    if (this.twoLine) {
      const head = this.twoLine;
      this.twoLine = undefined;
      events.push({ type: 'urc', name: head.name, line: head.line, pdu: line });
      return;
    }
    if (this.command !== undefined && line.trimEnd().toUpperCase() === this.command.toUpperCase()) {
      events.push({ type: 'echo', line });
      return;
    }
    if (line.trimEnd() === '>') {
      events.push({ type: 'prompt' });
      return;
    }
    const result = parseFinal(line);
    if (result) {
      // A final result ends the command: what follows in the same read is unsolicited.
      this.command = undefined;
      events.push({ type: 'final', line, result });
      return;
    }
    const kind = classifyLine(line, this.command, this.solicitedSeen);
    if (kind.type === 'info') {
      if (kind.solicited) this.solicitedSeen = true;
      events.push({ type: 'info', line });
    } else if (kind.twoLine) {
      this.twoLine = { name: kind.name, line };
    } else {
      events.push({ type: 'urc', name: kind.name, line });
    }
  }
}

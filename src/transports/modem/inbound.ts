/*
 * inbound.ts - SMS the modem receives (SPEC 10) handed to the transport's onReceived listener,
 * and let go only once committed (transport.ts):
 * - `+CMTI: <mem>,<index>` → AT+CMGR=<index> → decode → the listener → only after it resolved,
 *   AT+CMGD=<index> (TS 27.005 §3.4.1, §3.4.3, §3.5.4);
 * - a scan, AT+CMGL=4 (§3.4.2) over "SM", the store AT+CPMS? names for received SMS (<mem3>) and
 *   any store a +CMTI/+CDSI named, at start and after every reconnect or recovery step (scan()),
 *   each listed SMS-DELIVER as above; a status report found there, or announced by
 *   `+CDSI: <mem>,<index>` (read as a +CMTI place is), goes to status-reports.ts's deliver and is
 *   deleted; an SMS-SUBMIT (<stat> 2/3, saved by someone else) is left alone;
 * - `+CMT: ,<length>` and its PDU (AT+CNMI <mt> 2) → the listener → AT+CNMA when the profile
 *   says `cnma` (§3.4.4).
 *
 * Promise: never throws into the driver's URC dispatch; every AT command goes through the
 * driver's queue (never between AT+CMGS and its PDU), AT+CPMS and the command after it in one
 * turn (driver inStore). One place is worked on by one reader at a time (StoreClaims: a +CMTI, a
 * +CDSI and a scan), and a scan leaves a place alone that was deleted since it listed it. The
 * same PDU received twice is handed over twice: recognising it is the listener's (`raw`).
 *
 * Decisions where TS 27.005 leaves the choice:
 * - A listener that rejects, or none set: the SMS stays on the SIM (logged modem.sms_kept) and
 *   is read again by the next scan: after a reconnect, when a listener is set, and, after a
 *   rejection or a failed read, `rescanMs` later (default 60 s) while anything was left. A +CMT that could not be committed is kept
 *   in memory and handed over again at each scan; on a cnma modem it is not acknowledged, so the
 *   network sends it again and the modem, which turns routing off (§3.4.4), stores it: the next
 *   scan sets AT+CNMI again before it lists. A +CMT of a modem that acknowledges by itself is the
 *   gateway's only copy: lost if the process ends first (the standard AT+CNMI stores SMS, +CMTI).
 * - A PDU that does not decode is logged (modem.sms_unreadable, with the place and the reason;
 *   the PDU is in the debug AT trace) and deleted, or acknowledged when it came by +CMT: left,
 *   it would fill the SIM, and no later read makes it readable.
 */
import { decodeDeliver } from '../../encode/index.js';
import { reasonOf, type Logger } from '../../log/index.js';
import type { ReceivedListener } from '../transport.js';
import { parseCmgl, parseCpmsStores, parseStoreIndication } from './at-replies.js';
import type { UnsolicitedEvent } from './driver.js';
import { pduOfCmgr } from './status-reports.js';
import { StoreClaims } from './store-claims.js';

/** How long after a scan or a read that left something on the SIM the store is scanned again. */
export const DEFAULT_RESCAN_MS = 60_000;

export interface InboundReaderOptions {
  readonly log: Logger;
  /** One AT command through the driver's queue (AT+CNMA, AT+CNMI, AT+CPMS?). */
  readonly command: (command: string) => Promise<string[]>;
  /** AT+CPMS="<mem>" then `command`, in one turn of the driver's queue. */
  readonly inStore: (mem: string, command: string) => Promise<string[]>;
  readonly listener: () => ReceivedListener | undefined;
  /** The profile's `cnma` flag and AT+CNMI setting, of the driver now in use. */
  readonly profile: () => { readonly cnma: boolean; readonly cnmi: string };
  /** A status report found in the store (status-reports.ts deliver). */
  readonly report: (pdu: string, source: string) => void;
  readonly rescanMs?: number;
}

export interface InboundReader {
  readonly onUrc: (urc: UnsolicitedEvent) => void;
  /** AT+CMGL=4 over the stores; resolves when the scan is done, never rejects. */
  scan(): Promise<void>;
  /** Scans now if anything was left behind (a listener was just set). */
  retry(): void;
  /** Rescans again (the transport starts, also after a stop). */
  open(): void;
  /** No more rescans (the transport stops). */
  close(): void;
}

/** waiting: no listener is set (setting one scans again); kept: the listener rejected it. */
type Handed = 'committed' | 'kept' | 'waiting' | 'unreadable';

/** TP-MTI of the TPDU after the SMSC field, SC to MS (TS 23.040 §9.2.3.1): 0 DELIVER, 1 SUBMIT (stored), 2 STATUS-REPORT. */
function tpduType(pdu: string): number | undefined {
  const smsc = Number.parseInt(pdu.slice(0, 2), 16);
  const first = Number.parseInt(pdu.slice(2 + 2 * smsc, 4 + 2 * smsc), 16);
  return Number.isNaN(first) ? undefined : first & 0x03;
}

/**
 * The PDU line of an AT+CMGR answer; a line after the +CMGR: header that is no hex (Gammu's
 * at-sms/04.dump ends it with a stray '"') is returned as it is, for the decoder to refuse.
 */
function pduLine(lines: readonly string[]): string | undefined {
  const header = lines.findIndex((l) => l.startsWith('+CMGR:'));
  return pduOfCmgr(lines) ?? (header < 0 ? undefined : lines.slice(header + 1).find((l) => l.trim() !== '')?.trim());
}

export function createInboundReader(options: InboundReaderOptions): InboundReader {
  const { log } = options;
  const claims = new StoreClaims();
  const rescanMs = options.rescanMs ?? DEFAULT_RESCAN_MS;
  /** Stores a +CMTI/+CDSI named, scanned too. */
  const heard = new Set<string>(['SM']);
  /** +CMT PDUs the listener did not take yet. */
  const direct: string[] = [];
  let leftBehind = false;
  let restoreRouting = false;
  let scanning: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  /** Something stays behind; the store is scanned again in rescanMs, unless it waits for a listener (onReceived scans then). */
  function left(waiting = false): void {
    leftBehind = true;
    if (waiting || timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void scan();
    }, rescanMs);
    timer.unref();
  }

  /** Decodes a PDU (SMSC field first) and hands it to the listener. */
  async function handOver(pdu: string, source: string): Promise<Handed> {
    const decoded = decodeDeliver(pdu, { withSmsc: true });
    if (!decoded.ok) {
      log.warn({ event: 'modem.sms_unreadable', source, reason: decoded.reason }, `received SMS at ${source} could not be read (${decoded.reason}); it is let go`);
      return 'unreadable';
    }
    const listener = options.listener();
    const sms = decoded.sms;
    const part = sms.concat ? `${sms.concat.seq}/${sms.concat.total}` : undefined;
    const about = { source, from: sms.from, encoding: sms.encoding, ...(part ? { part } : {}), ...(sms.flash ? { flash: true } : {}) };
    if (!listener) {
      log.warn({ event: 'modem.sms_kept', ...about, reason: 'nothing takes received SMS yet' }, `received SMS at ${source} kept on the modem: nothing takes received SMS yet`);
      return 'waiting';
    }
    const smscOctets = Number.parseInt(pdu.slice(0, 2), 16);
    try {
      await listener({ ...sms, raw: pdu.slice(2 + 2 * smscOctets).toUpperCase() });
    } catch (err) {
      log.warn({ event: 'modem.sms_kept', ...about, ...reasonOf(err) }, `received SMS at ${source} kept on the modem: it could not be committed`);
      return 'kept';
    }
    log.info({ event: 'modem.sms_received', ...about }, `received SMS from ${sms.from} committed`);
    return 'committed';
  }

  /** One place of a store: read (or take the listed PDU), hand over, and only then delete. */
  async function takeStored(mem: string, index: number, listed?: string): Promise<void> {
    const source = `${mem}/${index}`;
    if (!claims.claim(source, listed === undefined)) return;
    let deleted = false;
    try {
      const pdu = listed ?? pduLine(await options.inStore(mem, `AT+CMGR=${index}`));
      if (pdu === undefined) {
        log.warn({ event: 'modem.sms_read_failed', source, reason: 'AT+CMGR gave no PDU line' }, `received SMS at ${source} could not be read: no PDU line`);
        return left();
      }
      const type = tpduType(pdu);
      if (type === 1) return void log.debug({ event: 'modem.sms_skipped', source }, `${source} holds an SMS-SUBMIT saved on the SIM; left alone`);
      if (type === 2) options.report(pdu, source);
      else {
        const handed = await handOver(pdu, source);
        if (handed === 'kept' || handed === 'waiting') return left(handed === 'waiting');
      }
      await options.inStore(mem, `AT+CMGD=${index}`);
      deleted = true;
    } catch (err) {
      log.warn({ event: 'modem.sms_read_failed', source, ...reasonOf(err) }, `reading or deleting the message stored at ${source} failed`);
      left();
    } finally {
      // A +CMTI for this place while it was ours: a new SMS stored where the deleted one was.
      if (claims.release(source, deleted)) void takeStored(mem, index);
    }
  }

  async function takeDirect(pdu: string): Promise<void> {
    const handed = await handOver(pdu, '+CMT');
    const { cnma } = options.profile();
    if (handed === 'committed' || handed === 'unreadable') {
      if (cnma) await options.command('AT+CNMA').catch((err: unknown) => log.warn({ event: 'modem.sms_read_failed', source: '+CMT', ...reasonOf(err) }, 'AT+CNMA after a +CMT failed'));
      return;
    }
    // Not acknowledged, a cnma modem turns routing off and the network sends the SMS again.
    if (cnma) restoreRouting = true;
    else direct.push(pdu);
    left(handed === 'waiting');
  }

  /** The stores to list: "SM", the one received SMS go to (<mem3>), and any a URC named. */
  async function stores(): Promise<string[]> {
    const named = await options.command('AT+CPMS?').then(parseCpmsStores, () => []);
    return [...new Set([...heard, ...named.slice(2, 3)])];
  }

  async function scanStore(mem: string): Promise<void> {
    const mark = claims.mark();
    let listed;
    try {
      listed = parseCmgl(await options.inStore(mem, 'AT+CMGL=4'));
    } catch (err) {
      log.warn({ event: 'modem.sms_read_failed', source: `${mem} AT+CMGL=4`, ...reasonOf(err) }, `listing the modem's store ${mem} failed`);
      return left();
    }
    log[listed.length > 0 ? 'info' : 'debug']({ event: 'modem.sms_scan', mem, count: listed.length }, `${listed.length} message(s) in the modem's store ${mem}`);
    for (const entry of listed) {
      if (!claims.deletedSince(`${mem}/${entry.index}`, mark)) await takeStored(mem, entry.index, entry.pdu);
    }
  }

  async function scanOnce(): Promise<void> {
    leftBehind = false;
    if (restoreRouting) {
      restoreRouting = false;
      await options.command(`AT+CNMI=${options.profile().cnmi}`).catch(() => (restoreRouting = true));
    }
    for (const pdu of direct.splice(0)) await takeDirect(pdu);
    for (const mem of await stores()) await scanStore(mem);
  }

  function scan(): Promise<void> {
    if (closed) return Promise.resolve();
    if (scanning) {
      again = true;
      return scanning;
    }
    scanning = (async () => {
      do {
        again = false;
        await scanOnce().catch((err: unknown) => {
          log.warn({ event: 'modem.sms_read_failed', source: 'scan', ...reasonOf(err) }, 'scanning the modem store failed');
          left();
        });
      } while (again && !closed);
    })().finally(() => (scanning = undefined));
    return scanning;
  }

  const onUrc = (urc: UnsolicitedEvent): void => {
    if (closed) return;
    if (urc.name === '+CMT' && urc.pdu !== undefined) {
      void takeDirect(urc.pdu.trim());
      return;
    }
    const where = urc.name === '+CMTI' || urc.name === '+CDSI' ? parseStoreIndication(urc.line) : undefined;
    if (where === undefined) return;
    heard.add(where.mem);
    // A stored status report (+CDSI) is taken like a received SMS: its TPDU type sends it to `report`.
    void takeStored(where.mem, where.index);
  };

  return {
    onUrc,
    scan,
    retry() {
      if (leftBehind) void scan();
    },
    open() {
      closed = false;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/*
 * status-reports.ts - the modem's status reports turned into StatusReport events (SPEC 8):
 * `+CDS: <length>` with the PDU on the next line (AT+CNMI <ds>=1), or `+CDSI: <mem>,<index>`
 * for a report the modem stored (<ds>=2, and modems that store regardless), which is read with
 * AT+CPMS=<mem>, AT+CMGR=<index> and removed with AT+CMGD=<index> (TS 27.005 §3.4.1, §3.4.3,
 * §3.5.4).
 *
 * Promise: never throws into the driver's URC dispatch. Reading a stored report goes through
 * the driver's command queue, so it waits for an AT+CMGS under way and never interleaves with
 * it; AT+CPMS and the AT+CMGR or AT+CMGD after it take one turn of the queue (driver inStore), so
 * nothing changes the store between them. An index the received-SMS reader (inbound.ts) is
 * working on is left to it (StoreClaims); a report it finds in the store by AT+CMGL reaches
 * `deliver`. A PDU that does not decode is logged (modem.report_unreadable) and dropped; a report
 * that is read but cannot be deleted is still emitted, and the store keeps it (logged).
 */
import { classifyTpStatus, decodeStatusReport } from '../../encode/index.js';
import { reasonOf, type Logger } from '../../log/index.js';
import type { StatusReport } from '../transport.js';
import { parseStoreIndication } from './at-replies.js';
import type { UnsolicitedEvent } from './driver.js';
import type { StoreClaims } from './store-claims.js';

export interface ReportReaderOptions {
  readonly log: Logger;
  readonly emit: (report: StatusReport) => void;
  /** AT+CPMS="<mem>", then `command`, in one turn of the driver's queue; resolves with the command's information lines. */
  readonly inStore: (mem: string, command: string) => Promise<string[]>;
  /** The store indices being read or deleted, shared with the received-SMS reader. */
  readonly claims: StoreClaims;
  /** A new message was announced at a place while this reader had it: the stores are to be looked at again. */
  readonly again?: () => void;
}

export interface ReportReader {
  /** The URC handler to attach to the driver's onUnsolicited. */
  readonly onUrc: (urc: UnsolicitedEvent) => void;
  /** A status report PDU (SMSC field first) read from `source`, emitted or logged as unreadable. */
  readonly deliver: (pdu: string, source: string) => void;
}

/** `+CDSI: "SR",3` → memory and index (TS 27.005 §3.4.1). */
export function parseCdsi(line: string): { readonly mem: string; readonly index: number } | undefined {
  return /^\+CDSI:/i.test(line.trim()) ? parseStoreIndication(line) : undefined;
}

/** The StatusReport a PDU line (SMSC field first) carries, or the reason it carries none. */
export function reportOfPdu(pdu: string): { readonly ok: true; readonly report: StatusReport } | { readonly ok: false; readonly reason: string } {
  const decoded = decodeStatusReport(pdu, { withSmsc: true });
  if (!decoded.ok) return decoded;
  const { state, detail } = classifyTpStatus(decoded.report.status);
  return {
    ok: true,
    report: { messageRef: String(decoded.report.messageRef), recipient: decoded.report.recipient, state, detail, at: decoded.report.dischargeAt },
  };
}

/** The PDU line of an AT+CMGR reply: the hex line after `+CMGR: <stat>,[<alpha>],<length>`. */
export function pduOfCmgr(lines: readonly string[]): string | undefined {
  const header = lines.findIndex((l) => l.startsWith('+CMGR:'));
  return lines.slice(header + 1).find((l) => /^[0-9A-Fa-f]+$/.test(l.trim()))?.trim();
}

export function createReportReader(options: ReportReaderOptions): ReportReader {
  const { log, emit, claims } = options;
  const deliver = (pdu: string, source: string): void => {
    const result = reportOfPdu(pdu);
    if (!result.ok) {
      log.warn({ event: 'modem.report_unreadable', source, reason: result.reason }, 'status report PDU could not be read; dropped');
      return;
    }
    emit(result.report);
  };

  const readStored = async (mem: string, index: number): Promise<void> => {
    const source = `${mem}/${index}`;
    if (!claims.claim(source, true)) return;
    let deleted = false;
    try {
      const pdu = pduOfCmgr(await options.inStore(mem, `AT+CMGR=${index}`));
      if (pdu === undefined) {
        log.warn({ event: 'modem.report_unreadable', source, reason: 'AT+CMGR gave no PDU line' }, 'stored status report could not be read');
      } else {
        deliver(pdu, source);
      }
      await options.inStore(mem, `AT+CMGD=${index}`);
      deleted = true;
    } catch (err) {
      log.warn({ event: 'modem.report_unreadable', source, ...reasonOf(err) }, 'reading or deleting a stored status report failed');
    } finally {
      if (claims.release(source, deleted)) options.again?.();
    }
  };

  const onUrc = (urc: UnsolicitedEvent): void => {
    if (urc.name === '+CDS' && urc.pdu !== undefined) deliver(urc.pdu, '+CDS');
    else if (urc.name === '+CDSI') {
      const where = parseCdsi(urc.line);
      if (where !== undefined) void readStored(where.mem, where.index);
    }
  };
  return { onUrc, deliver };
}

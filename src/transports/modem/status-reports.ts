/*
 * status-reports.ts - the modem's status reports turned into StatusReport events (SPEC 8):
 * `+CDS: <length>` with the PDU on the next line (AT+CNMI <ds>=1) is read here. A report the
 * modem stored (`+CDSI: <mem>,<index>`, <ds>=2, and modems that store regardless) is read by the
 * store reader of inbound.ts, as a received SMS is (AT+CPMS=<mem>, AT+CMGR=<index>, then
 * AT+CMGD=<index>; TS 27.005 §3.4.1, §3.4.3, §3.5.4), and reaches `deliver` with its source; so do
 * the reports a scan of the stores (AT+CMGL) finds.
 *
 * Promise: never throws into the driver's URC dispatch. A PDU that does not decode is logged
 * (modem.report_unreadable) and dropped.
 */
import { classifyTpStatus, decodeStatusReport } from '../../encode/index.js';
import type { Logger } from '../../log/index.js';
import type { StatusReport } from '../transport.js';
import type { UnsolicitedEvent } from './driver.js';

export interface ReportReaderOptions {
  readonly log: Logger;
  readonly emit: (report: StatusReport) => void;
}

export interface ReportReader {
  /** The URC handler to attach to the driver's onUnsolicited. */
  readonly onUrc: (urc: UnsolicitedEvent) => void;
  /** A status report PDU (SMSC field first) read from `source`, emitted or logged as unreadable. */
  readonly deliver: (pdu: string, source: string) => void;
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
  const { log, emit } = options;
  const deliver = (pdu: string, source: string): void => {
    const result = reportOfPdu(pdu);
    if (!result.ok) {
      log.warn({ event: 'modem.report_unreadable', source, reason: result.reason }, 'status report PDU could not be read; dropped');
      return;
    }
    emit(result.report);
  };

  const onUrc = (urc: UnsolicitedEvent): void => {
    if (urc.name === '+CDS' && urc.pdu !== undefined) deliver(urc.pdu, '+CDS');
  };
  return { onUrc, deliver };
}

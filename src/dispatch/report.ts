/*
 * report.ts - a transport's status report applied to the queue (SPEC 8), and its log line.
 *
 * The dispatcher collects reports as they arrive and applies them in its next pass, inside that
 * pass's queue batch and after the send outcomes of the same pass: a report can arrive in the
 * same read as the +CMGS it answers, before the `sent` mark that carries its reference is
 * recorded. A report that matches nothing while its route still has a send to record waits for
 * a later pass (at most MAX_REPORT_PASSES); otherwise it is logged without a qid and dropped.
 */
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import type { Queue, ReportMatch } from '../queue/index.js';
import type { StatusReport, Transport } from '../transports/transport.js';
import { label } from './record.js';

/** Passes an unmatched report waits for its send's outcome to be recorded. */
export const MAX_REPORT_PASSES = 3;

export interface PendingReport {
  readonly transport: Transport;
  readonly report: StatusReport;
  /** Routes sharing the transport's reportScope: a report on one may name a send of another. */
  readonly otherRoutes: readonly string[];
  /** Passes it has already waited. */
  readonly passes: number;
}

/**
 * Applies one report; returns 'retry' when it matched nothing but may once the route's send in
 * flight is recorded (`routeBusy`). Logs `delivery.report` and counts it once per report, matched or not.
 */
export function applyReport(queue: Queue, logger: Logger, counters: GatewayCounters, pending: PendingReport, routeBusy: boolean, now: number): 'done' | 'retry' {
  const { transport, report } = pending;
  let match: ReportMatch | undefined;
  try {
    match = queue.markReport({
      route: transport.name,
      messageRef: report.messageRef,
      ...(report.otherRefs === undefined ? {} : { otherRefs: report.otherRefs }),
      ...(pending.otherRoutes.length === 0 ? {} : { otherRoutes: pending.otherRoutes }),
      recipient: report.recipient, state: report.state, detail: report.detail, ...(report.at === undefined ? {} : { at: report.at }),
    }, now);
  } catch (err) {
    logger.error({ event: 'dispatch.queue_error', err, transport: label(transport) }, 'recording a status report failed');
    return 'done';
  }
  if (match === undefined && routeBusy && pending.passes < MAX_REPORT_PASSES) return 'retry';
  counters.report(transport.name, report.state);
  const fields = { event: 'delivery.report', transport: label(transport), ref: report.messageRef, state: report.state, detail: report.detail };
  if (match === undefined) {
    logger.info({ ...fields, to: report.recipient }, 'status report matches no segment sent recently; ignored');
  } else {
    logger.info({ ...fields, qid: match.qid, seg: `${match.seqs === undefined ? match.seq : `${match.seqs[0]}-${match.seqs.at(-1)}`}/${match.total}`, to: match.to, message: match.messageState }, `status report: ${report.state}`);
  }
  return 'done';
}

/*
 * probe-report.ts - the result of an SMSC bench test (`mail2sms smpp probe`, issue 13 item 7):
 * its shape, the verdict drawn from it and the report a technician reads.
 *
 * Promise: pure. judgeSmscProbe() names the first reason the account cannot send (unreachable,
 * bind unanswered, bind refused with its command_status, enquire_link unanswered, test submit_sm
 * unanswered or refused); ready means the SMSC bound, answered enquire_link and, when a test
 * submit_sm was asked for, took it with ESME_ROK. formatSmscProbeReport() gives one line per
 * fact, the verdict last: `VERDICT: OK — …` or `VERDICT: NOT READY — <reason>`.
 */
import { commandStatusDiagnostic } from './command-status.js';

export type BindStep =
  | { readonly outcome: 'bound'; readonly smscSystemId: string }
  | { readonly outcome: 'refused'; readonly commandStatus: number; readonly statusName: string }
  | { readonly outcome: 'failed'; readonly reason: string };

export type EnquireLinkStep =
  | { readonly answered: true; readonly roundTripMs: number }
  | { readonly answered: false; readonly reason: string };

export type SubmitStep =
  | { readonly to: string; readonly answered: true; readonly commandStatus: number; readonly statusName: string; readonly messageId?: string }
  | { readonly to: string; readonly answered: false; readonly reason: string };

export interface SmscProbeReport {
  /** HOST:PORT as dialled. */
  readonly address: string;
  readonly tls: boolean;
  readonly mode: 'transceiver' | 'transmitter';
  readonly systemId: string;
  readonly systemType: string;
  /** The number a test submit_sm was asked for. */
  readonly sendTo?: string;
  /** The TCP (or TLS) connection came up. */
  readonly connected: boolean;
  readonly bind: BindStep;
  /** Absent when the bind failed. */
  readonly enquireLink?: EnquireLinkStep;
  /** Absent without sendTo, or when an earlier step failed. */
  readonly submit?: SubmitStep;
}

export interface SmscJudgment {
  readonly ready: boolean;
  /** The first reason the account cannot send; absent when ready. */
  readonly reason?: string;
  readonly verdict: string;
}

function firstReason(r: SmscProbeReport): string | undefined {
  const { bind, enquireLink, submit } = r;
  if (bind.outcome === 'failed') return r.connected ? `bind_${r.mode} unanswered: ${bind.reason}` : `unreachable: ${bind.reason}`;
  if (bind.outcome === 'refused') return `bind refused: ${commandStatusDiagnostic(bind.commandStatus)}`;
  if (enquireLink && !enquireLink.answered) return `enquire_link unanswered: ${enquireLink.reason}`;
  if (!submit) return r.sendTo === undefined ? undefined : `test submit_sm to ${r.sendTo} not sent`;
  if (!submit.answered) return `test submit_sm to ${submit.to} unanswered: ${submit.reason}`;
  if (submit.commandStatus !== 0) return `test submit_sm to ${submit.to} refused: ${commandStatusDiagnostic(submit.commandStatus)}`;
  return undefined;
}

export function judgeSmscProbe(r: SmscProbeReport): SmscJudgment {
  const reason = firstReason(r);
  if (reason !== undefined) return { ready: false, reason, verdict: `NOT READY — ${reason}` };
  return { ready: true, verdict: `OK — bound and answering enquire_link${r.submit ? '; test submit_sm taken' : ''}` };
}

/** The readable report: one line per step reached, the verdict last. */
export function formatSmscProbeReport(r: SmscProbeReport, j: SmscJudgment = judgeSmscProbe(r)): string {
  const rows: Array<[string, string]> = [
    ['SMSC', `${r.address} (${r.tls ? 'TLS' : 'plain TCP'})`],
    ['Bind', `bind_${r.mode} as system_id "${r.systemId}"${r.systemType === '' ? '' : `, system_type "${r.systemType}"`}`],
    ['Bind result', bindText(r)],
  ];
  if (r.enquireLink) rows.push(['enquire_link', r.enquireLink.answered ? `answered in ${r.enquireLink.roundTripMs} ms` : `unanswered: ${r.enquireLink.reason}`]);
  if (r.sendTo !== undefined) rows.push(['Test submit_sm', r.submit ? submitText(r.submit) : `to ${r.sendTo}: not sent (an earlier step failed)`]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  const lines = rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`);
  lines.push(`VERDICT: ${j.verdict}`);
  return `${lines.join('\n')}\n`;
}

function bindText(r: SmscProbeReport): string {
  const { bind } = r;
  if (bind.outcome === 'bound') return `bound; the SMSC answered system_id "${bind.smscSystemId}"`;
  if (bind.outcome === 'refused') return `refused: ${commandStatusDiagnostic(bind.commandStatus)}`;
  return `${r.connected ? 'connected, no bind_resp' : 'not connected'}: ${bind.reason}`;
}

function submitText(s: SubmitStep): string {
  if (!s.answered) return `to ${s.to}: unanswered: ${s.reason}`;
  return `to ${s.to}: ${commandStatusDiagnostic(s.commandStatus)}${s.messageId === undefined ? '' : `, message_id ${s.messageId}`}`;
}

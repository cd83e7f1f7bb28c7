/*
 * notifier.ts - the delivery status notifier (SPEC 8): finds mails whose destinations have all
 * ended, sends each sender one RFC 3464 report through the smarthost, and records that it went.
 *
 * The loop: every `pollMs` (and at wake()) it asks the queue for mails with an ended message whose
 * report is undecided (queue/store-dsn.ts), lets report-plan.ts decide whether the mail's report
 * is due and what it covers, renders it (report-facts.ts, delivery-report.ts) and hands it to
 * `send`. One report at a time; the dispatcher is never waited on, and it needs no change: the
 * queue is the only thing the two share.
 *
 * Promises:
 * - Never twice, never forgotten, across restarts: the decision is committed in the queue (dsn,
 *   dsn_at) right after the smarthost accepted the report, and only undecided messages are read.
 *   A crash between the smarthost's 250 and that commit sends the report again after the restart
 *   (at-least-once, as for SMS segments, SPEC 7): a duplicate notice beats a lost one.
 * - A smarthost that cannot be reached or answers 4xx: `dsn.failed` (warn) with the qids and the
 *   error, the attempt is counted in the queue, and no report is tried again before the backoff
 *   (30 s doubling to 30 min, ±10 %) ends; retried for as long as the gateway runs. A 5xx answer
 *   is permanent for that report: it is marked refused, `dsn.failed` at error level, not retried
 *   (a bounce of a bounce goes nowhere, RFC 5321 §4.5.5).
 * - Reports go with the null reverse-path, MAIL FROM:<> (RFC 5321 §4.5.5, RFC 3464 §2), so no
 *   notice is ever answered by another; never to `<>`, for NOTIFY=NEVER, or to the gateway's own
 *   addresses (report-plan.ts).
 * - Nothing escapes the loop: a queue error is logged (`dsn.queue_error`) and tried again at the
 *   next poll.
 * Limits: no `delayed` notices (NOTIFY=DELAY is not honoured); RET=FULL gets the header block.
 */
import { randomUUID } from 'node:crypto';
import { reasonOf, type Logger } from '../log/index.js';
import { nextAttemptAt, type BackoffPolicy, type DsnMessage, type DsnStore, type MailKey } from '../queue/index.js';
import { renderDeliveryReport } from './delivery-report.js';
import { originalHeadersOf, recipientBlockOf } from './report-facts.js';
import { DEFAULT_TIMING, planMailReport, reportAddressOf, type ReportPlan, type ReportTiming } from './report-plan.js';

/** A report ready for the smarthost. `from` is the envelope sender: always '' (MAIL FROM:<>). */
export interface DsnMail {
  readonly from: string;
  readonly to: string;
  readonly raw: Buffer;
}

export interface DsnNotifierOptions {
  readonly queue: DsnStore;
  readonly logger: Logger;
  /** SPEC 12 `hostname:`: the reports' Reporting-MTA and Message-ID domain. */
  readonly hostname: string;
  /** SPEC 12 `domain:`: no report goes to these; the first names a destination whose RCPT TO was not kept. */
  readonly domains: readonly string[];
  /** The reports' From address; default postmaster@<first domain>. Never a report recipient. */
  readonly from?: string;
  /** Hands a report to the smarthost; resolves once it took it. A rejection whose `responseCode` is 500 or more is permanent. */
  readonly send: (mail: DsnMail) => Promise<void>;
  readonly now?: () => number;
  /** How often to look for ended mail, ms (default 5000). */
  readonly pollMs?: number;
  /** Backoff after the smarthost failed (default 30 s doubling to 30 min, ±10 %). */
  readonly retry?: Partial<BackoffPolicy>;
  /** report-plan.ts: the least wait for a status report, and how long ended messages wait for their mail. */
  readonly timing?: Partial<ReportTiming>;
  /** Unique tokens for Message-IDs and MIME boundaries (default random UUIDs). */
  readonly token?: () => string;
  readonly random?: () => number;
}

export interface DsnNotifier {
  /** Something may have ended: look now instead of at the next poll. */
  wake(): void;
  /** Stops polling and waits for a report being handed over to finish. */
  stop(): Promise<void>;
}

export const DEFAULT_DSN_RETRY: BackoffPolicy = { baseMs: 30_000, factor: 2, maxMs: 30 * 60_000, jitter: 0.1 };
const DEFAULT_POLL_MS = 5000;
/** Mails looked at per round; a full round is followed by another at once. */
const ROUND_LIMIT = 100;

type Handled = 'held' | 'settled' | 'smarthost-failed';

/** The line main.ts logs at start when no smarthost is configured. */
export function logDsnDisabled(logger: Logger): void {
  logger.info({ event: 'dsn.disabled' }, 'no smarthost is configured: delivery status notifications are not sent; failures and confirmations are only in the log and the queue');
}

export function startDsnNotifier(options: DsnNotifierOptions): DsnNotifier {
  const { queue } = options;
  const logger = options.logger.child({ component: 'dsn' });
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const retry: BackoffPolicy = { ...DEFAULT_DSN_RETRY, ...options.retry };
  const timing: ReportTiming = { ...DEFAULT_TIMING, ...options.timing };
  const domain = options.domains[0] ?? options.hostname;
  const from = options.from ?? `postmaster@${domain}`;
  const own = { domains: options.domains, addresses: [from] };
  const token = options.token ?? (() => randomUUID().replace(/-/g, ''));
  /** Mail key -> when a message of it was first seen ended (the gather window, report-plan.ts). */
  const firstSeen = new Map<string, number>();
  let failures = 0;
  let pausedUntil = 0;
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  let again = false;

  const schedule = (ms: number): void => {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref();
  };

  function tick(): void {
    timer = undefined;
    if (round) {
      again = true;
      return;
    }
    round = runRound()
      .catch((err: unknown) => logger.error({ event: 'dsn.queue_error', err }, 'the notifier failed a round (a bug); trying again at the next poll'))
      .then((full) => {
        round = undefined;
        const soon = again || full === true;
        again = false;
        const wait = pausedUntil > now() ? Math.max(pausedUntil - now(), 0) : soon ? 0 : pollMs;
        schedule(wait);
      });
  }

  /** One pass over the due mails; true when there may be more right away. */
  async function runRound(): Promise<boolean> {
    if (now() < pausedUntil) return false;
    let keys: MailKey[];
    try {
      keys = queue.dsnDue(now(), timing.reportWaitMs, ROUND_LIMIT);
    } catch (err) {
      logger.error({ event: 'dsn.queue_error', err }, 'reading the queue for ended mail failed; trying again at the next poll');
      return false;
    }
    let settled = 0;
    for (const key of keys) {
      if (!running) return false;
      const handled = await handleMail(key);
      if (handled === 'smarthost-failed') return false;
      if (handled === 'settled') settled += 1;
    }
    return keys.length === ROUND_LIMIT && settled > 0;
  }

  async function handleMail(key: MailKey): Promise<Handled> {
    const id = `${key.mailId}\n${key.from}\n${key.createdAt}`;
    let messages: DsnMessage[];
    try {
      messages = queue.dsnMail(key);
    } catch (err) {
      logger.error({ event: 'dsn.queue_error', err, mailId: key.mailId }, 'reading a mail for its report failed');
      return 'held';
    }
    const at = now();
    const seen = firstSeen.get(id) ?? at;
    firstSeen.set(id, seen);
    const plan = planMailReport(messages, at, seen, timing);
    if (plan === undefined) return 'held';
    const result = await settle(key, messages, plan);
    if (result === 'settled') firstSeen.delete(id);
    return result;
  }

  async function settle(key: MailKey, messages: readonly DsnMessage[], plan: ReportPlan): Promise<Handled> {
    const qids = plan.report.map((r) => r.message.qid);
    // Ended messages whose outcome nobody asked to hear about are decided with no notice.
    const unreported = plan.settle.filter((qid) => !qids.includes(qid));
    if (unreported.length > 0 && !mark(unreported, 'none')) return 'held';
    if (qids.length === 0) return 'settled';
    const address = reportAddressOf(key.from, own);
    if (!address.ok) {
      logger.info({ event: 'dsn.suppressed', qids, to: key.from, reason: address.reason }, `no delivery status notification sent: ${address.reason}`);
      return mark(qids, 'none', `not sent: ${address.reason}`) ? 'settled' : 'held';
    }
    const first = plan.report[0]!.message;
    const report = renderDeliveryReport({
      hostname: options.hostname,
      from,
      to: address.to,
      date: now(),
      token: token(),
      arrivalDate: key.createdAt,
      ...(/^<[^<>\s]+>$/.test(key.mailId) ? { originalMessageId: key.mailId } : {}),
      ...(first.original.envid !== undefined ? { envid: first.original.envid } : {}),
      recipients: plan.report.map((r) => recipientBlockOf(r.message, r.outcome, domain)),
      originalHeaders: originalHeadersOf(messages, domain),
    });
    const actions = plan.report.map((r) => `${r.message.to}:${r.outcome}`);
    try {
      await options.send({ from: '', to: address.to, raw: Buffer.from(report.raw, 'utf8') });
    } catch (err) {
      return failed(qids, address.to, actions, err);
    }
    failures = 0;
    pausedUntil = 0;
    mark(qids, 'sent');
    logger.info({ event: 'dsn.sent', qids, to: address.to, outcomes: actions, messageId: report.messageId }, `delivery status notification sent to ${address.to}`);
    return 'settled';
  }

  function failed(qids: readonly string[], to: string, outcomes: readonly string[], err: unknown): Handled {
    const text = err instanceof Error ? err.message : String(err);
    const code = (err as { responseCode?: unknown } | null)?.responseCode;
    if (typeof code === 'number' && code >= 500) {
      mark(qids, 'refused', text);
      logger.error({ event: 'dsn.failed', qids, to, outcomes, permanent: true, ...reasonOf(err) }, `the smarthost refused the delivery status notification to ${to} for good; it is not sent again`);
      return 'settled';
    }
    failures += 1;
    pausedUntil = nextAttemptAt(failures, now(), retry, options.random);
    try {
      queue.noteDsnAttempt(qids, text);
    } catch (markErr) {
      logger.error({ event: 'dsn.queue_error', err: markErr, qids }, 'recording a failed report attempt failed');
    }
    logger.warn(
      { event: 'dsn.failed', qids, to, outcomes, permanent: false, retryAt: new Date(pausedUntil).toISOString(), ...reasonOf(err) },
      `the delivery status notification to ${to} could not be handed to the smarthost; trying again at ${new Date(pausedUntil).toISOString()}`,
    );
    return 'smarthost-failed';
  }

  function mark(qids: readonly string[], value: 'sent' | 'none' | 'refused', note?: string): boolean {
    try {
      queue.markDsn(qids, value, now(), note);
      return true;
    } catch (err) {
      logger.error({ event: 'dsn.queue_error', err, qids }, `recording the report decision (${value}) failed`);
      return false;
    }
  }

  schedule(0);
  return {
    wake() {
      if (!running) return;
      if (round) again = true;
      else if (now() >= pausedUntil) schedule(0);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await round;
    },
  };
}

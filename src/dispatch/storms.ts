/*
 * storms.ts - the alert-storm rules (SPEC 7) applied at the moment a message is about to start:
 * the dispatcher calls gateStart() inside its pass's batch, before it marks the segment
 * `sending`, so what the rules decide (start, wait, hold, coalesce, summarise, expire) is
 * committed with that pass and `250` still means only "committed". storm-rules.ts decides,
 * storm-text.ts makes the text, the queue (store-storm.ts) does the SQL, this logs and counts.
 *
 * The account is looked up at each decision (`accountOf`, the account store in main.ts), so a
 * `mail2sms account set … --coalesce/--max-per-hour/--max-age` takes effect without a restart.
 * Without `accountOf` (tests of other things, the CLI) no storm rule applies.
 */
import { formatDuration } from '../accounts/index.js';
import type { LongMode } from '../encode/index.js';
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import type { Queue, ReadySegment, StormFacts } from '../queue/index.js';
import { EXPIRED_STATUS } from './outcome.js';
import { decideStart, type StartDecision, type StormSettings } from './storm-rules.js';
import { fitText } from './storm-text.js';

/** What the storm rules read of an account (accounts/types.ts `Account` has all of it). */
export interface StormAccount extends StormSettings {
  readonly long: LongMode;
  readonly maxSegments: number;
  /** A summary's validity, ms. */
  readonly validityMs: number;
}

export interface StormContext {
  readonly queue: Queue;
  readonly logger: Logger;
  readonly counters: GatewayCounters;
  readonly accountOf: (name: string) => StormAccount | undefined;
  /** Called when a decision ended or rewrote messages other than the one deciding (what the caller read of them is stale). */
  readonly othersChanged?: () => void;
}

type Decided<K extends StartDecision['kind']> = Extract<StartDecision, { kind: K }>;

/**
 * Inside the pass's batch: the segment to mark `sending` now (the item, or the head of the
 * rewritten carrier or of a new summary), or undefined when the message does not go now.
 */
export function gateStart(ctx: StormContext, item: ReadySegment, now: number): ReadySegment | undefined {
  // A message that has started, past its first part or unknown: nothing to decide (the common case, no read).
  if (!item.unsent) return item;
  const account = ctx.accountOf(item.account);
  if (account === undefined) return item;
  if (item.started && account.maxAgeMs === null) return item;
  const since = account.coalesceMs === null ? undefined : now - account.coalesceMs;
  const facts = ctx.queue.stormFacts(item.segment.qid, now, since);
  if (facts === undefined) return item;
  const decision = decideStart({ facts, settings: account, started: item.started, unsent: item.unsent, now });
  switch (decision.kind) {
    case 'send':
      return item;
    case 'expire':
      return expireOld(ctx, item, decision, now);
    case 'wait':
    case 'hold':
      ctx.queue.markHeld(item.segment.qid, decision.reason, decision.until, decision.attemptAt);
      ctx.counters.held(decision.reason);
      ctx.logger.info(
        { event: 'dispatch.held', qid: item.segment.qid, to: item.segment.destination, reason: decision.reason, until: new Date(decision.until).toISOString() },
        decision.reason === 'identical' ? 'identical message sent lately: waiting for its coalesce window to end' : 'hourly cap of this number reached: held until its hour ends',
      );
      return undefined;
    case 'start':
      return start(ctx, item, facts, account, decision, now);
    case 'summarise':
      return summarise(ctx, facts, account, decision, now);
  }
}

function expireOld(ctx: StormContext, item: ReadySegment, decision: Decided<'expire'>, now: number): undefined {
  const { qid, destination } = item.segment;
  const reason = `older than the account's max age (${formatDuration(decision.maxAgeMs)}) when its turn came: accepted ${formatAge(decision.ageMs)} ago; not sent`;
  ctx.queue.expire(qid, EXPIRED_STATUS, reason, now);
  ctx.counters.expired('max-age');
  ctx.logger.info({ event: 'dispatch.max_age', qid, to: destination, dsn: EXPIRED_STATUS, status: 'bounced', age: Math.round(decision.ageMs / 1000), maxAge: Math.round(decision.maxAgeMs / 1000), reason }, 'message older than the account max age; not sent');
  return undefined;
}

function start(ctx: StormContext, item: ReadySegment, facts: StormFacts, account: StormAccount, decision: Decided<'start'>, now: number): ReadySegment | undefined {
  const { qid, destination } = item.segment;
  if (decision.expire.length > 0 || decision.absorb.length > 0) ctx.othersChanged?.();
  expireStale(ctx, decision.expire, destination, now);
  // Started first: the text's hash is that of its own text, not of the `(xN) ` one.
  ctx.queue.markStarted(qid, now, decision.window);
  if (decision.absorb.length === 0 || decision.text === undefined) return item;
  ctx.queue.markCoalesced(decision.absorb, qid, 'identical', now);
  const fitted = fitText(decision.text, account);
  const absorbed = new Set(decision.absorb);
  const statusReport = facts.message.statusReport || facts.identical.some((c) => absorbed.has(c.qid) && c.statusReport);
  ctx.queue.rewriteParts(qid, fitted.encoding, fitted.parts, account.long === 'concatenate', statusReport, now);
  ctx.counters.coalesced('identical', decision.absorb.length);
  ctx.logger.info(
    { event: 'dispatch.coalesced', qid, to: destination, count: decision.count, absorbed: decision.absorb, segments: fitted.parts.length, ...(fitted.dropped > 0 ? { dropped: fitted.dropped } : {}) },
    `identical messages to this number go out once, as (x${decision.count})`,
  );
  return ctx.queue.headOf(qid);
}

function summarise(ctx: StormContext, facts: StormFacts, account: StormAccount, decision: Decided<'summarise'>, now: number): ReadySegment | undefined {
  const { to } = facts.message;
  ctx.othersChanged?.();
  expireStale(ctx, decision.expire, to, now);
  const held = new Set(decision.held);
  const carried = [facts.message, ...facts.heldEnded].filter((m, i, all) => held.has(m.qid) && all.findIndex((o) => o.qid === m.qid) === i);
  const fitted = fitText(decision.text, account);
  const summary = ctx.queue.insertSummary(
    {
      account: facts.message.account,
      to,
      encoding: fitted.encoding,
      parts: fitted.parts,
      concatenated: account.long === 'concatenate' && fitted.parts.length > 1,
      priority: Math.max(...carried.map((m) => m.priority)),
      validUntil: now + account.validityMs,
      statusReport: carried.some((m) => m.statusReport),
    },
    now,
  );
  ctx.queue.markCoalesced(decision.held, summary, 'hourly-cap', now);
  ctx.queue.markStarted(summary, now, decision.window);
  ctx.counters.coalesced('hourly-cap', decision.held.length);
  ctx.counters.summaryQueued();
  ctx.logger.info(
    { event: 'dispatch.summary', qid: summary, to, count: decision.held.length, held: decision.held, last: decision.last, segments: fitted.parts.length, ...(fitted.dropped > 0 ? { dropped: fitted.dropped } : {}) },
    `hour of this number ended with ${decision.held.length} messages held: one summary SMS sent for them`,
  );
  return ctx.queue.headOf(summary);
}

/** Candidates the rules found past their validity: ended as nextSendable() ends an expired head. */
function expireStale(ctx: StormContext, qids: readonly string[], to: string, now: number): void {
  const reason = 'validity ended before it could be sent';
  for (const qid of qids) {
    ctx.queue.expire(qid, EXPIRED_STATUS, reason, now);
    ctx.counters.expired('validity');
    ctx.logger.info({ event: 'delivery.expired', qid, to, dsn: EXPIRED_STATUS, status: 'bounced', reason }, 'message expired unsent');
  }
}

function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m}m` : `${Math.round(m / 60)}h`;
}

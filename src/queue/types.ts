/*
 * types.ts - the values the queue takes from the accept path and hands to the dispatcher and
 * the CLI. Plain data; the store behind them is store.ts.
 */
import type { QueueWritable } from './write-health.js';
import type { Encoding, SmsPart } from '../encode/types.js';
import type { OutboundSegment } from '../transports/transport.js';
import type { DsnMark, HoldReason, QueueState } from './migrations.js';

export type { DsnMark, HoldReason, QueueState };

/** One part as the encode stage made it; the queue adds destination, concat and TP-SRR. */
export type NewPart = Omit<SmsPart, 'destination' | 'concat' | 'statusReport' | 'encoding'>;

/** One mail × destination, to be committed before the SMTP `250` (SPEC 7). */
export interface NewMessage {
  readonly mailId: string;
  /** '+' and digits (E.164). */
  readonly to: string;
  readonly from: string;
  readonly account: string;
  readonly userEmail: string;
  readonly encoding: Encoding;
  readonly parts: readonly NewPart[];
  /** The parts carry a concatenation UDH (SPEC 6 `long: concatenate`); the queue allocates the ref. */
  readonly concatenated: boolean;
  /** 0 normal, 1 high (X-Priority: 1, Importance: high). Higher goes first. */
  readonly priority: number;
  /** ms since the epoch; after it the message expires unsent. */
  readonly validUntil: number;
  readonly statusReport: boolean;
  readonly notify: { readonly success: boolean; readonly failure: boolean };
  /** The user's sender ID (accounts' parseSenderId), for a transport that can set the originator. */
  readonly senderId?: string;
  /** What the delivery status notification (SPEC 8) quotes of the mail; optional, kept as given. */
  readonly original?: OriginalMail;
  /** The mail's own Message-ID (`<...>`) when it had one; `mailId` is then the same, otherwise made up. */
  readonly messageId?: string;
  /** The mail's Subject, decoded (an answer to the alert is `Re:` it, SPEC 10). */
  readonly subject?: string;
  /** Where an answer to this alert goes: the mail's Reply-To address, else its header From address. */
  readonly replyAddr?: string;
}

/**
 * The alert an inbound SMS answers (SPEC 10): the newest message to its number that may have
 * reached the phone (Queue.lastAlertTo).
 */
export interface AlertRef {
  readonly qid: string;
  readonly account: string;
  /** The user who sent the alert. */
  readonly userEmail: string;
  /** Where the answer goes: the alert mail's Reply-To, else its From; the user's address for messages queued before this was kept. */
  readonly replyAddr: string;
  /** The alert mail's Subject; undefined when it had none (or it was queued before subjects were kept). */
  readonly subject: string | undefined;
  /** The alert mail's own Message-ID (`<...>`), for In-Reply-To and References; undefined when it had none. */
  readonly messageId: string | undefined;
  /** When the alert was accepted, ms since the epoch. */
  readonly createdAt: number;
}

/** The original mail as the DSN names it (RFC 3464 §2.2, §2.3; RFC 3461 §4.2, §4.4). */
export interface OriginalMail {
  /** RCPT TO as the client gave it, for Final-Recipient. */
  readonly rcpt?: string;
  /** RFC 3461 ORCPT (`rfc822;addr`, xtext decoded), for Original-Recipient. */
  readonly orcpt?: string;
  /** RFC 3461 ENVID (xtext decoded), for Original-Envelope-Id. */
  readonly envid?: string;
  /** The mail's header block (CRLF or LF lines, no blank line), for the text/rfc822-headers part. */
  readonly headers?: string;
}

/** The next segment to send, with what the dispatcher needs to judge its outcome. */
export interface ReadySegment {
  readonly segment: OutboundSegment;
  readonly account: string;
  readonly createdAt: number;
  readonly validUntil: number;
  /** Attempts made before this one. */
  readonly attempts: number;
  /** The message's first segment was picked before (the alert-storm rules have decided it). */
  readonly started: boolean;
  /** No part of the message can have gone out: this is its first part, queued (not unknown). */
  readonly unsent: boolean;
  /** The segment is unknown (it may have gone out) and sent again. */
  readonly resending: boolean;
}

/** `queue list --json` entries (SPEC 12). */
export interface MessageSummary {
  readonly id: string;
  readonly state: QueueState;
  readonly to: string;
  readonly from: string;
  readonly segments: number;
  /** ISO 8601. */
  readonly created: string;
}

export interface SegmentDetail {
  readonly seq: number;
  readonly state: QueueState;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly messageRef: string | null;
  readonly route: string | null;
  readonly sentAt: string | null;
  readonly lastStatus: string | null;
  readonly lastDiagnostic: string | null;
  /** When the part reached its final state: the report's discharge time for delivered/failed/expired by report. */
  readonly finalAt: string | null;
  /** The text this part carries ('' for 8-bit data). */
  readonly text: string;
}

export interface MessageDetail extends MessageSummary {
  readonly mailId: string;
  readonly account: string;
  readonly userEmail: string;
  readonly encoding: Encoding;
  readonly concatRef: number | null;
  readonly priority: number;
  readonly validUntil: string;
  readonly statusReport: boolean;
  readonly notify: { readonly success: boolean; readonly failure: boolean };
  readonly lastError: string | null;
  readonly finalAt: string | null;
  /** The SMS text, every part's joined ('' for 8-bit data). */
  readonly text: string;
  /** The delivery status notification; null for a message that has no row for it. */
  readonly notice: NoticeDetail | null;
  /** Alert storms (SPEC 7): what the storm rules did with it. */
  readonly storm: StormDetail;
  readonly parts: readonly SegmentDetail[];
}

/** `queue show`: a message's alert-storm facts (SPEC 7; docs/alert-storms.md). */
export interface StormDetail {
  /** `summary`: made by the dispatcher when a number's hour ended with messages held by its cap. */
  readonly kind: 'mail' | 'summary';
  /** When its first segment was first picked for sending; null while it has not started. */
  readonly startedAt: string | null;
  /** Coalesced: the message its text went out in, and why (identical text, or held by the hourly cap). */
  readonly coalescedInto: string | null;
  readonly coalesceReason: HoldReason | null;
  /** Waiting, not started: for the coalesce window of an identical message, or for its number's hour to end. */
  readonly heldReason: HoldReason | null;
  readonly heldUntil: string | null;
  /** Messages that went out in this one (ended `coalesced` into it); 0 for most. */
  readonly carried: number;
}

/** A message about to start, as the alert-storm rules (dispatch/storm-rules.ts) see it. */
export interface StormMessage {
  readonly qid: string;
  readonly account: string;
  readonly to: string;
  readonly kind: 'mail' | 'summary';
  readonly createdAt: number;
  readonly validUntil: number;
  readonly priority: number;
  readonly statusReport: boolean;
  readonly encoding: Encoding;
  /** Its parts joined; undefined for a message that is not ordinary text (x-smpp: binary, UDH, DCS given). */
  readonly text: string | undefined;
  readonly heldReason: HoldReason | null;
  readonly heldUntil: number | null;
}

/** Another message not started yet, as a coalescing or summary candidate. */
export interface StormCandidate {
  readonly qid: string;
  readonly createdAt: number;
  readonly validUntil: number;
  readonly statusReport: boolean;
  readonly priority: number;
  readonly text: string;
}

/** What the queue knows around a message about to start (read inside the dispatcher's batch). */
export interface StormFacts {
  readonly message: StormMessage;
  /** Latest start of an identical message (account, number, text) at or after `identicalSince`. */
  readonly lastIdenticalStartAt: number | undefined;
  /** Other messages to that number of that account, not started, of the same ordinary text. */
  readonly identical: readonly StormCandidate[];
  /** The number's hour window (account max_per_hour), if one was ever opened. */
  readonly window: { readonly openedAt: number; readonly started: number } | undefined;
  /** Messages of this account and number held by the hourly cap whose hold has ended (this one included). */
  readonly heldEnded: readonly StormCandidate[];
}

/** A message the dispatcher makes itself (the hourly summary), for StormMarks.insertSummary. */
export interface NewSummary {
  readonly account: string;
  readonly to: string;
  readonly encoding: Encoding;
  readonly parts: readonly string[];
  readonly concatenated: boolean;
  readonly priority: number;
  readonly validUntil: number;
  readonly statusReport: boolean;
}

/**
 * The alert-storm reads and marks (SPEC 7), called by the dispatcher inside its batch; each mark
 * is its own savepoint there. The rules are in dispatch/storm-rules.ts; these only do the SQL.
 */
export interface StormStore {
  /** undefined for an unknown id. `identicalSince`: undefined when the account does not coalesce. */
  stormFacts(qid: string, now: number, identicalSince: number | undefined): StormFacts | undefined;
  /** Its first segment is about to be picked: records the start, and opens or counts the hour window when given. */
  markStarted(qid: string, now: number, window: { readonly openedAt: number; readonly started: number } | undefined): void;
  /** Not started; waits until `until` (its next attempt is at `attemptAt`, at most its validity end). */
  markHeld(qid: string, reason: HoldReason, until: number, attemptAt: number): void;
  /** These messages end `coalesced`: their text went out in `into`. */
  markCoalesced(qids: readonly string[], into: string, reason: HoldReason, now: number): void;
  /** A message not started gets new text (the `(xN) ` count): its parts are replaced. */
  rewriteParts(qid: string, encoding: Encoding, parts: readonly string[], concatenated: boolean, statusReport: boolean, now: number): void;
  /** Queues the hourly summary; returns its queue id. */
  insertSummary(summary: NewSummary, now: number): string;
  /** The next segment of one message, as nextReady() would give it (after a rewrite or a new summary). */
  headOf(qid: string): ReadySegment | undefined;
}

/** SPEC 8: `pending` (not decided yet), `sent` to the smarthost, `none` (not asked for, or `<>`), `refused` by the smarthost. */
export interface NoticeDetail {
  readonly state: DsnMark | 'pending';
  readonly at: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
}

export interface FailureMark {
  readonly temporary: boolean;
  /** RFC 3463 status. */
  readonly status: string;
  readonly diagnostic: string;
  /** Temporary only: when to try again. */
  readonly nextAttemptAt?: number;
}

/** A status report as a transport gave it (SPEC 8), to be matched to the segment it names. */
export interface ReportMark {
  /** The route that sent the segment: each modem or SMSC counts its own references. */
  readonly route: string;
  readonly messageRef: string;
  /** Other spellings of the reference (an SMSC's id in hex and in decimal). */
  readonly otherRefs?: readonly string[];
  /** Other routes the send may have left by (binds to the same SMSC account share receipts). */
  readonly otherRoutes?: readonly string[];
  /** TP-RA / the receipt's destination: '+' and digits, or national digits. */
  readonly recipient: string;
  /** `pending`: the SC is still trying; recorded as a note, the state is kept. */
  readonly state: 'delivered' | 'failed' | 'expired' | 'pending';
  /** TP-ST or the SMPP message_state, for the DSN and the log. */
  readonly detail: string;
  /** Discharge time (ms since the epoch) when the report gives one; else the time it arrived. */
  readonly at?: number;
}

/** The segment a report matched, and where it and its message stand now. */
export interface ReportMatch {
  readonly qid: string;
  readonly seq: number;
  /** Every part the report settled, when its send carried several (a message sent whole). */
  readonly seqs?: readonly number[];
  readonly total: number;
  readonly to: string;
  /** The report changed the segment's state (false: pending, or the segment was already final). */
  readonly changed: boolean;
  readonly segmentState: QueueState;
  readonly messageState: QueueState;
}

export interface RecoveryPolicy {
  /** SPEC 7: resend a segment that may have gone out (default true: duplicates over loss). */
  readonly resendUnknown: boolean | ((account: string) => boolean);
}

export interface RecoveryResult {
  /** Segments found in flight at open. */
  readonly unknown: number;
  /** Of those, the ones queued to go out again. */
  readonly resent: number;
}

export interface Backlog {
  /** Segments of messages not ended yet, by state (a state with none is absent). */
  readonly segments: Partial<Record<QueueState, number>>;
  /** Acceptance time (ms) of the oldest message not ended yet; undefined when none is open. */
  readonly oldestOpenAt: number | undefined;
}

export interface QueueStats {
  /** Transactions that committed accepted messages. */
  readonly commits: number;
  /** enqueue() calls resolved. */
  readonly calls: number;
  /** Messages committed by enqueue(). */
  readonly enqueued: number;
}

/**
 * The state changes the dispatcher and start-up make. Called alone, each is its own committed
 * transaction; called inside Queue.batch(), each is a savepoint (a failing mark undoes only
 * itself) and all are committed together when the batch returns.
 */
export interface QueueMarks {
  markSending(qid: string, seq: number, route: string, now: number): void;
  /** `reportAsked`: the upstream will report on it though the message asked for no report (store-dsn.ts waits for it). */
  markSent(qid: string, seq: number, messageRef: string, route: string, now: number, reportAsked?: boolean): void;
  markFailed(qid: string, seq: number, failure: FailureMark, now: number): void;
  /** `resendAt` schedules a resend; undefined leaves the segment unknown for good. */
  markUnknown(qid: string, seq: number, diagnostic: string, resendAt: number | undefined, now: number): void;
  /**
   * The upstream throttled the send: the segment is back in the state it was picked in
   * (`queued`, or `unknown` when it was being resent), due at `at`, and the attempt that
   * markSending counted is taken back (a throttled send did not leave).
   */
  markThrottled(qid: string, seq: number, back: 'queued' | 'unknown', throttle: { readonly status: string; readonly diagnostic: string; readonly at: number }, now: number): void;
  /** Ends a message whose validity passed: every unsent part becomes expired. */
  expire(qid: string, status: string, diagnostic: string, now: number): void;
  /**
   * A status report: the newest segment sent on `route` in the last few days with that
   * reference and destination becomes delivered, failed or expired. Undefined when none matches.
   */
  markReport(report: ReportMark, now: number): ReportMatch | undefined;
  /** Daemon start only: segments left `sending` by a crash become unknown (SPEC 7). */
  recover(policy: RecoveryPolicy, now: number): RecoveryResult;
}

/** One mail as the queue knows it: its messages share the mail id, the sender and the acceptance time. */
export interface MailKey {
  readonly mailId: string;
  readonly from: string;
  readonly createdAt: number;
}

/** A part as the DSN reports it; times in ms since the epoch. */
export interface DsnPart {
  readonly seq: number;
  readonly state: QueueState;
  readonly attempts: number;
  readonly route: string | null;
  readonly messageRef: string | null;
  readonly sentAt: number | null;
  /** When it reached a final state (for a report: the discharge time it gave). */
  readonly finalAt: number | null;
  readonly lastStatus: string | null;
  readonly lastDiagnostic: string | null;
}

/** One message (mail × destination) with what its delivery status notification needs. */
export interface DsnMessage {
  readonly qid: string;
  readonly mailId: string;
  readonly to: string;
  readonly from: string;
  readonly state: QueueState;
  readonly createdAt: number;
  readonly validUntil: number;
  /** When nothing more was to be sent (the queue's final_at); null while parts wait. */
  readonly finalAt: number | null;
  readonly statusReport: boolean;
  readonly notify: { readonly success: boolean; readonly failure: boolean };
  readonly original: OriginalMail;
  /** The notifier's record: mark null while undecided. */
  readonly dsn: { readonly mark: DsnMark | null; readonly at: number | null; readonly attempts: number; readonly error: string | null };
  readonly parts: readonly DsnPart[];
  /** A `coalesced` message: the one its text went out in, whose outcome its notice follows (SPEC 7). */
  readonly carrier?: DsnCarrier;
}

/** The message a coalesced one went out in, as its notice reports it. */
export interface DsnCarrier {
  readonly qid: string;
  readonly state: QueueState;
  readonly kind: 'mail' | 'summary';
  readonly validUntil: number;
  readonly finalAt: number | null;
  readonly statusReport: boolean;
  /** Why the message went out in it: same text within the coalesce window, or held by the hourly cap. */
  readonly reason: HoldReason;
  /** Messages that ended coalesced into it (the count its text gives is this plus one for an `identical` carrier). */
  readonly carried: number;
  readonly parts: readonly DsnPart[];
}

/** What the DSN notifier (SPEC 8) reads and records. Each mark is its own transaction. */
export interface DsnStore {
  /**
   * Mails with a message that has ended (nothing more to send), whose report is undecided, and
   * that waits for no status report: a message `sent` with TP-SRR set waits until the later of
   * its validity end and `reportWaitMs` after its last part went out. Oldest ending first.
   */
  dsnDue(now: number, reportWaitMs: number, limit?: number): MailKey[];
  /** Every message of one mail, in queue id order, with its parts. */
  dsnMail(key: MailKey): DsnMessage[];
  /**
   * Records the decision for messages still undecided (a decided one is left as it is); counts a
   * hand-over to the smarthost for 'sent' and 'refused'. Returns how many messages it changed.
   */
  markDsn(qids: readonly string[], mark: DsnMark, now: number, note?: string): number;
  /** A hand-over that failed for now: counts the attempt and keeps the error; the decision stays open. */
  noteDsnAttempt(qids: readonly string[], error: string): void;
}

/** `queue retry`: the message is waiting again; `parts` were queued again (or made due now). */
export interface RetryResult {
  readonly id: string;
  readonly previous: QueueState;
  readonly state: QueueState;
  readonly parts: number;
  /** ISO 8601: the validity, renewed when it would have ended sooner than its length from now. */
  readonly validUntil: string;
}

/** `queue cancel`: `parts` will never be sent; `inFlight` parts are being sent and are let finish. */
export interface CancelResult {
  readonly id: string;
  readonly previous: QueueState;
  readonly state: 'cancelled';
  readonly parts: number;
  readonly inFlight: number;
}

/** `queue purge`: final messages deleted (and their segments); `kept`: final before the time but kept (notice undecided, or carrier of one kept). */
export interface PurgeResult {
  /** ISO 8601. */
  readonly before: string;
  readonly messages: number;
  readonly segments: number;
  readonly byState: Partial<Record<QueueState, number>>;
  readonly kept: number;
}

/** `queue stats`: what an operator asks first. Times ISO 8601. */
export interface QueueOverview {
  /** Every message in the file by state (each state present, 0 when none). */
  readonly messages: Readonly<Record<QueueState, number>>;
  readonly segments: Readonly<Record<QueueState, number>>;
  /** Messages not ended yet. */
  readonly open: number;
  readonly oldestOpen: string | null;
  readonly oldestOpenAgeSeconds: number | null;
  /** The earliest scheduled attempt of an open message. */
  readonly nextAttemptAt: string | null;
  /** The earliest end of a final message: what a purge could take. */
  readonly oldestFinal: string | null;
}

/** What an operator does to the queue (store-action.ts); each is one transaction. */
export interface QueueActions {
  /** Throws M2S_QUEUE_NOT_FOUND, or M2S_QUEUE_WRONG_STATE for a message in flight, sent, delivered or coalesced. */
  retry(id: string, now: number): RetryResult;
  /** Throws M2S_QUEUE_NOT_FOUND, or M2S_QUEUE_WRONG_STATE for a final message or one whose remaining parts are all in flight. */
  cancel(id: string, now: number): CancelResult;
  /**
   * Deletes final messages that ended before `before` (ms since the epoch). `keepUndecided` (default
   * true) keeps those whose delivery notice is not decided yet; false on a box that makes no notices.
   */
  purge(before: number, options?: { readonly keepUndecided?: boolean }): PurgeResult;
  overview(now: number): QueueOverview;
}

export interface Queue extends QueueMarks, DsnStore, StormStore, QueueActions {
  /**
   * Runs `work` in one transaction and commits it (one fsync) before returning; reads inside
   * see the batch's own marks. If `work` throws or the commit fails, nothing in it is kept.
   */
  batch<T>(work: () => T): T;
  /** Resolves with one queue id per message, in order, only after the commit (group commit). */
  enqueue(messages: readonly NewMessage[]): Promise<string[]>;
  nextReady(now: number, excludeQids?: ReadonlySet<string>): ReadySegment | undefined;
  /**
   * Up to `limit` ready heads in send order, each of another message, none of `excludeQids`:
   * what `limit` nextReady() calls would give if each head were marked `sending` in turn (the
   * dispatcher fills several free slots with one read). May be short while more are ready
   * (heads past the ready query's window): a second call gives those.
   */
  readyBatch(now: number, excludeQids: ReadonlySet<string>, limit: number): ReadySegment[];
  /**
   * Every part of an open message, in seq order, when all of them can go together now: none
   * out (sent, delivered, unknown and not resent), failed or in flight, each due. Otherwise
   * undefined (a transport that sends whole messages then takes the head alone).
   */
  wholeMessage(qid: string, now: number): readonly ReadySegment[] | undefined;
  /** Earliest scheduled attempt of a segment that is next in its message; undefined if none. */
  nextWakeAt(): number | undefined;
  list(options?: { readonly limit?: number; readonly state?: QueueState }): MessageSummary[];
  /** Throws GatewayError M2S_QUEUE_NOT_FOUND for an unknown id. */
  show(id: string): MessageDetail;
  /** SMS segments `userEmail` had accepted since `since` (ms), failed and expired ones not counted (SPEC 2 quota). */
  segmentsSince(userEmail: string, since: number): number;
  /** Segments of open messages by state, and the oldest open message (for /metrics, /healthz). */
  backlog(): Backlog;
  /**
   * Inbound SMS (SPEC 10): the alert an SMS from `number` ('+' and digits, as destinations are
   * stored) answers: the newest message of a mail to that number accepted at or after `since`
   * (ms) of which a part may have reached the phone (sent, delivered or unknown); undefined
   * when there is none.
   */
  lastAlertTo(number: string, since: number): AlertRef | undefined;
  stats(): QueueStats;
  /** Whether the file could be written at the last write (write-health.ts); cheap, for /healthz. */
  writable(): QueueWritable;
  close(): Promise<void>;
}

/*
 * index.ts - the queue stage's public face: the durable store and its pure helpers.
 */
export { openQueue, type OpenQueueOptions } from './store.js';
export { DSN_MARKS, HOLD_REASONS, MIGRATIONS, STATES, migrate, type DsnMark, type HoldReason, type QueueState } from './migrations.js';
export { DEFAULT_BACKOFF, isExpired, nextAttemptAt, type BackoffPolicy } from './backoff.js';
export { deriveMessageState, type DerivedState, type SegmentStateView } from './message-state.js';
export { chooseConcatRef, CONCAT_REF_SPACE, type RefChoice } from './concat-ref.js';
export { createQueueIdGenerator, isQueueId, type QueueIdGenerator } from './queue-id.js';
export { storageFailure, type QueueWritable } from './write-health.js';
export { REPORT_WINDOW_MS, sameRecipient } from './report-match.js';
export type {
  AlertRef,
  CancelResult,
  PurgeResult,
  QueueActions,
  QueueOverview,
  RetryResult,
  Backlog,
  DsnCarrier,
  DsnMessage,
  DsnPart,
  DsnStore,
  FailureMark,
  MailKey,
  MessageDetail,
  MessageSummary,
  NewMessage,
  NewSummary,
  NoticeDetail,
  NewPart,
  OriginalMail,
  Queue,
  QueueStats,
  ReadySegment,
  RecoveryPolicy,
  RecoveryResult,
  ReportMark,
  ReportMatch,
  SegmentDetail,
  StormCandidate,
  StormDetail,
  StormFacts,
  StormMessage,
  StormStore,
} from './types.js';

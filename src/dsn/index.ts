export * from './mailer.js';
export { renderVerdictReport } from './verdict-report.js';
export type { VerdictReport, VerdictReportInput } from './verdict-report.js';
export { renderDeliveryReport, type DeliveryReport, type DeliveryReportInput } from './delivery-report.js';
export { headerBlockOf, MAX_HEADER_BLOCK_BYTES } from './header-block.js';
export { coalescedNote, originalHeadersOf, recipientBlockOf, UNKNOWN_STATUS, type CoalescedFacts, type RecipientBlock } from './report-facts.js';
export {
  DEFAULT_TIMING,
  isRequested,
  outcomeOf,
  planMailReport,
  reportAddressOf,
  reportWaitEnds,
  type OwnAddresses,
  type RecipientOutcome,
  type ReportAddress,
  type ReportPlan,
  type ReportTiming,
} from './report-plan.js';
export { DEFAULT_DSN_RETRY, logDsnDisabled, startDsnNotifier, type DsnMail, type DsnNotifier, type DsnNotifierOptions } from './notifier.js';

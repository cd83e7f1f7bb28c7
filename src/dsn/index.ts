export * from './mailer.js';
export { renderVerdictReport } from './verdict-report.js';
export type { VerdictReport, VerdictReportInput, JudgedCriterion } from './verdict-report.js';

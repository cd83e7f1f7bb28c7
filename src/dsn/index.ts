export * from './mailer.js';
export { renderVerdictReport } from './verdict-report.js';
export type { VerdictReport, VerdictReportInput } from './verdict-report.js';

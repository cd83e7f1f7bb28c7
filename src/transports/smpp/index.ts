/*
 * index.ts - the SMPP upstream's entry (SPEC 9): the route as a Transport, the session that keeps a bind up, and the
 * names of command_status values. Nothing outside this folder imports its inner files.
 */
export { SmppSession, type SmppSessionOptions, type SessionHealth, type SessionState, type SubmitOptions, type SubmitResult, type BindMode } from './session.js';
export { statusName, statusValue } from './status-names.js';
export type { PDU } from 'smpp';
export { createSmppTransport, readPasswordFile, type SmppTransportOptions } from './transport.js';
export { probeSmsc, PROBE_TEXT, type SmscProbeOptions } from './probe.js';
export { formatSmscProbeReport, judgeSmscProbe, type SmscJudgment, type SmscProbeReport } from './probe-report.js';
export { tlsConnection } from './link.js';

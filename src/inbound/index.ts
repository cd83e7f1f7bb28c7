/*
 * index.ts - the inbound stage (SPEC 10): SMS received by a modem or an SMSC, reassembled when
 * concatenated, kept in SQLite and mailed through the smarthost.
 */
export { COMPONENT, INBOUND_STATES, migrate, type InboundState } from './migrations.js';
export { assembleParts, missingPartMark, missingParts, type Assembled, type WaitingPart } from './reassemble.js';
export { createReceiver, DUPLICATE_WINDOW_MS, type ReceiveResult, type Receiver } from './store-receive.js';

/*
 * index.ts - the inbound stage (SPEC 10): SMS received by a modem or an SMSC, reassembled when
 * concatenated, kept in SQLite and mailed through the smarthost.
 */
export { COMPONENT, INBOUND_STATES, migrate, type InboundState } from './migrations.js';
export { assembleParts, missingPartMark, missingParts, type Assembled, type WaitingPart } from './reassemble.js';
export { createReceiver, DUPLICATE_WINDOW_MS, type ReceiveResult, type Receiver } from './store-receive.js';
export { openInboundStore, type InboundStore, type OpenInboundStoreOptions } from './store.js';
export type { InboundRecord } from './store-mail.js';
export { DEFAULT_PART_WAIT_MS, startInboundForwarder, type InboundForwarder, type InboundForwarderOptions } from './forwarder.js';
export { planInboundMail, type InboundMail, type InboundSettings, type InboundSms } from './mail-plan.js';

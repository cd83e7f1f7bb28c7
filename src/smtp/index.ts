/*
 * smtp/index.ts - the SMTP stage's public API: the listener, its typed hook contract and the
 * named replies hooks throw to refuse.
 */
export { createSmtpServer } from './server.js';
export { SMTP_SERVER_GREETING_DELAY_MS } from './early-talker.js';
export * as replies from './replies.js';
export { smtpLimits, type SmtpLimits, type SmtpLimitKeys } from './limits.js';
export type {
  Envelope,
  EnvelopeRecipient,
  SmtpHooks,
  SmtpSession,
  SmtpServerOptions,
  SmtpServerHandle,
} from './types.js';

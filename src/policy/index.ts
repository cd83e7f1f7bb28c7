/*
 * policy/index.ts - the policy stage's public API: pure decisions taken at RCPT time (SPEC 4).
 */
export { parseRecipient, EXPECTED_SHAPE, FULLWIDTH_PLUS } from './numbering.js';
export type { NumberingPlan, NumberParse } from './numbering.js';
export {
  checkRecipient,
  splitAddress,
  quoteForReply,
  unknownDomainReply,
  badNumberReply,
  fullwidthPlusReply,
} from './recipient.js';
export type { SmtpReply, RecipientPolicy, RecipientCheck, RecipientRefusal } from './recipient.js';
export { parseIp, parseCidr, cidrContains, ipAllowed } from './cidr.js';
export type { Cidr } from './cidr.js';

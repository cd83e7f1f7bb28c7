/*
 * policy/index.ts - the policy stage's public API: pure decisions taken at MAIL, RCPT and after
 * DATA (SPEC 2, 4, 7): recipient shape, sender, AUTH, client IP, closed user group, quota, rate.
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
export {
  firstRefusal,
  checkSenderKnown,
  checkClientForAccount,
  checkAuthentication,
  checkMailFrom,
  checkHeaderFrom,
  checkClosedUserGroup,
  checkQuota,
  unknownSenderReply,
  nullSenderReply,
  clientNotAllowedForAccountReply,
  fromMismatchReply,
  authRequiredReply,
  authMismatchReply,
  outsideCugReply,
  quotaExhaustedReply,
  quotaTooSmallReply,
  showForReply,
} from './gate.js';
export type { GateDecision, GateRefusal, MailFromFacts, QuotaFacts } from './gate.js';
export { checkOneFrom } from './header-from.js';
export type { FromFieldFacts } from './header-from.js';
export { refill, takeToken, rateLimitReply, createRateLimiter } from './token-bucket.js';
export type { BucketState, TokenTake, RateLimit, RateLimiter } from './token-bucket.js';

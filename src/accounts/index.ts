/*
 * accounts/index.ts - accounts and users (SPEC 2): their values, their rules, the SQLite store,
 * passwords, and the import/export plan.
 */
export * from './types.js';
export { openAccountStore } from './store.js';
export type { AccountStore, OpenAccountStoreOptions } from './store.js';
export { hashPassword, verifyPasswordHash, SCRYPT_PARAMS } from './password.js';
export {
  parseAccountName,
  parseEmail,
  parseSenderId,
  SENDER_ID_UNUSED,
  parseJudgment,
  parseCugNumber,
  parseAllowIp,
  parseChoice,
  parseCount,
  parseRate,
  parseYesNo,
  parseDuration,
  formatDuration,
  parsePasswordHash,
  checkAccount,
  checkUser,
} from './validate.js';
export type { Parsed, PasswordHashParts } from './validate.js';
export { checkProvisionDoc, planImport, countPlan, buildExport } from './provision.js';
export type { Change, ImportPlan } from './provision.js';

/*
 * store.ts - accounts and users in the gateway's SQLite file (`<state_dir>/mail2sms.db`, SPEC 12),
 * beside the queue, on a connection of their own (WAL, synchronous=FULL, busy_timeout).
 *
 * Promise: nothing invalid is stored (validate.ts checks every record before it is written, and
 * the table CHECKs back it up); a user always belongs to an existing account, and an account with
 * users cannot be removed (the error names them); an import is validated whole and then applied
 * in ONE transaction, so a bad document changes nothing.
 *
 * Seed: when the tables are created (the first open of a new file), the account `default` and the
 * user `alerts@localhost` are inserted exactly as DEFAULT_ACCOUNT and DEFAULT_USER, so a fresh box
 * accepts mail from loopback as SPEC 12 says. A removed `default` is not seeded again.
 *
 * Safe beside a running gateway: the CLI opens the same file; reads see committed rows (WAL).
 */
import { GatewayError } from '../errors.js';
import { logModeChange, type Logger } from '../log/index.js';
import { openDatabase, withDbErrors } from '../state/index.js';
import { migrate } from './migrations.js';
import { verifyPasswordHash } from './password.js';
import { buildExport, checkProvisionDoc, countPlan, planImport } from './provision.js';
import { prepareRows, type Rows } from './store-rows.js';
import {
  ACCOUNT_DEFAULTS,
  DEFAULT_ACCOUNT,
  DEFAULT_USER,
  USER_DEFAULTS,
  type Account,
  type AccountInput,
  type AccountPatch,
  type ImportResult,
  type ProvisionDoc,
  type User,
  type UserInput,
  type UserPatch,
} from './types.js';
import { checkAccount, checkUser, parseEmail } from './validate.js';

export interface OpenAccountStoreOptions {
  /** The SQLite file, or ':memory:' (a store holding only the seed, for read commands on a new box). */
  readonly path: string;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** How long a writer waits for another connection's lock, ms (default 5000). */
  readonly busyTimeoutMs?: number;
}

export interface AccountStore {
  addAccount(input: AccountInput): Account;
  setAccount(name: string, patch: AccountPatch): Account;
  /** Refused (M2S_ACCOUNT_IN_USE, naming them) while the account has users. */
  removeAccount(name: string): void;
  getAccount(name: string): Account | undefined;
  listAccounts(): Account[];
  /** Every account's `allowIps` entries, each once: who may connect at all (one column read). */
  allowedNetworks(): string[];
  addUser(input: UserInput): User;
  setUser(email: string, patch: UserPatch): User;
  removeUser(email: string): void;
  /** The user of a sender address, any case. */
  getUser(email: string): User | undefined;
  listUsers(filter?: { readonly account?: string }): User[];
  /** The user of a sender address and its account: what the policy gate needs at MAIL FROM. */
  findSender(email: string): { readonly user: User; readonly account: Account } | undefined;
  /** SMTP AUTH: false for an unknown user, a user without a password, or a wrong password. */
  verifyPassword(email: string, password: string): Promise<boolean>;
  exportAll(): ProvisionDoc;
  /** Validates the whole document (M2S_IMPORT_INVALID), then adds or updates in one transaction. */
  importAll(doc: ProvisionDoc): ImportResult;
  close(): void;
}

/** Verified against when the user is unknown, so a wrong address costs as long as a wrong password. */
const DUMMY_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

export function openAccountStore(options: OpenAccountStoreOptions): AccountStore {
  const now = options.now ?? Date.now;
  const logger = options.logger?.child({ component: 'accounts' });
  const db = openDatabase(options.path, { busyTimeoutMs: options.busyTimeoutMs ?? 5000, ...(logger ? { onModeChange: (c) => logModeChange(logger, c) } : {}) });
  // Statements are prepared once the tables exist (the seed runs inside the migration).
  let prepared: Rows | undefined;
  const getRows = (): Rows => (prepared ??= prepareRows(db));
  const before = withDbErrors(options.path, () =>
    migrate(db, () => {
      getRows().insertAccount(DEFAULT_ACCOUNT, now());
      getRows().insertUser(DEFAULT_USER, now());
    }),
  );
  const rows = getRows();
  if (before === 0) logger?.info({ event: 'accounts.seeded', account: DEFAULT_ACCOUNT.name, user: DEFAULT_USER.email }, 'new accounts tables: seeded the default account and user');
  const inTransaction = db.transaction((work: () => unknown) => work());
  const tx = <T>(work: () => T): T => inTransaction.immediate(work) as T;

  return {
    ...accountMethods(rows, now, tx),
    ...userMethods(rows, now, tx),
    findSender(email) {
      const user = rows.getUser(email.trim().toLowerCase());
      const account = user && rows.getAccount(user.account);
      return user && account ? { user, account } : undefined;
    },
    async verifyPassword(email, password) {
      const hash = rows.getUser(email.trim().toLowerCase())?.passwordHash;
      const matches = await verifyPasswordHash(hash ?? DUMMY_HASH, password);
      return hash !== undefined && matches;
    },
    exportAll: () => tx(() => buildExport(rows.listAccounts(), rows.listUsers())),
    importAll(doc) {
      const problems = checkProvisionDoc(doc);
      if (problems.length > 0) throw new GatewayError('M2S_IMPORT_INVALID', `nothing imported:\n  ${problems.join('\n  ')}`);
      const result = tx(() => applyImport(rows, doc, now()));
      logger?.info({ event: 'accounts.imported', ...result }, 'provisioning imported');
      return result;
    },
    close: () => db.close(),
  };
}

type Tx = <T>(work: () => T) => T;

function applyImport(rows: Rows, doc: ProvisionDoc, at: number): ImportResult {
  const plan = planImport(doc, rows.getAccount, rows.getUser);
  for (const { value, change } of plan.accounts) {
    if (change === 'add') rows.insertAccount(value, at);
    if (change === 'update') rows.updateAccount(value, at);
  }
  for (const { value, change } of plan.users) {
    if (change === 'add') rows.insertUser(value, at);
    if (change === 'update') rows.updateUser(value, at);
  }
  return countPlan(plan);
}

function accountMethods(rows: Rows, now: () => number, tx: Tx) {
  const existing = (name: string): Account => {
    const account = rows.getAccount(name);
    if (!account) throw new GatewayError('M2S_ACCOUNT_NOT_FOUND', `no account "${name}"`);
    return account;
  };
  return {
    addAccount: (input: AccountInput): Account =>
      tx(() => {
        const account = validAccount({ ...ACCOUNT_DEFAULTS, ...defined(input), name: input.name });
        if (rows.getAccount(account.name)) throw new GatewayError('M2S_ACCOUNT_EXISTS', `account "${account.name}" already exists`);
        rows.insertAccount(account, now());
        return account;
      }),
    setAccount: (name: string, patch: AccountPatch): Account =>
      tx(() => {
        const account = validAccount({ ...existing(name), ...defined(patch), name });
        rows.updateAccount(account, now());
        return account;
      }),
    removeAccount: (name: string): void =>
      tx(() => {
        existing(name);
        const users = rows.listUsers(name).map((u) => u.email);
        if (users.length > 0) {
          throw new GatewayError('M2S_ACCOUNT_IN_USE', `account "${name}" still has ${users.length} user(s): ${users.join(', ')}; remove or move them first`);
        }
        rows.deleteAccount(name);
      }),
    getAccount: (name: string): Account | undefined => rows.getAccount(name),
    listAccounts: (): Account[] => rows.listAccounts(),
    allowedNetworks: (): string[] => rows.allowedNetworks(),
  };
}

function userMethods(rows: Rows, now: () => number, tx: Tx) {
  const key = (email: string): string => email.trim().toLowerCase();
  const needAccount = (name: string): void => {
    if (!rows.getAccount(name)) throw new GatewayError('M2S_ACCOUNT_NOT_FOUND', `no account "${name}"`);
  };
  return {
    addUser: (input: UserInput): User =>
      tx(() => {
        const email = parseEmail(input.email);
        if (!email.ok) throw new GatewayError('M2S_USER_INVALID', `user: email: ${email.message}`);
        const user = validUser({ ...USER_DEFAULTS, ...defined(input), account: input.account, email: email.value });
        needAccount(user.account);
        if (rows.getUser(user.email)) throw new GatewayError('M2S_USER_EXISTS', `user "${user.email}" already exists`);
        rows.insertUser(user, now());
        return user;
      }),
    setUser: (email: string, patch: UserPatch): User =>
      tx(() => {
        const current = rows.getUser(key(email));
        if (!current) throw new GatewayError('M2S_USER_NOT_FOUND', `no user "${email}"`);
        const merged = Object.fromEntries(Object.entries({ ...current, ...defined(patch) }).filter(([, v]) => v !== null));
        const user = validUser(merged as unknown as User);
        needAccount(user.account);
        rows.updateUser(user, now());
        return user;
      }),
    removeUser: (email: string): void =>
      tx(() => {
        if (!rows.deleteUser(key(email))) throw new GatewayError('M2S_USER_NOT_FOUND', `no user "${email}"`);
      }),
    getUser: (email: string): User | undefined => rows.getUser(key(email)),
    listUsers: (filter: { readonly account?: string } = {}): User[] => {
      if (filter.account !== undefined) needAccount(filter.account);
      return rows.listUsers(filter.account);
    },
  };
}

function validAccount(account: Account): Account {
  const problems = checkAccount(account);
  if (problems.length > 0) throw new GatewayError('M2S_ACCOUNT_INVALID', `account "${account.name}": ${problems.join('; ')}`);
  return account;
}

function validUser(user: User): User {
  const problems = checkUser(user);
  if (problems.length > 0) throw new GatewayError('M2S_USER_INVALID', `user "${user.email}": ${problems.join('; ')}`);
  return user;
}

/** The keys whose value is not undefined, so a patch leaves out what it does not set. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/*
 * provision.ts - what an import changes, decided over plain values (SPEC 2: `mail2sms import` /
 * `export` provision many boxes alike).
 *
 * Promise: pure. An import is additive and idempotent: each account and user in the document is
 * added when missing, updated when any stored value differs, and otherwise left unchanged;
 * accounts and users that are not in the document are never touched. An entry in the document is
 * the whole record (a field left out takes its default, a password left out means none), so a box
 * imported from another box's export ends up with exactly that box's records.
 *
 * The YAML form (keys, line numbers) belongs to src/config/provision.ts; the store applies the plan
 * in one transaction (store.ts).
 */
import { checkAccount, checkUser } from './validate.js';
import type { Account, ProvisionDoc, User } from './types.js';

export type Change = 'add' | 'update' | 'same';

export interface ImportPlan {
  readonly accounts: ReadonlyArray<{ readonly value: Account; readonly change: Change }>;
  readonly users: ReadonlyArray<{ readonly value: User; readonly change: Change }>;
}

/** Every problem of a document as "accounts[i].field: message", duplicates included; empty when valid. */
export function checkProvisionDoc(doc: ProvisionDoc): string[] {
  const problems: string[] = [];
  const accountAt = new Map<string, number>();
  const userAt = new Map<string, string>();
  doc.accounts.forEach(({ account, users }, i) => {
    const where = `accounts[${i}]`;
    problems.push(...checkAccount(account).map((p) => `${where}.${p}`));
    const first = accountAt.get(account.name);
    if (first !== undefined) problems.push(`${where}.name: account "${account.name}" is already in accounts[${first}]`);
    else accountAt.set(account.name, i);
    users.forEach((user, j) => {
      const at = `${where}.users[${j}]`;
      problems.push(...checkUser(user).map((p) => `${at}.${p}`));
      if (user.account !== account.name) problems.push(`${at}.account: "${user.account}" is not the account it is listed under ("${account.name}")`);
      const seen = userAt.get(user.email);
      if (seen !== undefined) problems.push(`${at}.email: user "${user.email}" is already in ${seen}`);
      else userAt.set(user.email, at);
    });
  });
  return problems;
}

/** Decides, for each record of `doc`, whether it is new, changed or the same as stored. */
export function planImport(
  doc: ProvisionDoc,
  storedAccount: (name: string) => Account | undefined,
  storedUser: (email: string) => User | undefined,
): ImportPlan {
  const changeOf = <T extends object>(value: T, stored: T | undefined): Change =>
    stored === undefined ? 'add' : canonical(stored) === canonical(value) ? 'same' : 'update';
  return {
    accounts: doc.accounts.map(({ account }) => ({ value: account, change: changeOf(account, storedAccount(account.name)) })),
    users: doc.accounts.flatMap(({ users }) => users.map((u) => ({ value: u, change: changeOf(u, storedUser(u.email)) }))),
  };
}

/** The counts an import reports, accounts and users together. */
export function countPlan(plan: ImportPlan): { added: number; updated: number; unchanged: number } {
  const all = [...plan.accounts, ...plan.users];
  const count = (c: Change): number => all.filter((x) => x.change === c).length;
  return { added: count('add'), updated: count('update'), unchanged: count('same') };
}

/** The document for `export`: accounts by name, each with its users by email. */
export function buildExport(accounts: readonly Account[], users: readonly User[]): ProvisionDoc {
  return {
    accounts: [...accounts]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((account) => ({ account, users: users.filter((u) => u.account === account.name).sort((a, b) => a.email.localeCompare(b.email)) })),
  };
}

/** JSON with keys sorted and absent optionals dropped: equal records give equal strings. */
function canonical(value: object): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

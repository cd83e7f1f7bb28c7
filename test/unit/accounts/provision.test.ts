/*
 * The provisioning file (SPEC 2, 12: `mail2sms import` / `export`): defaults for keys left out,
 * every bad key or value named with its path and file line, the export read back unchanged, and
 * the pure import plan (added / updated / unchanged).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT, DEFAULT_USER, buildExport, countPlan, planImport, type ProvisionDoc } from '../../../src/accounts/index.js';
import { ProvisionInvalidError, formatProvisionYaml, parseProvisionText } from '../../../src/config/index.js';

function problemsOf(text: string): readonly string[] {
  try {
    parseProvisionText(text, 'boxes.yaml');
  } catch (err) {
    if (err instanceof ProvisionInvalidError) return err.problems;
    throw err;
  }
  throw new Error('file was accepted');
}

const GOOD = `accounts:
  - name: acme
    quota: 500
    cug: ["+447973100000", 818012345678]
    allow_ips: [10.0.0.0/8]
    users:
      - email: Ops@Acme.example
        dkim: p
        sender_id: ACME
`;

describe('reading a provisioning file', () => {
  it('fills keys left out with the defaults and normalises values', () => {
    const doc = parseProvisionText(GOOD, 'boxes.yaml');
    expect(doc.accounts).toHaveLength(1);
    const { account, users } = doc.accounts[0]!;
    expect(account).toEqual({ ...DEFAULT_ACCOUNT, name: 'acme', quota: 500, cug: ['+447973100000', '+818012345678'], allowIps: ['10.0.0.0/8'] });
    expect(users).toEqual([{ email: 'ops@acme.example', account: 'acme', senderId: 'ACME', dkim: 'PASS', spf: 'GRAY', dmarc: 'GRAY' }]);
  });

  it('takes an account\'s transliterate choice, off when left out (SPEC 6)', () => {
    const on = parseProvisionText(GOOD.replace('    quota: 500\n', '    quota: 500\n    transliterate: true\n'), 'boxes.yaml');
    expect(on.accounts[0]!.account.transliterate).toBe(true);
    expect(parseProvisionText(GOOD, 'boxes.yaml').accounts[0]!.account.transliterate).toBe(false);
  });

  it('takes condense, overflow and the storm settings, with their defaults when left out (SPEC 5, 6, 7)', () => {
    const set = parseProvisionText(GOOD.replace('    quota: 500\n', '    quota: 500\n    condense: off\n    overflow: refuse\n    coalesce: off\n    max_per_hour: 20\n    max_age: 90m\n'), 'boxes.yaml');
    expect(set.accounts[0]!.account).toMatchObject({ condense: 'off', overflow: 'refuse', coalesceMs: null, maxPerHour: 20, maxAgeMs: 5_400_000 });
    expect(parseProvisionText(GOOD, 'boxes.yaml').accounts[0]!.account).toMatchObject({ condense: 'auto', overflow: 'truncate', coalesceMs: 60_000, maxPerHour: null, maxAgeMs: null });
  });

  it('takes inbound, reply_to_alert_sender and reply_window, with their defaults when left out (SPEC 10, 12)', () => {
    const set = parseProvisionText(GOOD.replace('    quota: 500\n', '    quota: 500\n    inbound: NOC-SMS@Acme.example\n    reply_to_alert_sender: false\n    reply_window: 2h\n'), 'boxes.yaml');
    expect(set.accounts[0]!.account).toMatchObject({ inbound: 'noc-sms@acme.example', replyToAlertSender: false, replyWindowMs: 7_200_000 });
    expect(parseProvisionText(GOOD, 'boxes.yaml').accounts[0]!.account).toMatchObject({ inbound: null, replyToAlertSender: true, replyWindowMs: 86_400_000 });
    for (const none of ['none', 'null']) {
      expect(parseProvisionText(GOOD.replace('    quota: 500\n', `    quota: 500\n    inbound: ${none}\n`), 'boxes.yaml').accounts[0]!.account.inbound).toBeNull();
    }
  });

  it.each([
    ['inbound: nobody', 'boxes.yaml:4: accounts[0].inbound: "nobody" is not an email address (user@domain)'],
    ['reply_window: 24', 'boxes.yaml:4: accounts[0].reply_window: "24" is not a duration (a whole number above 0 and a unit: ms, s, m, h or d, e.g. 60s or 2h)'],
    ['reply_window: none', 'boxes.yaml:4: accounts[0].reply_window: "none" is not a duration (a whole number above 0 and a unit: ms, s, m, h or d, e.g. 60s or 2h)'],
    ['reply_to_alert_sender: maybe', 'boxes.yaml:4: accounts[0].reply_to_alert_sender: expected true or false, got "maybe"'],
  ])('names %j with its path and line', (line, expected) => {
    expect(problemsOf(GOOD.replace('    quota: 500\n', `    quota: 500\n    ${line}\n`))).toEqual([expected]);
  });

  it('names a coalesce window that is not a duration with its path and line', () => {
    expect(problemsOf(GOOD.replace('    quota: 500\n', '    quota: 500\n    coalesce: 60\n'))).toEqual([
      'boxes.yaml:4: accounts[0].coalesce: "60" is not a duration (a whole number above 0 and a unit: ms, s, m, h or d, e.g. 60s or 2h)',
    ]);
  });

  it('names a transliterate value that is not a boolean with its path and line', () => {
    const problems = problemsOf(GOOD.replace('    quota: 500\n', '    quota: 500\n    transliterate: sometimes\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^boxes\.yaml:4: accounts\[0\]\.transliterate: /);
  });

  it('names an unknown key with its path and line', () => {
    expect(problemsOf(`${GOOD}        colour: red\n`)).toEqual(['boxes.yaml:10: accounts[0].users[0].colour: unknown key']);
  });

  it('names a bad judgment with its path and line, and says what is expected', () => {
    const text = GOOD.replace('dkim: p', 'dkim: MAYBE');
    expect(problemsOf(text)).toEqual(['boxes.yaml:8: accounts[0].users[0].dkim: "MAYBE" is not PASS, GRAY or FAIL (or P, G, F)']);
  });

  it('points at the list item for a bad closed-user-group number', () => {
    const text = 'accounts:\n  - name: a\n    cug:\n      - "+447973100000"\n      - "07973 100000"\n';
    expect(problemsOf(text)).toEqual(['boxes.yaml:5: accounts[0].cug[1]: "07973 100000" is not an international number (\'+\', country code and number, 8 to 15 digits)']);
  });

  it('reports every problem of the file at once', () => {
    const text = 'accounts:\n  - name: a\n    compose: poem\n    max_segments: 300\n    users:\n      - email: nobody\n';
    expect(problemsOf(text).map((p) => p.split(': ')[0]!.replace('boxes.yaml:', '') + ' ' + p.split(': ')[1])).toEqual([
      '3 accounts[0].compose',
      '4 accounts[0].max_segments',
      '6 accounts[0].users[0].email',
    ]);
  });

  it('refuses an account or a user listed twice, naming where it first appeared', () => {
    const text = 'accounts:\n  - name: a\n    users: [{ email: x@y.z }]\n  - name: a\n    users: [{ email: X@Y.Z }]\n';
    expect(problemsOf(text)).toEqual([
      'boxes.yaml:4: accounts[1].name: account "a" is already in accounts[0]',
      'boxes.yaml:5: accounts[1].users[0].email: user "x@y.z" is already in accounts[0].users[0]',
    ]);
  });

  it('refuses a password hash that export would not have written', () => {
    expect(problemsOf('accounts:\n  - name: a\n    users:\n      - email: x@y.z\n        password_hash: hunter2\n')[0]).toMatch(/^boxes\.yaml:5: accounts\[0\]\.users\[0\]\.password_hash: /);
  });

  it('says when the file is not YAML, and when it has no accounts list', () => {
    expect(problemsOf('accounts: [unclosed\n')[0]).toMatch(/^boxes\.yaml: not valid YAML/);
    expect(problemsOf('account: []\n')).toEqual(['boxes.yaml:1: accounts: missing key', 'boxes.yaml:1: account: unknown key']);
  });
});

describe('writing a provisioning file', () => {
  it('reads back what it wrote, every field equal', () => {
    const doc: ProvisionDoc = {
      accounts: [
        { account: { ...DEFAULT_ACCOUNT, name: 'acme', quota: 7, cug: ['+447973100000'], append: ' -- ACME: 24/7', tps: 0.5, allowIps: ['::1/128'], transliterate: true, condense: 'off', overflow: 'refuse', coalesceMs: 90_000, maxPerHour: 3, maxAgeMs: 1500, inbound: 'sms@a.b', replyToAlertSender: false, replyWindowMs: 90 * 60_000 }, users: [{ email: 'o@a.b', account: 'acme', senderId: '+447973100000', dkim: 'PASS', spf: 'FAIL', dmarc: 'GRAY', quota: 0, tps: 2, passwordHash: `scrypt$16384$8$1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}` }] },
        { account: DEFAULT_ACCOUNT, users: [DEFAULT_USER] },
      ],
    };
    const text = formatProvisionYaml(doc);
    expect(text).toContain('password_hash: scrypt$16384$8$1$');
    expect(text).toContain('transliterate: true');
    expect(text).toMatch(/inbound: sms@a\.b\n\s+reply_to_alert_sender: false\n\s+reply_window: 90m\n/);
    expect(text).toMatch(/inbound: none\n\s+reply_to_alert_sender: true\n\s+reply_window: 1d\n/);
    expect(parseProvisionText(text, 'export.yaml')).toEqual(doc);
  });
});

describe('planning an import', () => {
  const doc = buildExport([DEFAULT_ACCOUNT, { ...DEFAULT_ACCOUNT, name: 'acme' }], [DEFAULT_USER, { ...DEFAULT_USER, email: 'o@a.b', account: 'acme' }]);

  it('adds what is missing, updates what differs and leaves the rest unchanged', () => {
    const stored = new Map([['default', DEFAULT_ACCOUNT], ['acme', { ...DEFAULT_ACCOUNT, name: 'acme', quota: 3 }]]);
    const plan = planImport(doc, (n) => stored.get(n), (e) => (e === DEFAULT_USER.email ? DEFAULT_USER : undefined));
    expect(plan.accounts.map((a) => [a.value.name, a.change])).toEqual([['acme', 'update'], ['default', 'same']]);
    expect(plan.users.map((u) => [u.value.email, u.change])).toEqual([['o@a.b', 'add'], ['alerts@localhost', 'same']]);
    expect(countPlan(plan)).toEqual({ added: 1, updated: 1, unchanged: 2 });
  });

  it('treats a password left out of the file as a change for a user who has one', () => {
    const withPassword = { ...DEFAULT_USER, passwordHash: 'scrypt$x' };
    const plan = planImport(doc, () => DEFAULT_ACCOUNT, (e) => (e === DEFAULT_USER.email ? withPassword : undefined));
    expect(plan.users.find((u) => u.value.email === DEFAULT_USER.email)?.change).toBe('update');
  });
});

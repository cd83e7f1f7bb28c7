import { describe, expect, it } from 'vitest';
import { renderVerdictReport, type VerdictReportInput } from '../../../src/dsn/index.js';

const base: VerdictReportInput = {
  hostname: 'gw.example.lan',
  mode: 'dns',
  user: { email: 'nagios@example.com', account: 'ops', dkim: 'PASS', spf: 'GRAY', dmarc: 'GRAY', quota: null },
  account: { compose: 'subject+body', long: 'concatenate', plan: 'e164', maxSegments: 10, quota: 500, cug: [], append: '' },
  checks: {
    kind: 'judged',
    dkim: { judgment: 'GRAY', reason: 'no DKIM signature' },
    spf: { judgment: 'PASS', reason: 'SPF pass for 192.0.2.10' },
    dmarc: { judgment: 'GRAY', reason: 'no DMARC record for example.com and SPF passed' },
  },
  decision: { send: false, reasons: ['DKIM GRAY is below your minimum PASS: no DKIM signature'] },
  preview: { ok: true, text: 'Disk full\nhost db1', encoding: 'gsm7', segments: 1 },
  original: { subject: 'test', messageId: '<t1@example.com>' },
};

describe('the verdict@ reply (SPEC 3)', () => {
  it('gives the three judgments with reasons, the minimums, the decision and the SMS preview', () => {
    const r = renderVerdictReport(base);
    expect(r.subject).toBe('Verdict: sms would not be sent (Re: test)');
    expect(r.text).toContain('Decision: SMS WOULD NOT BE SENT\n  - DKIM GRAY is below your minimum PASS: no DKIM signature');
    expect(r.text).toMatch(/DKIM +GRAY +minimum PASS +TOO LOW +no DKIM signature/);
    expect(r.text).toMatch(/SPF +PASS +minimum GRAY +ok +SPF pass for 192\.0\.2\.10/);
    expect(r.text).toMatch(/DMARC +GRAY +minimum GRAY +ok /);
    expect(r.text).toContain('quota: 500 SMS segments per 24 hours (the account default)');
    expect(r.text).toContain('SMS preview (GSM 7-bit, 1 segment):\n  | Disk full\n  | host db1');
  });

  it('shows how the mail became the SMS: what condensing left out and truncation cut (issue 11 item 3)', () => {
    const work = ['condensed: recognised as monit, 2 piece(s) left out; 2 segment(s) before, 1 after', '  - sign-off: Your faithful employee,'];
    const r = renderVerdictReport({ ...base, preview: { ok: true, text: 'Disk full', encoding: 'gsm7', segments: 1, work } });
    expect(r.text).toContain('SMS preview (GSM 7-bit, 1 segment):\n  | Disk full\n\nHow the mail became this SMS:\n  condensed: recognised as monit, 2 piece(s) left out; 2 segment(s) before, 1 after\n    - sign-off: Your faithful employee,\n');
    expect(renderVerdictReport(base).text).not.toContain('How the mail became this SMS');
  });

  it('says whether the user\'s sender ID is used on this box', () => {
    const user = { ...base.user, senderId: 'ACME' };
    expect(renderVerdictReport({ ...base, user: { ...user, senderIdUsed: true } }).text).toMatch(/^  sender ID: ACME$/m);
    expect(renderVerdictReport({ ...base, user: { ...user, senderIdUsed: false } }).text).toContain("  sender ID: ACME (not used on this box: no route here is SMPP, and a modem sends from its SIM's own number)");
  });

  it('is an automatic reply threaded to the test mail (RFC 3834)', () => {
    expect(renderVerdictReport(base).headers).toEqual({ 'Auto-Submitted': 'auto-replied', 'In-Reply-To': '<t1@example.com>', References: '<t1@example.com>' });
  });

  it('says when the mail was not checked or could not be judged, and when there is no SMS to preview', () => {
    const notChecked = renderVerdictReport({ ...base, mode: 'trusted-ip', checks: { kind: 'not-checked', reason: 'The client address 127.0.0.1 is allowed.' }, decision: { send: true, reasons: [] } });
    expect(notChecked.text).toContain('Mail checks (verdict mode trusted-ip): not checked. The client address 127.0.0.1 is allowed.');
    expect(notChecked.subject).toBe('Verdict: sms would be sent (Re: test)');
    const temp = renderVerdictReport({ ...base, checks: { kind: 'temperror', reason: 'SPF: DNS timeout' }, preview: { ok: false, reason: 'the mail has no text' } });
    expect(temp.text).toContain('451 4.7.0');
    expect(temp.text).toContain('SMS preview: none, the mail has no text');
  });
});

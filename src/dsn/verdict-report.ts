/*
 * verdict-report.ts - the reply to a mail sent to `verdict@<domain>` (SPEC 3): what the gateway
 * thought of it, as a plain-text mail.
 *
 * Pure: the caller judged the mail, drafted the SMS and looked up the user; this only renders.
 * The reply gives the three judgments with their reasons, the user's minimums and the account's
 * settings, the decision (would an SMS be sent, and if not, why), and a preview of the SMS (text,
 * encoding, segment count, and what condensing left out and truncation cut, SPEC 5). It is an automatic reply (RFC 3834 §5: Auto-Submitted: auto-replied)
 * threaded to the test mail (In-Reply-To, References), so no auto-responder answers it again.
 */

import { SENDER_ID_UNUSED } from '../accounts/index.js';
import { meets, type Judged, type Judgment } from '../verdict/index.js';

export interface VerdictReportInput {
  /** The gateway's name, in the subject's "from" and the signature. */
  readonly hostname: string;
  readonly mode: 'dns' | 'records' | 'relay' | 'trusted-ip';
  readonly user: {
    readonly email: string;
    readonly account: string;
    readonly dkim: Judgment;
    readonly spf: Judgment;
    readonly dmarc: Judgment;
    readonly quota: number | null;
    readonly senderId?: string;
    /** false: no route of this box can set a sender (no SMPP route). */
    readonly senderIdUsed?: boolean;
  };
  readonly account: {
    readonly compose: string;
    readonly long: string;
    readonly plan: string;
    readonly maxSegments: number;
    readonly quota: number | null;
    readonly cug: readonly string[];
    readonly append: string;
  };
  readonly checks:
    | { readonly kind: 'judged'; readonly dkim: Judged; readonly spf: Judged; readonly dmarc: Judged }
    | { readonly kind: 'temperror'; readonly reason: string }
    | { readonly kind: 'not-checked'; readonly reason: string };
  /** Would the SMS go out; `reasons` says why not (empty when it would). */
  readonly decision: { readonly send: boolean; readonly reasons: readonly string[] };
  readonly preview:
    | {
        readonly ok: true;
        readonly text: string;
        readonly encoding: string;
        readonly segments: number;
        /** What condensing left out and truncation cut, one line each, as `mail2sms preview` says it. */
        readonly work?: readonly string[];
      }
    | { readonly ok: false; readonly reason: string };
  readonly original: { readonly subject?: string; readonly messageId?: string };
}

export interface VerdictReport {
  readonly subject: string;
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
}

export function renderVerdictReport(input: VerdictReportInput): VerdictReport {
  const decision = input.decision.send ? 'SMS WOULD BE SENT' : 'SMS WOULD NOT BE SENT';
  const lines = [
    `This is the verdict of ${input.hostname} on your test mail${input.original.subject ? ` "${oneLine(input.original.subject)}"` : ''}.`,
    'No SMS was sent: mail to verdict@ is only judged.',
    '',
    `Decision: ${decision}`,
    ...input.decision.reasons.map((r) => `  - ${r}`),
    '',
    ...checkLines(input),
    '',
    `Your settings (user ${input.user.email}, account ${input.user.account}):`,
    `  minimum DKIM ${input.user.dkim}, SPF ${input.user.spf}, DMARC ${input.user.dmarc}`,
    `  quota: ${quotaText(input.user.quota ?? input.account.quota)}${input.user.quota !== null ? ' (your own)' : input.account.quota !== null ? ' (the account default)' : ''}`,
    ...(input.user.senderId ? [`  sender ID: ${input.user.senderId}${input.user.senderIdUsed === false ? ` ${SENDER_ID_UNUSED}` : ''}`] : []),
    `  compose: ${input.account.compose}, long messages: ${input.account.long}, at most ${input.account.maxSegments} segments`,
    `  numbering plan: ${input.account.plan}`,
    `  closed user group: ${input.account.cug.length > 0 ? input.account.cug.join(', ') : 'not enabled'}`,
    `  appended text: ${input.account.append ? `"${input.account.append}"` : 'none'}`,
    '',
    ...previewLines(input.preview),
    '',
    `-- ${input.hostname} (mail2sms)`,
  ];
  const headers: Record<string, string> = { 'Auto-Submitted': 'auto-replied' };
  if (input.original.messageId) {
    headers['In-Reply-To'] = input.original.messageId;
    headers['References'] = input.original.messageId;
  }
  return { subject: `Verdict: ${decision.toLowerCase()}${input.original.subject ? ` (Re: ${oneLine(input.original.subject)})` : ''}`, text: `${lines.join('\n')}\n`, headers };
}

function checkLines(input: VerdictReportInput): string[] {
  const c = input.checks;
  if (c.kind === 'not-checked') return [`Mail checks (verdict mode ${input.mode}): not checked. ${c.reason}`];
  if (c.kind === 'temperror') return [`Mail checks (verdict mode ${input.mode}): could not be judged now, a DNS lookup failed temporarily: ${c.reason}`, 'A real mail would be answered 451 4.7.0 and retried by your server.'];
  const row = (name: string, got: Judged, min: Judgment) =>
    `  ${name.padEnd(5)} ${got.judgment.padEnd(4)}  minimum ${min.padEnd(4)}  ${meets(got.judgment, min) ? 'ok     ' : 'TOO LOW'}  ${got.reason}`;
  return [
    `Mail checks (verdict mode ${input.mode}):`,
    row('DKIM', c.dkim, input.user.dkim),
    row('SPF', c.spf, input.user.spf),
    row('DMARC', c.dmarc, input.user.dmarc),
  ];
}

function previewLines(preview: VerdictReportInput['preview']): string[] {
  if (!preview.ok) return [`SMS preview: none, ${preview.reason}`];
  return [
    `SMS preview (${preview.encoding === 'gsm7' ? 'GSM 7-bit' : preview.encoding === 'ucs2' ? 'UCS-2' : preview.encoding}, ${preview.segments} segment${preview.segments === 1 ? '' : 's'}):`,
    ...preview.text.split('\n').map((l) => `  | ${l}`),
    ...(preview.work && preview.work.length > 0 ? ['', 'How the mail became this SMS:', ...preview.work.map((l) => `  ${l}`)] : []),
  ];
}

function quotaText(quota: number | null): string {
  return quota === null ? 'none' : `${quota} SMS segments per 24 hours`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 80)}...` : flat;
}

/*
 * draft.ts - what a mail becomes before it has destinations (SPEC 5, 6): the drafting half of the
 * accept path, parse -> condense -> compose -> encode+segment, kept apart from the SMTP hooks
 * (pipeline.ts) so `mail2sms preview`, the verdict@ reply and intake share one piece of code and
 * show exactly the same SMS.
 *
 * Promise: pure but for mailparser's parse in draftSms(); every refusal is an SmtpError from
 * smtp/replies (an empty mail 554, too many segments 552 5.3.4 under `overflow: refuse`).
 */
import type { Account } from './accounts/index.js';
import { composeText, priorityOf } from './compose/index.js';
import { condenseMail, type DroppedText } from './condense/index.js';
import { planTextTransliterated, truncateToFit, type Encoding, type TransliteratedPlan } from './encode/index.js';
import { parseMail, type ParsedMail } from './parse/index.js';
import { replies } from './smtp/index.js';
import type { SmtpError } from './errors.js';

/** What condensing (SPEC 5) did to a mail: who claimed it and what it left out. */
export interface CondensedInfo {
  readonly recogniser: string | null;
  readonly dropped: readonly DroppedText[];
}

/** What `overflow: truncate` (SPEC 6) cut: characters left out, and the segments the whole text needed. */
export interface TruncatedInfo {
  readonly dropped: number;
  readonly needed: number;
  readonly max: number;
}

/** What a mail becomes before it has destinations: the SMS text, cut into parts. */
export interface SmsDraft {
  readonly text: string;
  readonly encoding: Extract<Encoding, 'gsm7' | 'ucs2'>;
  readonly parts: readonly string[];
  readonly concatenated: boolean;
  readonly priority: 0 | 1;
  readonly mail: ParsedMail;
  /** How the account's transliteration choice went (SPEC 5; `mail2sms preview` says it). */
  readonly transliteration: TransliteratedPlan;
  /** Present when the account condenses (`condense: auto`); `dropped` is empty when nothing was left out. */
  readonly condensed?: CondensedInfo;
  /** Present when the text was longer than the account's max segments and cut to fit. */
  readonly truncated?: TruncatedInfo;
}

export type DraftResult = { readonly ok: true; readonly draft: SmsDraft } | { readonly ok: false; readonly error: SmtpError };

export async function draftSms(raw: Buffer, account: Account): Promise<DraftResult> {
  const parsed = await parseMail(raw);
  if (!parsed.ok) return { ok: false, error: replies.unparseable(parsed.reason) };
  return planSms(parsed.mail, account);
}

/**
 * Condense, compose and encode a parsed mail with the account's settings (SPEC 5, 6): condensing
 * when the account says `auto`, then a text over the account's max segments cut to fit
 * (`overflow: truncate`) or refused with 552 5.3.4 (`refuse`).
 */
export function planSms(mail: ParsedMail, account: Account): DraftResult {
  const condensed = account.condense === 'auto' ? condenseMail(mail) : undefined;
  const composed = composeText(condensed?.mail ?? mail, { mode: account.compose, append: account.append });
  if (!composed.ok) return { ok: false, error: replies.emptyMessage() };
  const planOptions = { long: account.long, maxSegments: account.maxSegments };
  const transliteration = planTextTransliterated(composed.text, { ...planOptions, transliterate: account.transliterate });
  let plan = transliteration.plan;
  let text = transliteration.text;
  let truncated: TruncatedInfo | undefined;
  if (!plan.ok) {
    if (account.overflow === 'refuse') return { ok: false, error: replies.tooManySegments(plan.needed, plan.max) };
    const cut = truncateToFit(text, planOptions);
    if (cut) {
      truncated = { dropped: cut.dropped, needed: cut.needed, max: plan.max };
      plan = cut.plan;
      text = cut.text;
    }
  }
  if (!plan.ok) return { ok: false, error: replies.tooManySegments(plan.needed, plan.max) };
  return {
    ok: true,
    draft: {
      text,
      transliteration,
      encoding: plan.encoding,
      parts: plan.parts,
      concatenated: account.long === 'concatenate' && plan.parts.length > 1,
      priority: priorityOf(mail.headers),
      mail,
      ...(condensed ? { condensed: { recogniser: condensed.recogniser, dropped: condensed.dropped } } : {}),
      ...(truncated ? { truncated } : {}),
    },
  };
}

/**
 * The segments the draft's mail would have taken without condensing or truncation (for
 * `preview` and the verdict@ reply, SPEC 5: "segments before and after"): the whole text's
 * count, also where it is over the account's max segments.
 */
export function segmentsBefore(draft: SmsDraft, account: Account): number {
  if (!draft.condensed || draft.condensed.dropped.length === 0) return draft.truncated?.needed ?? draft.parts.length;
  const r = planSms(draft.mail, { ...account, condense: 'off', overflow: 'truncate' });
  return r.ok ? (r.draft.truncated?.needed ?? r.draft.parts.length) : 0;
}

/** DROPPED_SHOWN characters of a left-out piece are shown; the rest is counted. */
const DROPPED_SHOWN = 100;

/**
 * For people (preview, the verdict@ reply): what condensing left out, rule by rule, with the
 * segments before and after, and what truncation cut.
 */
export function explainDraft(draft: SmsDraft, segmentsBefore: number): string[] {
  const lines: string[] = [];
  const c = draft.condensed;
  if (c && c.dropped.length > 0) {
    lines.push(`condensed: ${c.recogniser ? `recognised as ${c.recogniser}, ` : ''}${c.dropped.length} piece(s) left out; ${segmentsBefore} segment(s) before, ${draft.parts.length} after`);
    for (const d of c.dropped) {
      const text = d.text.replace(/\s+/g, ' ');
      lines.push(`  - ${d.rule}: ${text.length > DROPPED_SHOWN ? `${text.slice(0, DROPPED_SHOWN)}… (${text.length} characters)` : text}`);
    }
  } else if (c) {
    lines.push(`condensed: nothing to leave out${c.recogniser ? ` (recognised as ${c.recogniser})` : ''}`);
  }
  const t = draft.truncated;
  if (t) lines.push(`truncated: the text needed ${t.needed} segment(s), the account allows ${t.max}: ${t.dropped} character(s) cut (overflow: truncate)`);
  return lines;
}

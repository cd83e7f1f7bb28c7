/*
 * preview.ts - `mail2sms preview FILE.eml [--account NAME] [--to NUMBER] [--json]`: the SMS a
 * mail would make, through the same code as SMTP intake (pipeline.draftSms), with the TPDU of
 * every segment as AT+CMGS would be given it. The account's settings (compose mode, appended
 * text, long mode, segment limit, numbering plan) apply: --account, else the account of the user
 * the mail's From names, else `default`. The destination is --to, else the first
 * <number>@<domain> of the mail's To header. A concatenated preview uses reference 0; the queue
 * allocates the real one. Sender checks and the verdict are not run: mail to verdict@ does that.
 * It says whether the account's transliteration was used (and why not), what condensing left
 * out and by which rule (SPEC 5) with the segments before and after, what `overflow: truncate`
 * cut (SPEC 6), and shows a mail in x-smpp encapsulation mode as the one SMS its headers describe.
 */
import { readFileSync } from 'node:fs';
import { SENDER_ID_UNUSED, type Account, type NumberingPlan } from '../../accounts/index.js';
import { configPath, loadConfig } from '../../config/index.js';
import { encapsulatedPart, encapsulationOf } from '../../compose/index.js';
import { buildSubmitTpdu, formatMappings, summarizeMappings } from '../../encode/index.js';
import { GatewayError, type SmtpError } from '../../errors.js';
import { parseMail, type ParsedMail } from '../../parse/index.js';
import { explainDraft, planSms, segmentsBefore, type SmsDraft } from '../../pipeline.js';
import { replies } from '../../smtp/index.js';
import { checkRecipient } from '../../policy/index.js';
import { parseCommandArgs, usageError } from '../args.js';
import { withAccountStore } from './account.js';

export const USAGE = 'mail2sms preview FILE.eml [--account NAME] [--to NUMBER] [--json] [--config FILE]';

export async function previewCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs('preview', argv, { to: { type: 'string' }, json: { type: 'boolean' }, account: { type: 'string' } }, USAGE);
  if (values.help) return void out.write(`usage: ${USAGE}\n`), 0;
  const [file, extra] = positionals;
  if (!file || extra) throw usageError(`preview: give exactly one FILE.eml\nusage: ${USAGE}`);
  const config = loadConfig(configPath(values.config));
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw usageError(`preview: cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = await parseMail(raw);
  if (!parsed.ok) throw refused(file, replies.unparseable(parsed.reason));
  const { account, senderId } = await accountFor(values.config, values.account, parsed.mail.from);
  const setsSender = config.routes.some((r) => r.transport === 'smpp');
  const view = encapsulatedView(file, parsed.mail, values.to, config.domain, account) ?? textView(file, parsed.mail, values.to, config.domain, account);
  if (values.json) {
    const { note: _note, work: _work, ...json } = view;
    out.write(`${JSON.stringify({ ...json, ...(senderId === undefined ? {} : { senderId, senderIdUsed: setsSender }) })}\n`);
  } else {
    out.write(`to:       ${view.to}\nencoding: ${view.encoding}\nsegments: ${view.segments}${view.concatenated ? ' (concatenated)' : ''}\n`);
    if (senderId !== undefined) out.write(`sender:   ${senderId}${setsSender ? '' : ` ${SENDER_ID_UNUSED}`}\n`);
    if (view.note) out.write(`${view.note}\n`);
    for (const line of view.work) out.write(`${line}\n`);
    out.write(`text:\n${view.text}\n`);
    view.pdus.forEach((pdu, i) => out.write(`pdu ${i + 1}/${view.pdus.length} (AT+CMGS=${pdu.length / 2}): ${pdu}\n`));
  }
  return 0;
}

interface PreviewView {
  readonly to: string;
  readonly text: string;
  readonly encoding: string;
  readonly segments: number;
  readonly concatenated: boolean;
  readonly pdus: readonly string[];
  /** The account's transliteration (SPEC 5): what was mapped, or null when nothing was. */
  readonly transliterated: { readonly count: number; readonly mappings: ReturnType<typeof summarizeMappings> } | null;
  readonly encapsulated: boolean;
  /** What condensing left out (SPEC 5, 12); null when the account does not condense or it is encapsulated. */
  readonly condensed: { readonly recogniser: string | null; readonly dropped: readonly { readonly rule: string; readonly text: string }[]; readonly segments_before: number } | null;
  /** What `overflow: truncate` cut (SPEC 6, 12); null when the text fitted. */
  readonly truncated: { readonly dropped: number; readonly segments_needed: number; readonly max_segments: number } | null;
  /** For people: what condensing and truncation did (not in --json, which has the fields above). */
  readonly work: readonly string[];
  /** A line for people: why the text was or was not transliterated, or what the headers set. */
  readonly note?: string;
}

/** An ordinary mail: compose, transliterate if the account asks, segment (pipeline.planSms). */
function textView(file: string, mail: ParsedMail, to: string | undefined, domains: readonly string[], account: Account): PreviewView {
  const result = planSms(mail, account);
  if (!result.ok) throw refused(file, result.error);
  const { draft } = result;
  const destination = destinationOf(to, mail.headers.get('to'), domains, account.plan);
  const pdus = draft.parts.map((text, i) =>
    buildSubmitTpdu({
      destination,
      encoding: draft.encoding,
      text,
      statusReport: false,
      ...(draft.concatenated ? { concat: { ref: 0, total: draft.parts.length, seq: i + 1 } } : {}),
    }).hex,
  );
  const t = draft.transliteration;
  const before = segmentsBefore(draft, account);
  const note = t.transliterated
    ? `transliterated: ${t.changed.length} character(s) (${formatMappings(t.changed)}), ${draft.parts.length} segment(s) instead of ${t.ucs2Segments} in UCS-2`
    : t.reason === 'no-gsm-form'
      ? `not transliterated: "${t.char}" has no GSM form, so the text goes as UCS-2`
      : t.reason === 'no-saving'
        ? `not transliterated: GSM would need ${t.gsmSegments} segment(s), no fewer than UCS-2`
        : undefined;
  return {
    to: destination,
    text: draft.text,
    encoding: draft.encoding,
    segments: draft.parts.length,
    concatenated: draft.concatenated,
    pdus,
    transliterated: t.transliterated ? { count: t.changed.length, mappings: summarizeMappings(t.changed) } : null,
    encapsulated: false,
    condensed: draft.condensed ? { recogniser: draft.condensed.recogniser, dropped: draft.condensed.dropped, segments_before: before } : null,
    truncated: truncatedOf(draft),
    work: explainDraft(draft, before),
    ...(note ? { note } : {}),
  };
}

/**
 * A mail with x-smpp-short-message (SPEC 5 encapsulation mode): one SMS as its headers say.
 * The envelope is not known here, so x-smpp-destination-addr is taken when present (as for a
 * mail to `<account>@<domain>`), else --to or the To header's number.
 */
function encapsulatedView(file: string, mail: ParsedMail, to: string | undefined, domains: readonly string[], account: Account): PreviewView | undefined {
  const result = encapsulationOf(mail.headers, { isNumber: !mail.headers.has('x-smpp-destination-addr') }, Date.now());
  if (result.kind === 'none') return undefined;
  if (result.kind === 'invalid') throw refused(file, replies.badEncapsulation(result.header, result.reason));
  const { sms } = result;
  const destination = sms.destination ?? destinationOf(to, mail.headers.get('to'), domains, account.plan);
  const pdu = buildSubmitTpdu(encapsulatedPart(sms, destination, false)).hex;
  return {
    to: destination,
    text: sms.encoding === 'binary' ? '' : sms.text,
    encoding: sms.encoding,
    segments: 1,
    concatenated: false,
    pdus: [pdu],
    transliterated: null,
    encapsulated: true,
    condensed: null,
    truncated: null,
    work: [],
    note: `encapsulated (x-smpp-*): DCS ${sms.dcs}, PID ${sms.pid}${sms.udhHex ? `, UDH ${sms.udhHex}` : ''}${sms.validityMinutes !== undefined ? `, valid ${sms.validityMinutes} min` : ''}; body and appended text not used`,
  };
}

function truncatedOf(draft: SmsDraft): PreviewView['truncated'] {
  const t = draft.truncated;
  return t ? { dropped: t.dropped, segments_needed: t.needed, max_segments: t.max } : null;
}

function refused(file: string, error: SmtpError): GatewayError {
  return new GatewayError(error.code, `${file}: the gateway would refuse this mail: ${error.responseCode} ${error.message}`);
}

/**
 * --account, else the account of the user the From header names, else `default`; and the
 * sender ID of that user, if any (also with --account: the user still sends from it).
 */
async function accountFor(configFlag: string | undefined, name: string | undefined, from: string | undefined): Promise<{ account: Account; senderId?: string }> {
  return withAccountStore(configFlag, 'read', (store) => {
    const sender = from ? store.findSender(from) : undefined;
    const senderId = sender?.user.senderId;
    const withSender = (account: Account) => (senderId === undefined ? { account } : { account, senderId });
    if (name !== undefined) {
      const account = store.getAccount(name);
      if (!account) throw usageError(`preview: --account "${name}": no such account (see mail2sms account list)`);
      return withSender(account);
    }
    const fallback = store.getAccount('default');
    if (sender) return withSender(sender.account);
    if (fallback) return withSender(fallback);
    throw usageError('preview: the From header names no user and there is no account "default"; pass --account NAME');
  });
}

function destinationOf(flag: string | undefined, toHeader: string | undefined, domains: readonly string[], plan: NumberingPlan): string {
  const candidates = flag !== undefined ? [`${flag}@${domains[0] ?? 'localhost'}`] : (toHeader ?? '').match(/[^\s<>,;"]+@[^\s<>,;"]+/g) ?? [];
  for (const address of candidates) {
    const r = checkRecipient(address, { domains, plan });
    if (r.ok) return r.number;
    if (flag !== undefined) throw usageError(`preview: --to "${flag}": ${r.reply.text}`);
  }
  throw usageError('preview: the mail\'s To header has no <number>@<gateway domain>; pass --to NUMBER');
}

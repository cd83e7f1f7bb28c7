/*
 * quoted-reply.ts - drops the quoted original from a reply (SPEC 5, issue 5: "quoted reply text
 * (`>` lines, "On … wrote:") dropped"), so the SMS carries what the sender wrote.
 *
 * Promise: pure string functions over text already cleaned by body-text.ts (LF line ends, lines
 * trimmed). What counts as quoted reply material:
 * - Quote lines: lines starting with `>` (RFC 3676 §4.5 quote marks, any depth, spaces before the
 *   mark tolerated as many clients write them). A run of them is a quote block. A quote block is
 *   dropped when an attribution line stands above it (blank lines between allowed), when an
 *   earlier block had one (inline replies attribute only the first), or when the subject carries a
 *   reply prefix ("Re:", RFC 5322 §3.6.5, and its translations). Else it is content: an alert may
 *   well print `> 90% used` or shell output, and with no sign of a reply it is kept as written.
 *   In-Reply-To and References (§3.6.4) are not taken as that sign: Zabbix sets In-Reply-To on
 *   every alert to thread problem and recovery (src/libs/zbxmedia/email.c).
 * - Attribution lines (dropped with their block): "On <date>, <name> wrote:" (Thunderbird, Apple
 *   Mail, Gmail, which may wrap it onto two lines), "<name> wrote:", German "Am … schrieb …:",
 *   French "Le … a écrit :", Spanish "El … escribió:", Japanese Thunderbird and Becky!
 *   "<name> さんは書きました:", Gmail's Japanese "2024年3月5日(火) 10:00 <name> <addr>:" and Apple
 *   Mail's Japanese "2024/03/05 10:00、<name> <addr>のメール:".
 * - Outlook does not quote with `>`: it puts the original under "-----Original Message-----"
 *   (Outlook Express: "----- Original Message -----") or under a header block ("From: / Sent: /
 *   To: / Subject:", often after a line of underscores; German, French, Spanish and Japanese
 *   Outlook translate the field names). From the first such line on, everything is dropped,
 *   except in a forward (subject "Fwd:", "FW:", "WG:", "TR:", "転送:"), whose quoted mail is
 *   the content.
 * A body that would be left empty keeps its text as written: a mail that is only a quote is still
 * something the sender chose to send, and an empty SMS is refused (554 5.6.0) for no good reason.
 */

export type MailKind = 'reply' | 'forward' | 'other';

const FORWARD_SUBJECT = /^\s*(fwd?|fw|wg|tr|rv|転送)\s*[:：]/i;
const REPLY_SUBJECT = /^\s*(re|aw|sv|vs|antw|rif|r|返信|回复|答复)\s*[:：]/i;

const QUOTE_LINE = /^[ \t]*>/;
const ATTRIBUTION: readonly RegExp[] = [
  /\bwrote\s*:$/i,
  /^Am\b.*\bschrieb\b.*:$/,
  /^Le\b.*\ba écrit\s*:$/,
  /^El\b.*\bescribió\s*:$/,
  /さんは書きました[:：]$/,
  /^\d{4}年\d{1,2}月\d{1,2}日.*[:：]$/,
  /^\d{4}\/\d{1,2}\/\d{1,2}.*のメール[:：]$/,
];
/** Attributions that open with a word or a date may be wrapped onto a second line (Gmail). */
const WRAPPED_OPENING = /^(On|Am|Le|El)\b|^\d{4}[年/]/;
const ORIGINAL_MESSAGE = /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|元のメッセージ)\s*-{2,}$/i;
const HEADER_FROM = /^(From|Von|De|差出人)\s*[:：]/i;
const HEADER_SENT = /^(Sent|Date|Gesendet|Datum|Envoyé|Enviado|送信日時|日時)\s*[:：]/i;
const HEADER_TO = /^(To|An|À|Para|宛先|Subject|Betreff|Objet|Asunto|件名)\s*[:：]/i;
const RULE_LINE = /^_{10,}$/;

/** Reply, forward or neither, from the subject's prefix (a forward of a reply is a forward). */
export function mailKind(subject: string | undefined): MailKind {
  if (subject !== undefined && FORWARD_SUBJECT.test(subject)) return 'forward';
  if (subject !== undefined && REPLY_SUBJECT.test(subject)) return 'reply';
  return 'other';
}

/** The text without its quoted reply material, as described above; never empties a text. */
export function dropQuotedReply(text: string, kind: MailKind): string {
  const lines = text.split('\n');
  const cut = kind === 'forward' ? -1 : outlookQuoteStart(lines);
  const kept = dropQuoteBlocks(cut < 0 ? lines : lines.slice(0, cut), kind === 'reply');
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  while (kept.length > 0 && kept[0]!.trim() === '') kept.shift();
  return kept.length === 0 ? text : kept.join('\n');
}

/** Index of the first line of an Outlook-style quoted original, or -1. */
function outlookQuoteStart(lines: readonly string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (ORIGINAL_MESSAGE.test(line)) return i;
    if (!HEADER_FROM.test(line)) continue;
    const next = lines.slice(i + 1, i + 6).map((l) => l.trim());
    if (!next.some((l) => HEADER_SENT.test(l)) || !next.some((l) => HEADER_TO.test(l))) continue;
    const above = previousNonBlank(lines, i);
    return above >= 0 && RULE_LINE.test(lines[above]!.trim()) ? above : i;
  }
  return -1;
}

function dropQuoteBlocks(lines: readonly string[], reply: boolean): string[] {
  const out: string[] = [];
  let attributed = false;
  for (let i = 0; i < lines.length; ) {
    if (!QUOTE_LINE.test(lines[i]!)) {
      out.push(lines[i]!);
      i++;
      continue;
    }
    let end = i;
    while (end < lines.length && QUOTE_LINE.test(lines[end]!)) end++;
    const attribution = attributionAbove(out);
    if (attribution > 0) attributed = true;
    if (attributed || reply) out.splice(out.length - attribution, attribution);
    else out.push(...lines.slice(i, end));
    i = end;
  }
  return out;
}

/**
 * How many lines at the end of `lines` form an attribution (with the blank lines after it), or 0.
 * A two-line attribution (Gmail wraps "On … <name> <\n addr> wrote:") is tried first, when its
 * first line opens like one and does not end a sentence.
 */
function attributionAbove(lines: readonly string[]): number {
  const last = previousNonBlank(lines, lines.length);
  if (last < 0) return 0;
  const line = lines[last]!.trim();
  if (WRAPPED_OPENING.test(line) && isAttribution(line)) return lines.length - last;
  const opening = last > 0 ? lines[last - 1]!.trim() : '';
  if (WRAPPED_OPENING.test(opening) && !/[.!?。]$/.test(opening) && isAttribution(`${opening} ${line}`)) return lines.length - last + 1;
  return isAttribution(line) ? lines.length - last : 0;
}

function isAttribution(line: string): boolean {
  return line.length <= 300 && ATTRIBUTION.some((re) => re.test(line));
}

function previousNonBlank(lines: readonly string[], before: number): number {
  for (let i = before - 1; i >= 0; i--) if (lines[i]!.trim() !== '') return i;
  return -1;
}

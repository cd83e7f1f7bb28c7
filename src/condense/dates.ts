/*
 * dates.ts - reads the date formats alert mails write, to tell whether a `Date:`/`When:` line
 * only restates the mail's Date header (SPEC 5).
 *
 * Promise: pure; never consults the clock or the machine's time zone. Formats: RFC 5322
 * (`Wed, 02 Dec 2026 06:39:49 +0000`, as Monit's $DATE without the zone), ISO 8601 with a space
 * or `T` (`2026-12-02 06:38:13 +0000`, Icinga's long_date_time), ctime with a zone
 * (`Wed Dec 2 06:38:51 UTC 2026`, Nagios's LONGDATETIME) and Zabbix's `2026.12.02 06:38:13`.
 * A zone is `Z`, `UT`, `UTC`, `GMT` or a numeric offset; a time without one (or with a zone name
 * such as `CET`, which is ambiguous) is compared by its wall clock with the Date header's.
 * Limit: a value with anything beyond the date (words, a second date) is not a restatement.
 */

export interface WallTime {
  /** The written date and time as if it were UTC, in ms. */
  readonly wall: number;
  /** Minutes east of UTC, or null when the text names no usable zone. */
  readonly offset: number | null;
}

/** How far apart a line's time and the Date header may be and still say the same (the mail is written as the event is noted). */
export const RESTATE_TOLERANCE_MS = 5 * 60_000;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONE = String.raw`(Z|UTC?|GMT|[+-]\d{2}:?\d{2}|[A-Z]{3,5})`;
const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?`;
const DAY = String.raw`(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?`;
const MONTH = String.raw`(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*`;

/** Each format: the pattern over the whole value, and where its fields are. */
const FORMATS: readonly { readonly re: RegExp; readonly y: number; readonly mo: number; readonly d: number; readonly h: number; readonly z: number }[] = [
  // RFC 5322 §3.3: [day ","] date month year time [zone]
  { re: new RegExp(String.raw`^${DAY}(\d{1,2})\s+${MONTH}\s+(\d{4}),?\s+${TIME}(?:\s*${ZONE})?$`, 'i'), d: 1, mo: 2, y: 3, h: 4, z: 7 },
  // ISO 8601 / Icinga / Zabbix: year-month-day time [zone]
  { re: new RegExp(String.raw`^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:T|,?\s+)${TIME}(?:\s*${ZONE})?$`, 'i'), y: 1, mo: 2, d: 3, h: 4, z: 7 },
  // ctime: [day] month day time [zone] year
  { re: new RegExp(String.raw`^${DAY}${MONTH}\s+(\d{1,2}),?\s+${TIME}\s+(?:${ZONE}\s+)?(\d{4})$`, 'i'), mo: 1, d: 2, h: 3, z: 6, y: 7 },
];

/** The date and time a text states, or null when the text is not one date. */
export function readDate(text: string): WallTime | null {
  const value = text.trim();
  for (const f of FORMATS) {
    const m = f.re.exec(value);
    if (!m) continue;
    const monthField = m[f.mo] ?? '';
    const month = /^\d+$/.test(monthField) ? Number(monthField) - 1 : MONTHS.indexOf(monthField.slice(0, 3).toLowerCase());
    const [hh = 0, mi = 0, ss = 0] = [m[f.h], m[f.h + 1], m[f.h + 2]].map((v) => Number(v ?? 0));
    const day = Number(m[f.d]);
    // Date.UTC rolls month 13 into next year: a field out of range is no date.
    if (month < 0 || month > 11 || day < 1 || day > 31 || hh > 23 || mi > 59 || ss > 60) return null;
    const wall = Date.UTC(Number(m[f.y]), month, day, hh, mi, ss);
    return { wall, offset: zoneOffset(m[f.z]) };
  }
  return null;
}

function zoneOffset(zone: string | undefined): number | null {
  if (zone === undefined) return null;
  const z = zone.toUpperCase();
  if (z === 'Z' || z === 'UT' || z === 'UTC' || z === 'GMT') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(z);
  if (!m) return null;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** Whether `text` is a date within RESTATE_TOLERANCE_MS of the mail's Date header `header`. */
export function restatesDate(text: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const line = readDate(text);
  // RFC 5322 allows a comment after the zone ("+0000 (UTC)"); it is not part of the time.
  const mail = readDate(header.replace(/\s*\([^)]*\)\s*$/, ''));
  if (line === null || mail === null) return false;
  const apart =
    line.offset !== null && mail.offset !== null
      ? Math.abs(line.wall - line.offset * 60_000 - (mail.wall - mail.offset * 60_000))
      : Math.abs(line.wall - mail.wall);
  return apart <= RESTATE_TOLERANCE_MS;
}

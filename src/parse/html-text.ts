/*
 * html-text.ts - the text of an HTML body, laid out for an SMS (SPEC 5: "HTML-only -> text
 * extracted from the HTML"), with html-to-text, the converter mailparser itself uses.
 *
 * Promise: never throws; the result has no markup and no character references left (html-to-text
 * decodes them through htmlparser2 and `entities`), except should html-to-text itself throw (no
 * input is known to make it): then tags are cut out by pattern and the rest kept as it stands. Options, each chosen for a phone screen:
 * - `wordwrap: false`: the phone wraps; a hard break every 80 columns would cost characters and
 *   break lines in odd places.
 * - links `text (url)`: the target stays readable and tappable; hidden when it is the text itself
 *   (`hideLinkHrefIfSameAsText`), `mailto:` is removed first so `<a href="mailto:x@y">x@y</a>`
 *   is just `x@y`; in-page `#` anchors are never shown (`noAnchorUrl`).
 * - images skipped: their `src` is a URL to a picture the SMS cannot show; alt texts in
 *   notification mails are logos and spacers ("Logo", "") rather than content.
 * - `<hr>` is a line break: a row of dashes is 40 characters of nothing.
 * - headings and header cells keep their case: upper-casing (html-to-text's default) is shouting
 *   and, for non-Latin scripts, meaningless.
 * - paragraphs and headings end with one line break, not a blank line: Outlook writes every line
 *   as its own `<p class=MsoNormal>` and its blank lines as `<p>&nbsp;</p>`, so one break per
 *   paragraph shows the lines as the author saw them.
 * - tables flattened: each row on a line, its cells separated by a space (`dataTable` pads
 *   columns for a monospace screen; monitoring mails use tables as "label value" rows and for
 *   layout, which this reads right for both).
 * - lists: `- item` (one character shorter than the default ` * `, and GSM has no bullet).
 * HTML nested deeper than MAX_NESTING (the limit mailparser uses) is not given to the converter:
 * htmlparser2 parses such nesting in quadratic time and html-to-text's walk overflows the stack
 * at about 2000 levels. Its tags are then removed and only its text and references kept.
 */
import { compile, type HtmlToTextOptions } from 'html-to-text';

/** Deepest element nesting converted with layout (mailparser's MAX_HTML_NESTING_DEPTH). */
export const MAX_NESTING = 1000;

const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** The HTML parser closes these when a sibling opens (WHATWG HTML §13.2.6.4.7), so runs of them do not nest. */
const IMPLIED_END = new Set(['p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'rt', 'rp']);

const LINE = { leadingLineBreaks: 1, trailingLineBreaks: 1 } as const;

const SMS_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { linkBrackets: ['(', ')'], hideLinkHrefIfSameAsText: true, noAnchorUrl: true, pathRewrite: (href: string) => href.replace(/^mailto:/i, '') } },
    { selector: 'img', format: 'skip' },
    { selector: 'hr', format: 'lineBreak' },
    { selector: 'p', options: LINE },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { ...LINE, uppercase: false } })),
    { selector: 'ul', options: { itemPrefix: '- ' } },
    { selector: 'table', format: 'block' },
    { selector: 'tr', format: 'block', options: LINE },
    { selector: 'td', format: 'inlineSurround', options: { suffix: ' ' } },
    { selector: 'th', format: 'inlineSurround', options: { suffix: ' ' } },
  ],
};

const convertHtml = compile(SMS_OPTIONS);
const TAGS_ONLY = compile({ wordwrap: false });

/** The text of an HTML document or fragment, laid out as described above. */
export function htmlToSmsText(html: string): string {
  try {
    if (!nestsDeeperThan(html, MAX_NESTING)) return convertHtml(html);
    return TAGS_ONLY(html.replace(/<!--[\s\S]*?-->|<[^>]*>/g, ' '));
  } catch {
    // html-to-text failing on some input is no reason to lose the mail: its text is kept.
    return html.replace(/<[^>]*>/g, ' ');
  }
}

/**
 * Whether elements nest deeper than `max`, in one linear pass that follows what htmlparser2
 * builds: a start tag opens an element (a trailing "/" does not close it in HTML), an end tag
 * closes down to the nearest open element of its name and is ignored when none is open.
 */
export function nestsDeeperThan(html: string, max: number): boolean {
  const stack: string[] = [];
  const open = new Map<string, number>();
  for (const match of html.matchAll(/<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][a-zA-Z0-9:_-]*)/g)) {
    const name = match[2]?.toLowerCase();
    if (name === undefined || VOID_ELEMENTS.has(name) || IMPLIED_END.has(name)) continue;
    if (match[1] !== '/') {
      stack.push(name);
      open.set(name, (open.get(name) ?? 0) + 1);
      if (stack.length > max) return true;
      continue;
    }
    if (!open.get(name)) continue;
    for (;;) {
      const top = stack.pop()!;
      open.set(top, open.get(top)! - 1);
      if (top === name) break;
    }
  }
  return false;
}

/*
 * htmlToSmsText: html-to-text with the options chosen for a phone (src/parse/html-text.ts).
 */
import { describe, expect, it } from 'vitest';
import { htmlToSmsText, MAX_NESTING, nestsDeeperThan, normaliseWhitespace } from '../../../src/parse/index.js';

/** As the parse stage uses it: converted, then whitespace normalised (body-text.ts). */
const smsText = (html: string): string => normaliseWhitespace(htmlToSmsText(html));

describe('htmlToSmsText lays HTML out for an SMS', () => {
  it.each([
    ['tags are removed', '<p><b>Pump</b> <i>3</i> failed</p>', 'Pump 3 failed'],
    ['no line wrapping at 80 columns', `<p>${'word '.repeat(40)}end</p>`, `${'word '.repeat(40)}end`],
    ['a link keeps its target in brackets', '<a href="https://grafana.example/d/1">dashboard</a>', 'dashboard (https://grafana.example/d/1)'],
    ['a link whose text is its target is written once', '<a href="https://grafana.example/">https://grafana.example/</a>', 'https://grafana.example/'],
    ['a mailto link to its own address is the address', '<a href="mailto:ops@site.example">ops@site.example</a>', 'ops@site.example'],
    ['an in-page anchor shows no target', '<a href="#top">top</a>', 'top'],
    ['images are dropped, alt text too', 'Pump<img src="https://x.example/logo.png" alt="Logo"> 3', 'Pump 3'],
    ['a horizontal rule adds nothing', 'a<hr>b', 'a\nb'],
    ['headings keep their case', '<h1>Pump alarm</h1><p>Tank</p>', 'Pump alarm\nTank'],
    ['list items are "- item"', '<ul><li>one</li><li>two</li></ul>', '- one\n- two'],
    ['table rows are lines, cells separated by a space', '<table><tr><th>Label</th><th>Value</th></tr><tr><td>severity</td><td>critical</td></tr></table>', 'Label Value\nseverity critical'],
    ['Outlook paragraphs are single lines, its empty paragraph a blank line', '<p class=MsoNormal>one<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>two<o:p></o:p></p>', 'one\n\ntwo'],
    ['entities are decoded', '<p>&lt;3 &amp; &quot;x&quot; &#233;&#x20AC; caf&eacute;</p>', '<3 & "x" é€ café'],
    ['head, style and script are not text', '<html><head><title>T</title><style>p{color:red}</style></head><body>a<script>alert(1)</script>b</body></html>', 'ab'],
    ['a blockquote is quoted with > marks, so a reply quote can be dropped', '<div>On Mon, Bob wrote:</div><blockquote>q</blockquote>', 'On Mon, Bob wrote:\n\n> q'],
  ])('%s', (_name, html, expected) => {
    expect(smsText(html)).toBe(expected);
  });

  it('keeps the text, not the markup, of HTML nested deeper than the limit', () => {
    const html = `${'<b>'.repeat(MAX_NESTING + 1)}Tank &amp; valve`;
    expect(smsText(html)).toBe('Tank & valve');
  });
});

describe('nestsDeeperThan follows the HTML parser', () => {
  it.each([
    ['a chain of open elements is as deep as it is long', '<div><div><div>x', 3, false],
    ['one more crosses the limit', '<div><div><div><div>x', 3, true],
    ['closed elements do not add up', '<b>a</b>'.repeat(10), 1, false],
    ['void elements open nothing', '<br><img><hr>'.repeat(10), 1, false],
    ['unclosed paragraphs and cells do not nest', '<p>a<p>b<td>c<td>d', 1, false],
    ['an end tag with nothing of its name open is ignored', '<div></span></span><div><div>', 2, true],
    ['an end tag closes the elements opened inside it', '<div><span></div><div><span></div>', 2, false],
    ['tags inside comments do not count', '<!--<div><div><div>-->x', 1, false],
  ])('%s', (_name, html, max, expected) => {
    expect(nestsDeeperThan(html, max)).toBe(expected);
  });
});

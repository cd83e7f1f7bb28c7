/*
 * dropQuotedReply and mailKind (issue 5 item 1: quoted reply text dropped). Each case is text as
 * the named client lays it out; see src/parse/quoted-reply.ts for the rules.
 */
import { describe, expect, it } from 'vitest';
import { dropQuotedReply, mailKind, type MailKind } from '../../../src/parse/index.js';

const lines = (...l: string[]): string => l.join('\n');

describe('dropQuotedReply drops quoted reply material', () => {
  it.each<[string, string, MailKind, string]>([
    ['Thunderbird: "On <date>, <name> wrote:" and its > lines', lines('Restarted it.', '', 'On 05/03/2024 10:00, Ops Team wrote:', '> Pump 3 failed', '> at 09:58'), 'other', 'Restarted it.'],
    ['Apple Mail: attribution, blank line, quote', lines('Done', '', 'On 5 Mar 2024, at 10:00, Ops <ops@site.example> wrote:', '', '> Pump 3 failed'), 'other', 'Done'],
    ['Gmail: attribution wrapped onto two lines', lines('Ack', '', 'On Tue, Mar 5, 2024 at 10:00 AM Ops Team <', 'ops@site.example> wrote:', '', '> Pump 3 failed'), 'other', 'Ack'],
    ['old Thunderbird: "<name> wrote:"', lines('Ack', 'Ops Team wrote:', '> Pump 3 failed'), 'other', 'Ack'],
    ['nested quotes of any depth, with spaces before the mark', lines('Ack', 'On Monday Bob wrote:', '> a', '>> b', '  > > c'), 'other', 'Ack'],
    ['German: "Am … schrieb …:"', lines('Erledigt', 'Am 05.03.2024 um 10:00 schrieb Ops Team <ops@site.example>:', '> Pumpe 3 ausgefallen'), 'other', 'Erledigt'],
    ['French: "Le … a écrit :"', lines('Fait', 'Le 5 mars 2024 à 10:00, Ops a écrit :', '> Pompe 3 en panne'), 'other', 'Fait'],
    ['Japanese Thunderbird / Becky!: "…さんは書きました:"', lines('対応しました', '', '山田 太郎 さんは書きました:', '> ポンプ3が停止'), 'other', '対応しました'],
    ['Gmail Japanese: "2024年3月5日(火) 10:00 <name> <addr>:"', lines('了解', '2024年3月5日(火) 10:00 山田太郎 <taro@site.example>:', '> ポンプ3が停止'), 'other', '了解'],
    ['Apple Mail Japanese: "2024/03/05 10:00、<name> <addr>のメール:"', lines('了解', '2024/03/05 10:00、山田太郎 <taro@site.example>のメール:', '> ポンプ3が停止'), 'other', '了解'],
    ['an inline reply: later quote blocks go too, the answers stay', lines('On Mon, Bob wrote:', '> Is pump 3 up?', 'Yes.', '> And pump 4?', 'No.'), 'other', 'Yes.\nNo.'],
    ['a reply (subject "Re:") with no attribution: quote blocks go', lines('Ack', '> Pump 3 failed'), 'reply', 'Ack'],
    ['Outlook: "-----Original Message-----" and all below', lines('Done', '', '-----Original Message-----', 'From: Ops', 'Sent: Tuesday, March 5, 2024 10:00 AM', 'Pump 3 failed'), 'other', 'Done'],
    ['Outlook Express: "----- Original Message -----"', lines('Done', '----- Original Message -----', 'From: Ops', 'Pump 3 failed'), 'reply', 'Done'],
    ['Outlook: rule line and "From: / Sent: / To: / Subject:" block', lines('Done', '', '________________________________', 'From: Ops Team <ops@site.example>', 'Sent: Tuesday, March 5, 2024 10:00 AM', 'To: Duty <duty@site.example>', 'Subject: Pump 3 failed', '', 'Pump 3 failed at 09:58'), 'reply', 'Done'],
    ['German Outlook: "Von: / Gesendet: / An: / Betreff:"', lines('Erledigt', 'Von: Ops', 'Gesendet: Dienstag, 5. März 2024 10:00', 'An: Duty', 'Betreff: Pumpe 3'), 'reply', 'Erledigt'],
    ['Japanese Outlook: "差出人: / 送信日時: / 宛先: / 件名:"', lines('対応済み', '差出人: 監視', '送信日時: 2024年3月5日 10:00', '宛先: 当番', '件名: ポンプ3'), 'reply', '対応済み'],
  ])('%s', (_name, text, kind, expected) => {
    expect(dropQuotedReply(text, kind)).toBe(expected);
  });
});

describe('dropQuotedReply keeps what is not reply material', () => {
  it.each<[string, string]>([
    ['a > line inside an alert with no sign of a reply', lines('Disk usage on srv1', '> 90% used on /var', 'since 09:58')],
    ['> lines at the end of an alert with no attribution', lines('Last command output:', '> rm: cannot remove /tmp/x')],
    ['a single "From:" line without the Outlook header block', lines('Alarm', 'From: PLC 7', 'Tank 2 low')],
    ['"wrote:" inside a sentence', lines('The operator wrote: check valve 4', 'On site now')],
  ])('%s', (_name, text) => {
    expect(dropQuotedReply(text, 'other')).toBe(text);
  });

  it('keeps a forwarded Outlook original: in a forward it is the content', () => {
    const text = lines('FYI', '________________________________', 'From: Zabbix', 'Sent: Tuesday, March 5, 2024 10:00 AM', 'To: Ops', 'Subject: Problem: disk full', '', 'Problem: disk full on srv1');
    expect(dropQuotedReply(text, 'forward')).toBe(text);
  });

  it('keeps the text as written when it is only a quote (a mail that is only quoted text is not emptied)', () => {
    const text = lines('On Mon, Bob wrote:', '> Pump 3 failed');
    expect(dropQuotedReply(text, 'reply')).toBe(text);
  });

  it('keeps the text as written when it is only an Outlook original', () => {
    const text = lines('-----Original Message-----', 'From: Ops', 'Pump 3 failed');
    expect(dropQuotedReply(text, 'other')).toBe(text);
  });

  it('does not take a content line ending a sentence as the first half of a wrapped attribution', () => {
    expect(dropQuotedReply(lines('On site now.', 'Bob wrote:', '> q'), 'other')).toBe('On site now.');
  });
});

describe('mailKind', () => {
  it.each<[string, string | undefined, MailKind]>([
    ['"Re:" subject', 'Re: Pump 3 failed', 'reply'],
    ['Outlook "RE:" subject', 'RE: Pump 3 failed', 'reply'],
    ['German "AW:" subject', 'AW: Pumpe 3', 'reply'],
    ['"Fwd:" subject', 'Fwd: Pump 3 failed', 'forward'],
    ['Outlook "FW:" subject on a forwarded reply', 'FW: RE: Pump 3 failed', 'forward'],
    ['Japanese "転送:" subject', '転送: ポンプ3', 'forward'],
    ['an alert subject', 'PROBLEM: srv1 disk full', 'other'],
    ['no subject', undefined, 'other'],
    ['a subject that only starts with the letters "re"', 'Restart done', 'other'],
  ])('%s', (_name, subject, expected) => {
    expect(mailKind(subject)).toBe(expected);
  });
});

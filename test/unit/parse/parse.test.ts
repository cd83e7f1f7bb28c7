/*
 * parseMail on real messages (test/fixtures/mail, see SOURCES.md there) and on a few built here.
 * Expected texts: corpus/mime/EXPECTED.md where upstream asserts them, else read from the files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail, type ParsedMail } from '../../../src/parse/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/mail');

async function parseFixture(name: string): Promise<ParsedMail> {
  return parseText(readFileSync(join(FIXTURES, name)));
}

async function parseText(raw: string | Buffer): Promise<ParsedMail> {
  const result = await parseMail(Buffer.isBuffer(raw) ? raw : Buffer.from(raw.replace(/\r?\n/g, '\r\n')));
  if (!result.ok) throw new Error(`parse failed: ${result.reason}`);
  return result.mail;
}

describe('parseMail on real messages', () => {
  it('decodes an ISO-2022-JP body and a base64 UTF-8 subject (mikel/mail japanese_iso_2022)', async () => {
    const mail = await parseFixture('japanese_iso_2022.eml');
    expect(mail.subject).toBe('まみむめも');
    expect(mail.text).toBe('すみません。');
    expect(mail.from).toBe('raasdnil@gmail.com');
    expect(mail.textFromHtml).toBe(false);
  });

  it('decodes an 8bit Shift_JIS body from a docomo phone', async () => {
    const mail = await parseFixture('japanese_shift_jis.eml');
    expect(mail.subject).toBe('test');
    expect(mail.text).toBe('あいうえお\n\nこのメールはテスト用のメールです。\n\n今後ともよろしくお願い申し上げます！');
    expect(mail.from).toBe('xxxxxxx@docomo.ne.jp');
    expect(mail.messageId).toBe('<xxxxx@docomo.ne.jp>');
  });

  it('decodes a base64 UTF-8 body and drops its "-- " signature', async () => {
    const mail = await parseFixture('japanese_utf8_base64.eml');
    expect(mail.text).toBe('かきくえこ');
  });

  it('takes the text/plain alternative of multipart/alternative, not the HTML', async () => {
    const mail = await parseFixture('content_transfer_encoding_qp_with_space.eml');
    expect(mail.text?.startsWith("If you're in need of a good RX site for online purchases, we are your answer.\n\n")).toBe(true);
    expect(mail.text).not.toContain('<br');
    expect(mail.html).toContain('<br>');
    expect(mail.textFromHtml).toBe(false);
  });

  it('joins quoted-printable soft line breaks and decodes =0D=0A line ends (a fax notification)', async () => {
    const mail = await parseFixture('raw_email_quoted_with_0d0a.eml');
    expect(mail.text?.split('\n').slice(0, 3)).toEqual([
      "A fax has arrived from remote ID ''.",
      '------------------------------------------------------------',
      'Time: 3/9/2006 3:50:52 PM',
    ]);
    expect(mail.text).toContain('Result: (0/352;0/0) Successful Send');
  });

  it('keeps a text/plain attachment apart from the body, with its text', async () => {
    const mail = await parseFixture('attachment_with_unquoted_name.eml');
    expect(mail.text).toBe('This is the first part.');
    expect(mail.attachments).toEqual([{ contentType: 'text/plain', filename: 'This is a test.txt', size: 11, text: 'Hi there.' }]);
  });

  it('reads a nested multipart mail: text alternative, RFC 2047 Q subject, images without text, notes.txt with text', async () => {
    const mail = await parseFixture('nodemailer.eml');
    expect(mail.subject).toBe('Nodemailer is unicode friendly ✔ (1476358788189)');
    expect(mail.text).toBe('Hello to myself!');
    expect(mail.from).toBe('andris@kreata.ee');
    const notes = mail.attachments.find((a) => a.filename === 'notes.txt');
    expect(notes).toEqual({ contentType: 'text/plain', filename: 'notes.txt', size: 28, text: 'Some notes about this e-mail' });
    const image = mail.attachments.find((a) => a.filename === 'image.png');
    expect(image?.contentType).toBe('image/png');
    expect(image && 'text' in image).toBe(false);
  });

  it('lists every attachment the SMS leaves out, with type, name and size, and not notes.txt', async () => {
    const mail = await parseFixture('nodemailer.eml');
    expect(mail.ignoredAttachments.map((a) => a.contentType)).toEqual(mail.attachments.filter((a) => a.contentType !== 'text/plain').map((a) => a.contentType));
    expect(mail.ignoredAttachments).toContainEqual(expect.objectContaining({ contentType: 'image/png', filename: 'image.png' }));
    expect(mail.ignoredAttachments.some((a) => a.filename === 'notes.txt')).toBe(false);
    expect(mail.ignoredAttachments.every((a) => a.size > 0)).toBe(true);
  });

  it('gives header values by lower-case name, unfolded, first occurrence', async () => {
    const mail = await parseFixture('nodemailer.eml');
    expect(mail.headers.get('x-laziness-level')).toBe('1000');
    expect(mail.headers.get('x-mailer')).toBe('nodemailer (2.6.0; +http://nodemailer.com/; SMTP/2.7.2[client:2.12.0])');
    expect(mail.headers.get('received')).toBe('by 10.28.50.2 with SMTP id y2csp233403wmy; Thu, 13 Oct 2016 04:39:49 -0700 (PDT)');
  });
});

describe('parseMail on built messages', () => {
  it('extracts text from an HTML-only mail and says so', async () => {
    const mail = await parseText('From: a@b.example\nSubject: s\nContent-Type: text/html; charset=utf-8\n\n<p>Pump <b>3</b> failed</p>\n');
    expect(mail.text).toBe('Pump 3 failed');
    expect(mail.textFromHtml).toBe(true);
  });

  it('converts HTML that is not the top-level part with the same converter', async () => {
    const raw = [
      'From: a@b.example',
      'Subject: s',
      'Content-Type: multipart/mixed; boundary=XX',
      '',
      '--XX',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<div>Tank &amp; valve<br>level low</div>',
      '--XX--',
      '',
    ].join('\n');
    const mail = await parseText(raw);
    expect(mail.text).toBe('Tank & valve\nlevel low');
    expect(mail.textFromHtml).toBe(true);
  });

  it('takes the HTML alternative when the text/plain alternative is blank', async () => {
    const raw = [
      'Subject: s',
      'Content-Type: multipart/alternative; boundary=XX',
      '',
      '--XX',
      'Content-Type: text/plain; charset=utf-8',
      '',
      ' ',
      '--XX',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Pump <b>3</b> failed</p>',
      '--XX--',
      '',
    ].join('\n');
    const mail = await parseText(raw);
    expect(mail.text).toBe('Pump 3 failed');
    expect(mail.textFromHtml).toBe(true);
  });

  it('drops the quoted original of a reply from the body but not from a text attachment', async () => {
    const raw = [
      'Subject: Re: Pump 3',
      'Content-Type: multipart/mixed; boundary=XX',
      '',
      '--XX',
      'Content-Type: text/plain',
      '',
      'Restarted.',
      '> Pump 3 failed',
      '--XX',
      'Content-Type: text/plain; name=log.txt',
      'Content-Disposition: attachment; filename=log.txt',
      '',
      '> pump3 start',
      '--XX--',
      '',
    ].join('\n');
    const mail = await parseText(raw);
    expect(mail.text).toBe('Restarted.');
    expect(mail.attachments[0]?.text).toBe('> pump3 start');
  });

  it('keeps > lines of an alert that carries In-Reply-To (Zabbix threads every alert with it)', async () => {
    const mail = await parseText('Subject: Problem: srv1\nIn-Reply-To: <1.2@zabbix.example>\n\nOperational data:\n> 90% used on /var\n');
    expect(mail.text).toBe('Operational data:\n> 90% used on /var');
  });

  it('decodes an ISO-8859-1 text attachment by its charset', async () => {
    const raw = [
      'Subject: s',
      'Content-Type: multipart/mixed; boundary=XX',
      '',
      '--XX',
      'Content-Type: text/plain',
      '',
      'body',
      '--XX',
      'Content-Type: text/plain; charset=iso-8859-1; name=a.txt',
      'Content-Disposition: attachment; filename=a.txt',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('caf\u00e9', 'latin1').toString('base64'),
      '--XX--',
      '',
    ].join('\n');
    const mail = await parseText(raw);
    expect(mail.attachments[0]?.text).toBe('café');
  });

  it('reports a blank subject and body as undefined', async () => {
    const mail = await parseText('From: a@b.example\nSubject:   \n\n  \n\n');
    expect(mail.subject).toBeUndefined();
    expect(mail.text).toBeUndefined();
  });

  it('keeps the raw x-smpp header values for encapsulation mode', async () => {
    const mail = await parseText('Subject: s\nx-smpp-short-message: 0605041582\n 158202\nX-SMPP-Data-Coding: 215\n\n');
    expect(mail.headers.get('x-smpp-short-message')).toBe('0605041582 158202');
    expect(mail.headers.get('x-smpp-data-coding')).toBe('215');
  });

  it('parses an empty message without failing', async () => {
    const result = await parseMail(Buffer.alloc(0));
    expect(result).toMatchObject({ ok: true, mail: { subject: undefined, text: undefined, attachments: [] } });
  });
});

describe('parseMail counts the header From as sent (issue 12)', () => {
  it.each<[string, string, ParsedMail['fromField']]>([
    ['one address', 'From: Alerts <alerts@site.example>', { fields: 1, addresses: ['alerts@site.example'], groups: [] }],
    ['a display name with a comma, folded', 'From: "Ops, Night"\n <alerts@site.example>', { fields: 1, addresses: ['alerts@site.example'], groups: [] }],
    ['two From fields (mailparser keeps only the first address)', 'From: alerts@site.example\nFROM: boss@site.example', { fields: 2, addresses: ['alerts@site.example'], groups: [] }],
    ['a list of two addresses', 'From: alerts@site.example, boss@site.example', { fields: 1, addresses: ['alerts@site.example', 'boss@site.example'], groups: [] }],
    ['an empty group', 'From: undisclosed:;', { fields: 1, addresses: [], groups: ['undisclosed'] }],
    ['a group with a member', 'From: team: alerts@site.example;', { fields: 1, addresses: [], groups: ['team'] }],
    ['an empty From', 'From: ', { fields: 1, addresses: [], groups: [] }],
    ['no From', 'Sender: alerts@site.example', { fields: 0, addresses: [], groups: [] }],
  ])('%s', async (_name, header, expected) => {
    const mail = await parseText(`${header}\nSubject: pump\n\nPump 3 failed\n`);
    expect(mail.fromField).toEqual(expected);
  });

  it('does not count a From of an attached message', async () => {
    const raw = [
      'From: alerts@site.example', 'Subject: fwd', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '',
      '--b', 'Content-Type: text/plain', '', 'see attached', '--b', 'Content-Type: message/rfc822', '',
      'From: other@site.example', 'Subject: inner', '', 'inner text', '--b--', '',
    ].join('\n');
    expect((await parseText(raw)).fromField.fields).toBe(1);
  });
});

describe('parseMail reads the Reply-To address an answer goes to (issue 14)', () => {
  it.each<[string, string, string | undefined]>([
    ['one address with a display name', 'Reply-To: "NOC desk" <noc@site.example>', 'noc@site.example'],
    ['a list: the first', 'Reply-To: noc@site.example, boss@site.example', 'noc@site.example'],
    ['a group: its first member', 'Reply-To: team: noc@site.example, boss@site.example;', 'noc@site.example'],
    ['an empty group', 'Reply-To: undisclosed:;', undefined],
    ['an empty field', 'Reply-To: ', undefined],
    ['no Reply-To', 'Sender: alerts@site.example', undefined],
  ])('%s', async (_name, header, expected) => {
    const mail = await parseText(`From: alerts@site.example\n${header}\nSubject: pump\n\nPump 3 failed\n`);
    expect(mail.replyTo).toBe(expected);
    expect(mail.from).toBe('alerts@site.example');
  });
});

describe('parseMail removes control characters from the text (issue 12)', () => {
  it('drops NUL and BEL of an RFC 2047 encoded subject', async () => {
    const word = Buffer.from('disk\u0000 full\u0007!', 'utf8').toString('base64');
    const mail = await parseText(`From: alerts@site.example\nSubject: =?utf-8?b?${word}?=\n\nbody\n`);
    expect(mail.subject).toBe('disk full!');
  });

  it('drops NUL and BEL of a broken base64 body', async () => {
    // "hello\0\x07bell" in base64, then characters outside the alphabet and a cut end.
    const mail = await parseText('From: alerts@site.example\nSubject: x\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\naGVsbG8AB2JlbGw=*%x\n');
    expect(mail.text).toBe('hellobell');
  });
});

/*
 * `mail2sms preview --json` (the built CLI) on mails with control characters and undecodable
 * bytes (issue 12): it shows the text intake would send, without NUL, BEL or U+FFFD, in GSM 7-bit.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSubmitTpdu } from '../../src/encode/index.js';
import { runCli, tempDir } from '../helpers/daemon.js';

async function preview(raw: string | Buffer): Promise<{ code: number | null; json: { text: string; encoding: string; segments: number; pdus: string[] } }> {
  const dir = tempDir();
  const eml = join(dir, 'alert.eml');
  writeFileSync(eml, typeof raw === 'string' ? raw.replace(/\r?\n/g, '\r\n') : raw);
  const p = runCli(['preview', eml, '--json']);
  const { code } = await p.exited;
  return { code, json: JSON.parse(p.stdout.join('\n')) as { text: string; encoding: string; segments: number; pdus: string[] } };
}

describe('preview --json on hostile content (issue 12)', () => {
  it('shows an encoded subject and a broken base64 body without their NUL and BEL, as GSM 7-bit', async () => {
    const subject = Buffer.from('disk\u0000 full\u0007!', 'utf8').toString('base64');
    const { code, json } = await preview(
      `From: alerts@localhost\nTo: <+447973100000@sms.localhost>\nSubject: =?utf-8?b?${subject}?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\naGVsbG8AB2JlbGw=*%x\n`,
    );
    expect(code).toBe(0);
    expect(json).toMatchObject({ text: '(disk full!) hellobell', encoding: 'gsm7', segments: 1 });
    expect(decodeSubmitTpdu(json.pdus[0]!)).toMatchObject({ encoding: 'gsm7', text: '(disk full!) hellobell' });
  });

  it('shows bytes that are not UTF-8 as "?" and keeps the SMS in GSM 7-bit', async () => {
    // 0xE9 (é in Latin-1) in a body declared UTF-8: the decoder gives U+FFFD.
    const head = 'From: alerts@localhost\r\nTo: <+447973100000@sms.localhost>\r\nSubject: temp\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n';
    const { code, json } = await preview(Buffer.concat([Buffer.from(head), Buffer.from('Temp'), Buffer.from([0xe9]), Buffer.from('rature 41\r\n')]));
    expect(code).toBe(0);
    expect(json).toMatchObject({ text: '(temp) Temp?rature 41', encoding: 'gsm7', segments: 1 });
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AtReader, type AtEvent } from '../../../src/transports/modem/at-reader.js';

const FIX = join(import.meta.dirname, '../../fixtures/modem-at');
const json = (name: string): any => JSON.parse(readFileSync(join(FIX, name), 'utf8'));

function feed(chunks: readonly string[], command?: string, echo = false): AtEvent[] {
  const reader = new AtReader();
  reader.echo = echo;
  reader.setCommand(command);
  return chunks.flatMap((c) => reader.push(c));
}

describe('ModemManager serial-parser tables (test-at-serial-port.c)', () => {
  const table = json('at-serial-parser.json');
  const cases = [...table.parse_ok_tests, ...table.parse_error_tests] as { response: string; final_response_found: boolean; is_error: boolean }[];
  it.each(cases)('finds a final result in $response exactly when ModemManager does', (c) => {
    const finals = feed([c.response], 'AT+TEST').filter((e) => e.type === 'final');
    expect(finals.length > 0).toBe(c.final_response_found);
    if (finals[0]?.type === 'final') expect(finals[0].result.kind !== 'ok').toBe(c.is_error);
  });

  const echo = table.echo_removal as { input: string; without_echo: string }[];
  it.each(echo)('removes the same echo as ModemManager from $input', (c) => {
    const removed = c.input.slice(0, c.input.length - c.without_echo.length).replace(/\r+$/, '');
    const echoes = feed([c.input], 'AT+TEST', true).filter((e) => e.type === 'echo').map((e) => (e as { line: string }).line);
    expect(echoes.join('')).toBe(removed);
  });

  it('reports the URCs that follow OK in the same read as unsolicited', () => {
    const events = feed(['\r\nOK\r\n\r\n+CIEV: 7,1\r\n\r\n+CRING: VOICE\r\n\r\n+CLIP: "+0123456789",145,,,,0\r\n'], 'AT');
    expect(events.map((e) => e.type)).toEqual(['final', 'urc', 'urc', 'urc']);
    expect(events.slice(1).map((e) => (e as { name: string }).name)).toEqual(['+CIEV', '+CRING', '+CLIP']);
  });

  it('treats a line after a final result as unsolicited even when nobody lists its name', () => {
    const events = feed(['\r\nERROR\r\n\r\noooops\r\n'], 'AT+TEST');
    expect(events[1]).toEqual({ type: 'urc', name: '', line: 'oooops' });
  });
});

describe('registration replies from named devices (ModemManager test_creg_match)', () => {
  type Creg = { test: string; solicited: boolean; reply: string };
  const cases = json('creg-cgreg-cereg.json').cases as Creg[];
  const name = (reply: string): string => /\+(C5GREG|CGREG|CEREG|CREG)/.exec(reply)![0];
  const withEnd = (reply: string): string => (reply.endsWith('\r\n') ? reply : `${reply}\r\n`);

  it.each(cases.filter((c) => c.solicited))('takes $test as the answer to the read command', (c) => {
    const events = feed([withEnd(c.reply)], `AT${name(c.reply)}?`);
    expect(events[0]?.type).toBe('info');
  });

  it.each(cases.filter((c) => !c.solicited))('takes $test as unsolicited when no command is in flight', (c) => {
    const events = feed([withEnd(c.reply)]);
    expect(events[0]).toMatchObject({ type: 'urc', name: name(c.reply) });
  });

  // <stat> first, then a quoted or hex LAC: the URC shape (TS 27.007 §7.2) is unambiguous.
  const urcShaped = cases.filter((c) => !c.solicited && !/^[^:]*:\s*\d+\s*,\s*\d+\s*(,|\r)/.test(c.reply));
  it.each(urcShaped)('takes $test as unsolicited even while the read command is in flight', (c) => {
    const events = feed([withEnd(c.reply), '\r\n+CREG: 0,1\r\n\r\nOK\r\n'], `AT${name(c.reply)}?`);
    expect(events[0]).toMatchObject({ type: 'urc', name: name(c.reply) });
  });

  it('takes a second read-shaped +CREG line during AT+CREG? as unsolicited', () => {
    const events = feed(['\r\n+CREG: 0,1\r\n\r\n+CREG: 2,5,"0502","0404736D"\r\n\r\nOK\r\n'], 'AT+CREG?');
    expect(events.map((e) => e.type)).toEqual(['info', 'urc', 'final']);
  });

  it('takes an unsolicited +CREG: 1 during another command as unsolicited', () => {
    const events = feed(['\r\n+CREG: 1\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n'], 'AT+CSQ');
    expect(events.map((e) => e.type)).toEqual(['urc', 'info', 'final']);
  });
});

describe('python-gsmmodem send scenarios (test_modem.py)', () => {
  const send = json('sms-scenarios.json').send_sms;
  const fill = (lines: unknown[]): string[] =>
    lines.filter((l) => typeof l !== 'number').map((l) => (typeof l === 'string' ? l : '+CMGS: 183\r\n'));

  it('skips the ZTE +ZDONR and +ZPASR lines that come before the prompt', () => {
    const events = feed(fill(send.zte_urcs_before_prompt), 'AT+CMGS=23');
    expect(events.map((e) => e.type)).toEqual(['urc', 'urc', 'prompt']);
    expect(events.slice(0, 2).map((e) => (e as { name: string }).name)).toEqual(['+ZDONR', '+ZPASR']);
  });

  it('finds +CMGS and OK behind four ZTE URCs', () => {
    const events = feed(fill(send.zte_urcs_before_cmgs), 'AT+CMGS=23');
    expect(events.map((e) => e.type)).toEqual(['urc', 'urc', 'urc', 'urc', 'info', 'final']);
    expect(events[4]).toEqual({ type: 'info', line: '+CMGS: 183' });
  });

  it('reports +CDSI after OK as unsolicited', () => {
    const events = feed(fill(send.cmgs_then_cdsi), 'AT+CMGS=23');
    expect(events.map((e) => e.type)).toEqual(['prompt', 'info', 'final', 'urc']);
  });

  it('recognises the real prompt, which has no line end', () => {
    const events = feed(['\r\n+ZPASR: "UMTS"\r\n\r\n> '], 'AT+CMGS=23');
    expect(events.map((e) => e.type)).toEqual(['urc', 'prompt']);
  });

  it('waits for the space before calling a lone > the prompt', () => {
    const reader = new AtReader();
    reader.echo = false;
    reader.setCommand('AT+CMGS=23');
    expect(reader.push('\r\n>')).toEqual([]);
    expect(reader.push(' ')).toEqual([{ type: 'prompt' }]);
  });
});

describe('Gammu dumps (tests/at-creg, tests/at-cnmi, tests/at-smsc)', () => {
  for (const dir of ['at-creg', 'at-cnmi', 'at-smsc']) {
    const folder = join(FIX, 'gammu', dir);
    for (const file of readdirSync(folder)) {
      it(`reads ${dir}/${file} as echo, replies and OK`, () => {
        const raw = readFileSync(join(folder, file), 'latin1');
        const command = raw.split(/[\r\n]/)[0]!;
        const events = feed([raw], command, true);
        expect(events[0]).toEqual({ type: 'echo', line: command });
        expect(events.at(-1)).toMatchObject({ type: 'final', result: { kind: 'ok' } });
        expect(events.slice(1, -1).every((e) => e.type === 'info')).toBe(true);
      });
    }
  }

  const atgen = json('gammu/atgen-scripted-sequences.json').cases as { function: string; strings: Record<string, string> }[];
  it('reads the two-line +CDS of smsd-incoming-cds with its PDU', () => {
    const event = atgen.find((c) => c.function === 'process_cds')!.strings['event']!;
    const events = feed([event]);
    expect(events).toEqual([
      { type: 'urc', name: '+CDS', line: '+CDS:25', pdu: '07914875215652F006360B914892347527F3817003018104808170030181448000' },
    ]);
  });

  it('reads a direct +CMT with its PDU and +CDSI/+CMTI as one-line URCs', () => {
    const c = atgen.find((x) => x.function === 'main' && x.strings['direct_event'])!;
    const events = feed([c.strings['direct_event']!, c.strings['event']!, '+CDSI: "SR",0\r']);
    expect(events.map((e) => (e as { name: string }).name)).toEqual(['+CMT', '+CMTI', '+CDSI']);
    expect(events[0]).toMatchObject({ pdu: '07918497483252F0040B918496445078F700007121320144744004D4F29C0E' });
  });
});

describe('incremental reading', () => {
  const transcript = 'AT+CMGS=23\r\r\n+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"\r\n\r\n> 0011000B915155661632F40000001954747A0E4ACF41F27298CDCE83C6EF371B0481402010\x1a\r\n+CMGS: 7\r\n\r\nOK\r\n\r\n+CDS: 25\r\n07914875215652F006360B914892347527F3817003018104808170030181448000\r\n';
  it('gives the same events for every split of a transcript into two reads', () => {
    const whole = feed([transcript], 'AT+CMGS=23', true);
    expect(whole.map((e) => e.type)).toEqual(['echo', 'urc', 'prompt', 'info', 'info', 'final', 'urc']);
    for (let i = 1; i < transcript.length; i++) {
      expect(feed([transcript.slice(0, i), transcript.slice(i)], 'AT+CMGS=23', true)).toEqual(whole);
    }
  });

  it('gives the same events when the transcript arrives one byte at a time', () => {
    const whole = feed([transcript], 'AT+CMGS=23', true);
    expect(feed([...transcript], 'AT+CMGS=23', true)).toEqual(whole);
  });

  it('parses +CME ERROR in text form (AT+CMEE=2) and +CMS ERROR with a number', () => {
    expect(feed(['\r\n+CME ERROR: SIM PIN required\r\n'], 'AT+CPIN?')[0]).toEqual({
      type: 'final', line: '+CME ERROR: SIM PIN required', result: { kind: 'cme', text: 'SIM PIN required' },
    });
    expect(feed(['\r\n+CMS ERROR: 330\r\n'], 'AT+CMGS=23')[0]).toMatchObject({ result: { kind: 'cms', code: 330 } });
  });
});

describe('echo expected, but the modem no longer echoes (its answer framed without the leading CRLF)', () => {
  it('reads "OK\\r\\n" as the final result, not as the echo of AT', () => {
    expect(feed(['OK\r\n'], 'AT', true)).toEqual([{ type: 'final', line: 'OK', result: { kind: 'ok' } }]);
  });

  it('reads "+CREG: 0,1\\r\\nOK\\r\\n" as the answer of AT+CREG?', () => {
    expect(feed(['+CREG: 0,1\r\nOK\r\n'], 'AT+CREG?', true)).toEqual([
      { type: 'info', line: '+CREG: 0,1' },
      { type: 'final', line: 'OK', result: { kind: 'ok' } },
    ]);
  });

  it('still takes a real echo, then the answer', () => {
    expect(feed(['AT+CFUN=1,1\r\r\nOK\r\n'], 'AT+CFUN=1,1', true)).toEqual([
      { type: 'echo', line: 'AT+CFUN=1,1' },
      { type: 'final', line: 'OK', result: { kind: 'ok' } },
    ]);
  });
});

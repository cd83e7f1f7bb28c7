/*
 * targets.ts - every parser that reads outside input, as a fuzz target (issue 12).
 *
 * Promise of each target's run(): it returns when the parser did what its contract says with the
 * input (accepted it, or refused it with its own error type) and throws when it did not: an
 * exception of another type, an invariant broken (the AT reader's events depending on how the
 * bytes were chunked, control characters in SMS text, a malformed SMTP reply, a 250 whose message
 * is not in the queue). The caller bounds each input's time, so a hang is a finding too.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import smpp from 'smpp';
import { encapsulatedPart, encapsulationOf } from '../../src/compose/encapsulation.js';
import { ConfigInvalidError, parseConfigText, parseModemProfile, parseProvisionText, ProvisionInvalidError } from '../../src/config/index.js';
import { buildSubmitTpdu, decodeStatusReport } from '../../src/encode/index.js';
import { GatewayError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/index.js';
import { startGateway, type Gateway } from '../../src/main.js';
import { cleanLine, parseMail } from '../../src/parse/index.js';
import { AtReader } from '../../src/transports/modem/at-reader.js';
import { parseCmgs, parseCpin, parseCsq, parseRegistration, parseRegistrationUrc } from '../../src/transports/modem/at-replies.js';
import { parseCmgfModes, parseCops, parseCsca, parseCsqReply, parseIccid, parseIdentity, parseImei, parseImsi, parseStatusReport } from '../../src/transports/modem/probe-values.js';
import { parseStoreIndication } from '../../src/transports/modem/at-replies.js';
import { pduOfCmgr, reportOfPdu } from '../../src/transports/modem/status-reports.js';
import { normaliseMessageId } from '../../src/transports/smpp/message-id.js';
import { parseReceipt } from '../../src/transports/smpp/receipt.js';
import { rngOf } from './mutator.js';

export interface FuzzTarget {
  readonly name: string;
  /** What a crash means for this parser, for docs/fuzzing.md and the campaign's summary. */
  readonly checks: string;
  /** Most milliseconds one input may take before it counts as a hang. */
  readonly timeoutMs: number;
  seeds(): Buffer[];
  setup?(): Promise<void>;
  run(input: Buffer, index: number): void | Promise<void>;
  teardown?(): Promise<void>;
}

export class FuzzFailure extends Error {}

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures');

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p, ext) : ext.test(f) ? [p] : [];
  });
}

/** Every string anywhere in the JSON files under `dir`. */
function jsonStrings(dir: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const f of filesUnder(dir, /\.json$/)) walk(JSON.parse(readFileSync(f, 'utf8')));
  return out;
}

const hexSeeds = (dir: string, min: number): Buffer[] =>
  [...new Set(jsonStrings(dir).map((s) => s.replace(/\s+/g, '')).filter((s) => s.length >= min && s.length % 2 === 0 && /^[0-9A-Fa-f]+$/.test(s)))].map((s) => Buffer.from(s, 'hex'));

/** C0 controls other than line ends, DEL and C1 other than NEL: never in SMS text (issue 12). */
const CONTROL = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f\u0080-\u0084\u0086-\u009f]/;

function expectOnly(err: unknown, ...types: ReadonlyArray<abstract new (...a: never[]) => Error>): void {
  if (types.some((t) => err instanceof t)) return;
  throw new FuzzFailure(`threw ${(err as Error)?.constructor?.name ?? typeof err}: ${(err as Error)?.message ?? String(err)}`);
}

const lines = (input: Buffer): string[] => input.toString('latin1').split(/\r\n|\r|\n/);

const atReader: FuzzTarget = {
  name: 'at-reader',
  checks: 'never throws; the events do not depend on how the bytes are split into chunks',
  timeoutMs: 2000,
  seeds: () => [
    ...filesUnder(join(FIXTURES, 'modem-at/gammu'), /\.dump$/).map((f) => readFileSync(f)),
    ...jsonStrings(join(FIXTURES, 'modem-at')).filter((s) => /[\r\n]/.test(s)).map((s) => Buffer.from(s, 'latin1')),
  ],
  run(input, index) {
    const events = (chunks: readonly Buffer[]): string => {
      const reader = new AtReader();
      reader.setCommand('AT+CMGS=23');
      return JSON.stringify(chunks.flatMap((c) => reader.push(c)));
    };
    const whole = events([input]);
    const rng = rngOf(index);
    const chunks: Buffer[] = [];
    for (let at = 0; at < input.length; ) {
      const n = 1 + Math.floor(rng() * 16);
      chunks.push(input.subarray(at, at + n));
      at += n;
    }
    const split = events(chunks);
    if (split !== whole) throw new FuzzFailure(`events differ when the input is split in ${chunks.length} chunks:\n${whole}\n${split}`);
  },
};

const modemAnswers: FuzzTarget = {
  name: 'modem-answers',
  checks: 'the answer parsers of the driver and `modem probe` never throw; +CMGS gives a TP-MR of 0..255 or nothing; +CMGF gives PDU/text modes only',
  timeoutMs: 2000,
  seeds: () => jsonStrings(join(FIXTURES, 'modem-at')).filter((s) => /^[+^]|OK|ERROR/.test(s)).map((s) => Buffer.from(s, 'latin1')),
  run(input) {
    const ls = lines(input);
    parseCpin(ls); parseRegistration(ls); parseCsq(ls); parseIdentity(ls); parseImei(ls); parseImsi(ls); parseIccid(ls);
    parseCops(ls); parseCsqReply(ls); parseCsca(ls); pduOfCmgr(ls);
    for (const l of ls) { parseRegistrationUrc(l); parseStoreIndication(l); }
    const mr = parseCmgs(ls);
    if (mr !== undefined && !(Number.isInteger(mr) && mr >= 0 && mr <= 255)) throw new FuzzFailure(`+CMGS gave TP-MR ${mr}`);
    const modes = parseCmgfModes(ls);
    if (modes !== undefined && modes.some((m) => m !== 0 && m !== 1)) throw new FuzzFailure(`+CMGF gave modes ${modes.slice(0, 5).join(',')}… (${modes.length})`);
  },
};

const statusReports: FuzzTarget = {
  name: 'status-report',
  checks: 'the SMS-STATUS-REPORT decoders (+CDS, AT+CMGR, `modem probe`) never throw on any hex',
  timeoutMs: 1000,
  seeds: () => [...hexSeeds(join(FIXTURES, 'sms-pdu'), 20), ...hexSeeds(join(FIXTURES, 'modem-at'), 20)],
  run(input) {
    const hex = input.toString('hex').toUpperCase();
    decodeStatusReport(hex);
    decodeStatusReport(hex, { withSmsc: true });
    reportOfPdu(hex);
    parseStatusReport(hex);
  },
};

const mailSeeds = (): Buffer[] => filesUnder(join(FIXTURES, 'mail'), /\.eml$/).map((f) => readFileSync(f));

const mime: FuzzTarget = {
  name: 'mime',
  checks: 'parseMail resolves (never rejects) for any bytes; a cleaned subject holds no control characters',
  timeoutMs: 5000,
  seeds: mailSeeds,
  async run(input) {
    const r = await parseMail(input);
    if (r.ok && r.mail.subject !== undefined && CONTROL.test(cleanLine(r.mail.subject))) throw new FuzzFailure(`control character in the subject ${JSON.stringify(cleanLine(r.mail.subject))}`);
  },
};

const encodedWords: FuzzTarget = {
  name: 'encoded-words',
  checks: 'an RFC 2047 Subject decodes without a throw and its cleaned text holds no control characters',
  timeoutMs: 2000,
  seeds: () => [
    ...mailSeeds().flatMap((m) => /^Subject:(.*(?:\r?\n[ \t].*)*)/im.exec(m.toString('latin1'))?.[1] ?? []).map((s) => Buffer.from(s, 'latin1')),
    Buffer.from(' =?utf-8?B?SGVsbG8gd29ybGQ=?= =?iso-8859-1?Q?caf=E9?='),
    Buffer.from(' =?UTF-8?Q?=E2=82=AC_=00=07?= =?shift_jis?B?k/qWe4zq?='),
  ],
  async run(input) {
    const raw = Buffer.concat([Buffer.from('From: a@example.test\r\nTo: +447973100000@sms.test\r\nSubject:'), input.subarray(0, 4096), Buffer.from('\r\n\r\nbody\r\n')]);
    const r = await parseMail(raw);
    if (r.ok && r.mail.subject !== undefined && CONTROL.test(cleanLine(r.mail.subject))) throw new FuzzFailure(`control character in the subject ${JSON.stringify(cleanLine(r.mail.subject))}`);
  },
};

const xSmpp: FuzzTarget = {
  name: 'x-smpp',
  checks: 'the x-smpp-* headers are read or refused with a reason, never a throw; what is read builds a TPDU',
  timeoutMs: 1000,
  seeds: () => [
    Buffer.from('x-smpp-destination-addr: +447973100000\nx-smpp-esm-class: 64\nx-smpp-protocol-id: 0\nx-smpp-data-coding: 245\nx-smpp-validity-period: 000001000000000R\nx-smpp-short-message: 06050415820000 30 00 00 00 0A'),
    Buffer.from('x-smpp-short-message: 48656C6C6F\nx-smpp-data-coding: 0'),
    Buffer.from('x-smpp-short-message: 0048 0065\nx-smpp-data-coding: 8\nx-smpp-validity-period: 260101120000000+'),
  ],
  run(input) {
    const headers = new Map<string, string>();
    for (const line of input.toString('latin1').split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const e = encapsulationOf(headers, { isNumber: true }, Date.UTC(2026, 0, 1));
    if (e.kind === 'ok') buildSubmitTpdu(encapsulatedPart(e.sms, e.sms.destination ?? '+447973100000', false));
  },
};

const config: FuzzTarget = {
  name: 'config',
  checks: 'a config text is accepted or refused with ConfigInvalidError/GatewayError naming the file, never another throw',
  timeoutMs: 3000,
  seeds: () => filesUnder(join(FIXTURES, 'fuzz/seeds/config'), /\.ya?ml$/).map((f) => readFileSync(f)),
  run(input) {
    try {
      parseConfigText(input.toString('utf8'), '/etc/mail2sms/config.yaml');
    } catch (err) {
      expectOnly(err, ConfigInvalidError, GatewayError);
      if (!(err as Error).message.includes('/etc/mail2sms/config.yaml')) throw new FuzzFailure(`refusal does not name the file: ${(err as Error).message}`);
    }
  },
};

const importFile: FuzzTarget = {
  name: 'import',
  checks: 'an import text is accepted or refused with ProvisionInvalidError, never another throw',
  timeoutMs: 3000,
  seeds: () => filesUnder(join(FIXTURES, 'fuzz/seeds/import'), /\.ya?ml$/).map((f) => readFileSync(f)),
  run(input) {
    try {
      parseProvisionText(input.toString('utf8'), 'boxes.yaml');
    } catch (err) {
      expectOnly(err, ProvisionInvalidError, GatewayError);
    }
  },
};

const modemProfile: FuzzTarget = {
  name: 'modem-profile',
  checks: 'a hardware/profiles file is accepted or refused with ConfigInvalidError, never another throw',
  timeoutMs: 3000,
  seeds: () => filesUnder(join(ROOT, 'hardware/profiles'), /\.ya?ml$/).map((f) => readFileSync(f)),
  run(input) {
    try {
      parseModemProfile(input.toString('utf8'), '/x/quectel-ec25.yaml');
    } catch (err) {
      expectOnly(err, ConfigInvalidError);
    }
  },
};

const smppPdu: FuzzTarget = {
  name: 'smpp-pdu',
  checks: "the smpp package's PDU decoder returns a PDU or false, or throws an Error (which the SMPP session must catch); a decoded PDU encodes again",
  timeoutMs: 1000,
  seeds: () => hexSeeds(join(FIXTURES, 'smpp'), 32),
  run(input) {
    let pdu: smpp.PDU | false;
    try {
      pdu = smpp.PDU.fromBuffer(input);
    } catch (err) {
      if (err instanceof Error) return;
      throw new FuzzFailure(`threw a non-Error: ${String(err)}`);
    }
    if (pdu) {
      try {
        pdu.toBuffer();
      } catch (err) {
        expectOnly(err, Error);
      }
    }
  },
};

const DELIVERY_STATES = new Set(['delivered', 'failed', 'expired', 'pending']);

/** A receipt's fields as the package would decode them, drawn from the input: text, and TLVs when its first octet says. */
function receiptFields(input: Buffer): Record<string, unknown> {
  const flags = input[0] ?? 0;
  const text = input.subarray(1);
  return {
    esm_class: flags & 0x01 ? 0x20 : 0x04,
    source_addr: text.subarray(0, 12).toString('latin1'),
    source_addr_ton: flags & 0x02 ? 1 : 0,
    data_coding: flags & 0x04 ? 8 : 3,
    short_message: flags & 0x08 ? { message: text.toString('latin1') } : { message: text },
    ...(flags & 0x10 ? { receipted_message_id: text.subarray(0, 40).toString('latin1') } : {}),
    ...(flags & 0x20 ? { message_state: text[0] ?? 0 } : {}),
    ...(flags & 0x40 ? { network_error_code: text.subarray(0, 3) } : {}),
  };
}

const smppReceipt: FuzzTarget = {
  name: 'smpp-receipt',
  checks: 'a delivery receipt (text and TLVs, or a whole deliver_sm PDU) is read or refused with a reason, never a throw; its state is one of four, its detail one line of printable text, and its message id gives lowercase keys without NUL in every receipt_id mode',
  timeoutMs: 1000,
  seeds: () => [
    ...jsonStrings(join(FIXTURES, 'smpp')).filter((s) => /\bid:/i.test(s)).flatMap((s) => [0x08, 0x3a].map((flags) => Buffer.concat([Buffer.from([flags]), Buffer.from(s, 'latin1')]))),
    ...hexSeeds(join(FIXTURES, 'smpp'), 32),
  ],
  run(input) {
    const candidates: Array<Readonly<Record<string, unknown>>> = [receiptFields(input)];
    try {
      const pdu = smpp.PDU.fromBuffer(input);
      if (pdu) candidates.push(pdu as unknown as Record<string, unknown>);
    } catch {
      // the package's own decoder refusing it is the smpp-pdu target's business
    }
    for (const fields of candidates) {
      const result = parseReceipt(fields);
      if (result.kind === 'invalid' && result.reason === '') throw new FuzzFailure('refused without a reason');
      if (result.kind !== 'receipt') continue;
      const { receipt } = result;
      if (!DELIVERY_STATES.has(receipt.state)) throw new FuzzFailure(`state ${String(receipt.state)}`);
      if (/[\u0000-\u001f\u007f]/.test(receipt.detail)) throw new FuzzFailure(`detail with a control character: ${JSON.stringify(receipt.detail.slice(0, 120))}`);
      for (const id of [receipt.messageId, receipt.textId ?? '']) {
        for (const mode of ['auto', 'hex', 'dec'] as const) {
          for (const key of normaliseMessageId(id, mode)) {
            if (key === '' || key.includes('\0') || key !== key.toLowerCase()) throw new FuzzFailure(`id ${JSON.stringify(id.slice(0, 60))} gave key ${JSON.stringify(key.slice(0, 60))} (${mode})`);
          }
        }
      }
    }
  },
};

/** SMTP through a real socket to the whole gateway (intake, verdict, queue) on its simulated modem. */
function smtpTarget(): FuzzTarget {
  let gateway: Gateway | undefined;
  let port = 0;
  let dir = '';
  const REPLY = /^[2-5]\d\d(?:[ -]|$)/;
  return {
    name: 'smtp',
    checks: 'every line the server writes is a reply (ddd, then space or dash) in printable ASCII; a 250 "queued as" id is in the queue; the server still greets after each session',
    timeoutMs: 8000,
    seeds: () => {
      const session = (mail: Buffer): Buffer => Buffer.concat([
        Buffer.from('EHLO fuzz.test\r\nMAIL FROM:<alerts@localhost>\r\nRCPT TO:<+447973100000@sms.test>\r\nDATA\r\n'),
        mail.subarray(0, 8192), Buffer.from('\r\n.\r\nQUIT\r\n'),
      ]);
      return [
        ...mailSeeds().slice(0, 40).map(session),
        Buffer.from('HELO x\r\nMAIL FROM:<> SIZE=99999999999\r\nRCPT TO:<447973100000@sms.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@y\r\nRSET\r\nVRFY x\r\nNOOP\r\nAUTH PLAIN AGFsZXJ0c0Bsb2NhbGhvc3QAeA==\r\nSTARTTLS\r\nQUIT\r\n'),
        Buffer.from('EHLO [127.0.0.1]\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<+447973100000@ex\x07ample.org>\r\nRCPT TO:<+1@example.org>\r\nRCPT TO:<0044 7973@sms.test>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nBDAT 4 LAST\r\nQUIT\r\n'),
      ];
    },
    async setup() {
      const { mkdtempSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      dir = mkdtempSync(join(tmpdir(), 'mail2sms-fuzz-'));
      const cfg = parseConfigText(`domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0, idle_timeout: 5s, max_connections_per_client: 100, auth_failure_delay: 1ms }\n`, join(dir, 'c.yaml'));
      gateway = await startGateway({ config: cfg, logger: silentLogger() });
      port = gateway.listening[0]!.port;
    },
    async run(input) {
      const output = await session(port, input);
      const replyLines = output.split('\r\n').filter((l, i, all) => l !== '' || i < all.length - 1);
      if (!replyLines[0]?.startsWith('220')) throw new FuzzFailure(`no greeting: ${JSON.stringify(replyLines[0])}`);
      for (const line of replyLines) {
        if (!REPLY.test(line)) throw new FuzzFailure(`not an SMTP reply line: ${JSON.stringify(line.slice(0, 200))}`);
        if (/[^\x20-\x7e]/.test(line)) throw new FuzzFailure(`a reply line that is not printable ASCII: ${JSON.stringify(line.slice(0, 200))}`);
      }
      for (const line of replyLines) {
        const qid = /^250 .*queued as (\S+)/.exec(line)?.[1];
        if (qid === undefined) continue;
        try {
          gateway!.queue.show(qid);
        } catch {
          throw new FuzzFailure(`250 queued as ${qid}, but the queue has no such message`);
        }
      }
    },
    async teardown() {
      await gateway?.stop();
      const { rmSync } = await import('node:fs');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes `input` and an end of DATA plus QUIT, and collects what the server says until it closes. */
function session(port: number, input: Buffer): Promise<string> {
  return new Promise((done, fail) => {
    const socket = net.connect(port, '127.0.0.1');
    let output = '';
    const timer = setTimeout(() => socket.destroy(), 6000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (output += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      done(output);
    });
    socket.once('data', () => socket.end(Buffer.concat([input, Buffer.from('\r\n.\r\nQUIT\r\n')])));
    socket.on('timeout', () => fail(new FuzzFailure('no answer')));
  });
}

export function fuzzTargets(): FuzzTarget[] {
  return [atReader, modemAnswers, statusReports, mime, encodedWords, xSmpp, config, importFile, modemProfile, smppPdu, smppReceipt, smtpTarget()];
}

/*
 * replay-modem.ts - a recorded modem on the far end of a real serial line. socat makes a linked
 * pair of pseudo-terminals; the replay opens one end with serialport's platform binding, the
 * driver opens the other (`path`), and every command the driver writes is answered with the bytes
 * a real modem answered in a recording (test/fixtures/modem-at/: python-gsmmodem's per-modem
 * tables, Gammu's dumps and ATGEN scripts, ModemManager's captures).
 *
 * Promise: answers go out chunk by chunk, in order, as recorded (`\r`/`\n` untouched; a pause chunk
 * delays the rest). Every line the host writes, each PDU and each ESC is kept in `transcript` with
 * the kind and source of the answer it got, so a test can assert the whole exchange. close() ends
 * the port and socat; nothing is left running.
 *
 * What answers a command (answerOf): the session's entries in order (test additions, the modem's
 * own table, recordings of its family); then, when the recording shows the modem does not support
 * the command (every recorded form refused, or the name missing from its own AT+CLAC list), the
 * modem's refusal as recorded (ERROR, or Huawei E1752's COMMAND NOT SUPPORT); then the exchanges
 * the source's test suite plays with every modem (`suite`); then `otherwise` (python-gsmmodem's
 * FakeModem.defaultResponse) or the refusal.
 *
 * Device rules: echo (V.250 §6.2.4) is on until ATE0 is accepted and on again after AT+CFUN=1,1
 * (TS 27.007 §8.2 restarts the modem); the echo is the command and its CR. After an entry with
 * `pduReplies` (AT+CMGS, TS 27.005 §3.5.1) the bytes up to Ctrl-Z are the PDU; ESC leaves PDU entry
 * without an answer (no recording shows one) and is ignored in command mode.
 *
 * Limits: one command per line; no recording of a cut modem exists, so cutNext() says where the
 * recording stops and what brings the modem back (an ESC or a given command).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect, type BindingPortInterface } from '@serialport/bindings-cpp';
import { loadModemProfiles } from '../../src/config/index.js';
import { createLogger } from '../../src/log/logger.js';
import { createModemTransport, type DriverTimeouts, type ModemTransport, type Profile, type RecoveryTimings } from '../../src/transports/modem/index.js';

export const FIXTURES = join(import.meta.dirname, '../fixtures/modem-at');

export type Chunk = string | { readonly pauseMs: number };
export type Reply = readonly Chunk[];

/**
 * recorded: this modem's own recording; family: a recording of another modem of the same maker;
 * suite: what the source's test suite answers every modem; spliced: recorded bytes a test puts
 * where the recording has none; default: python-gsmmodem's answer to any unlisted command;
 * refusal: the modem's recorded answer to a command it lacks.
 */
export type AnswerKind = 'recorded' | 'family' | 'suite' | 'spliced' | 'default' | 'refusal';

export interface ReplayEntry {
  /** The line as the host writes it, without CR; a RegExp for a parameterised one (AT+CMGS=<n>). */
  readonly command: string | RegExp;
  /** One reply per time the command comes; the last one is repeated. */
  readonly replies: readonly Reply[];
  /** AT+CMGS: the answers to the PDU and its Ctrl-Z, one per send, the last one repeated. */
  readonly pduReplies?: readonly Reply[];
  readonly kind: AnswerKind;
  /** File and case the bytes come from. */
  readonly source: string;
}

export interface Answer {
  readonly reply: Reply;
  readonly kind: AnswerKind;
  readonly source: string;
}

export interface ReplaySession {
  readonly modem: string;
  readonly entries: readonly ReplayEntry[];
  readonly refusal: Answer;
  /** Upper-case command names (`+CSCS`, `^CURC`, `E`) of the modem's own AT+CLAC answer. */
  readonly supported?: ReadonlySet<string>;
  /** Command names the recording refuses in every form it holds (Nokia N79: +CNMI). */
  readonly refused: ReadonlySet<string>;
  readonly suite: readonly ReplayEntry[];
  readonly otherwise?: Answer;
}

export interface Exchange {
  /** The command line, `PDU <hex>` or `ESC`. */
  readonly sent: string;
  /** What answered: an AnswerKind, `cut` (the recording stopped) or `none`. */
  readonly kind: AnswerKind | 'cut' | 'none';
  readonly source: string;
}

export interface ReplayCut {
  /** The command whose answer the recording stops in. */
  readonly command: string | RegExp;
  /** Its reply, or the answer to its PDU. */
  readonly phase: 'reply' | 'pdu';
  /** Chunks of that answer still sent. */
  readonly keep: number;
  /** What brings the modem back: an ESC, or a command line (answered as usual). */
  readonly resumeOn: 'esc' | RegExp;
  /** How many of those still go unanswered first (default none). */
  readonly skip?: number;
}

export interface ReplayModem {
  /** The path the driver opens (a symlink to /dev/pts/N). */
  readonly path: string;
  readonly transcript: readonly Exchange[];
  /** The lines sent, in order, each with the kind of its answer: `AT+CGMI recorded`. */
  sent(): string[];
  /** Unsolicited bytes from a capture, written now. */
  inject(reply: Reply): Promise<void>;
  cutNext(cut: ReplayCut): void;
  close(): Promise<void>;
}

const CR = 0x0d;
const LF = 0x0a;
const CTRL_Z = 0x1a;
const ESC = 0x1b;

/** The name of an AT command: `AT+CNMI=2,1` → `+CNMI`, `ATE0` → `E`, `AT` → ``. */
export function atName(line: string): string {
  const m = /^AT([+^$%&\\][A-Z0-9]+|[A-Z])?/i.exec(line.trim());
  return (m?.[1] ?? '').toUpperCase();
}

function matches(pattern: string | RegExp, line: string): boolean {
  return typeof pattern === 'string' ? pattern === line : pattern.test(line);
}

/** The entry and the answer the session gives a command line (module header: the order). */
export function answerOf(session: ReplaySession, line: string): { entry?: ReplayEntry; answer?: Answer } {
  const own = session.entries.find((e) => matches(e.command, line));
  if (own) return { entry: own };
  const name = atName(line);
  const lacks = session.refused.has(name) || (name !== '' && session.supported !== undefined && !session.supported.has(name));
  if (lacks) return { answer: session.refusal };
  const suite = session.suite.find((e) => matches(e.command, line));
  if (suite) return { entry: suite };
  return { answer: session.otherwise ?? session.refusal };
}

/** Starts socat and the replay on one end; resolves once both ends exist and the replay's is open. */
export async function startReplayModem(session: ReplaySession): Promise<ReplayModem> {
  const dir = mkdtempSync(join(tmpdir(), 'mail2sms-replay-'));
  const inner = join(dir, 'recording');
  const outer = join(dir, 'modem');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${inner}`, `pty,raw,echo=0,link=${outer}`], { stdio: 'ignore' });
  const cleanup = async (): Promise<void> => {
    await stopProcess(socat);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForLinks(socat, [inner, outer]);
    const port = await autoDetect().open({ path: inner, baudRate: 115200, lock: false });
    return new Replay(session, port, outer, cleanup).api();
  } catch (err) {
    await cleanup();
    throw err;
  }
}

class Replay {
  readonly transcript: Exchange[] = [];
  private echo = true;
  private line = '';
  private pdu: { entry: ReplayEntry; hex: string; cut?: ReplayCut } | undefined;
  private readonly turns = new Map<ReplayEntry, { reply: number; pdu: number }>();
  private armed: ReplayCut | undefined;
  private cut: ReplayCut | undefined;
  private writes: Promise<void> = Promise.resolve();
  private readonly reading: Promise<void>;

  constructor(private readonly session: ReplaySession, private readonly port: BindingPortInterface, private readonly path: string, private readonly cleanup: () => Promise<void>) {
    this.reading = this.read();
  }

  api(): ReplayModem {
    return {
      path: this.path,
      transcript: this.transcript,
      sent: () => this.transcript.map((x) => `${x.sent} ${x.kind}`),
      inject: (reply) => this.write(reply),
      cutNext: (cut) => void (this.armed = cut),
      close: async () => {
        await this.writes;
        if (this.port.isOpen) await this.port.close().catch(() => undefined);
        await this.reading;
        await this.cleanup();
      },
    };
  }

  private async read(): Promise<void> {
    const buffer = Buffer.alloc(1024);
    while (this.port.isOpen) {
      try {
        const { bytesRead } = await this.port.read(buffer, 0, buffer.length);
        for (const byte of buffer.subarray(0, bytesRead)) this.onByte(byte);
      } catch {
        return; // canceled on close
      }
    }
  }

  private onByte(byte: number): void {
    if (byte === ESC) return this.onEsc();
    if (this.pdu) {
      if (byte !== CTRL_Z) return void (this.pdu.hex += String.fromCharCode(byte));
      const pdu = this.pdu;
      this.pdu = undefined;
      return this.onPdu(pdu);
    }
    if (byte === LF) return;
    if (byte !== CR) return void (this.line += String.fromCharCode(byte));
    const line = this.line.trim();
    this.line = '';
    if (line !== '') this.onLine(line);
  }

  /** Whether this ESC or line brings a cut modem back (after the ones it lets pass). */
  private resumes(what: string): boolean {
    const cut = this.cut;
    if (!cut || (cut.resumeOn === 'esc' ? what !== 'ESC' : !cut.resumeOn.test(what))) return false;
    if ((cut.skip ?? 0) > 0) {
      this.cut = { ...cut, skip: (cut.skip ?? 0) - 1 };
      return false;
    }
    return true;
  }

  private onEsc(): void {
    const inPdu = this.pdu !== undefined;
    this.pdu = undefined;
    this.line = '';
    const resumes = this.resumes('ESC');
    this.transcript.push({ sent: 'ESC', kind: this.cut && !resumes ? 'cut' : 'none', source: inPdu ? 'leaves PDU entry' : 'ignored in command mode' });
    if (resumes) this.cut = undefined;
  }

  private onLine(line: string): void {
    if (this.cut) {
      if (!this.resumes(line)) return void this.transcript.push({ sent: line, kind: 'cut', source: 'the recording stopped' });
      this.cut = undefined;
    }
    const { entry, answer } = answerOf(this.session, line);
    const reply = entry ? this.turn(entry.replies, entry, 'reply') : answer!.reply;
    const kind = entry?.kind ?? answer!.kind;
    this.transcript.push({ sent: line, kind, source: entry?.source ?? answer!.source });
    const cut = this.armed && matches(this.armed.command, line) ? this.armed : undefined;
    if (cut) this.armed = undefined;
    const echoed: Reply = this.echo ? [`${line}\r`] : [];
    if (cut?.phase === 'reply') {
      this.cut = cut;
      return void this.write([...echoed, ...reply.slice(0, cut.keep)]);
    }
    void this.write([...echoed, ...reply]);
    if (entry?.pduReplies) this.pdu = { entry, hex: '', ...(cut ? { cut } : {}) };
    if (/^ATE0$/i.test(line) && kind !== 'refusal') this.echo = false;
    if (/^AT\+CFUN=1,1$/i.test(line) && kind !== 'refusal') this.echo = true;
  }

  private onPdu(pdu: { entry: ReplayEntry; hex: string; cut?: ReplayCut }): void {
    const reply = this.turn(pdu.entry.pduReplies!, pdu.entry, 'pdu');
    this.transcript.push({ sent: `PDU ${pdu.hex}`, kind: pdu.entry.kind, source: pdu.entry.source });
    if (pdu.cut) this.cut = pdu.cut;
    void this.write(pdu.cut ? reply.slice(0, pdu.cut.keep) : reply);
  }

  /** The reply for this time the command comes (each entry counts its replies and PDU answers). */
  private turn(replies: readonly Reply[], entry: ReplayEntry, phase: 'reply' | 'pdu'): Reply {
    const counts = this.turns.get(entry) ?? { reply: 0, pdu: 0 };
    const n = counts[phase];
    this.turns.set(entry, { ...counts, [phase]: n + 1 });
    return replies[Math.min(n, replies.length - 1)] ?? [];
  }

  private write(reply: Reply): Promise<void> {
    this.writes = this.writes.then(async () => {
      for (const chunk of reply) {
        if (typeof chunk !== 'string') await new Promise((r) => setTimeout(r, chunk.pauseMs));
        else if (this.port.isOpen) await this.port.write(Buffer.from(chunk, 'latin1')).catch(() => undefined);
      }
    });
    return this.writes;
  }
}

async function waitForLinks(child: ChildProcess, paths: readonly string[]): Promise<void> {
  let failure: Error | undefined;
  child.once('error', (err) => (failure = err));
  const deadline = Date.now() + 5_000;
  while (!paths.every((p) => existsSync(p))) {
    if (failure) throw new Error(`cannot run socat: ${failure.message}`);
    if (child.exitCode !== null) throw new Error(`socat exited (${child.exitCode}) before making the ptys`);
    if (Date.now() > deadline) throw new Error('socat made no ptys within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}

// ---- Sessions built from the fixtures -------------------------------------------------------

interface FakeModemClass {
  readonly class: string;
  readonly responses?: Readonly<Record<string, readonly string[]>>;
  readonly defaultResponse?: readonly string[] | null;
  readonly real_modem: boolean;
}

const FAKE_MODEMS = (JSON.parse(readFileSync(join(FIXTURES, 'fakemodems.json'), 'utf8')) as { modems: FakeModemClass[] }).modems;
const SCENARIOS = JSON.parse(readFileSync(join(FIXTURES, 'sms-scenarios.json'), 'utf8')) as {
  receive_sms: { cases: { reference: number }[] };
  send_sms: { prompt_and_result: unknown[] };
  misc_parsing: { csq: { response: string }[] };
};

const FAKEMODEMS_PY = 'python-gsmmodem test/fakemodems.py';
const TEST_MODEM_PY = 'python-gsmmodem test/test_modem.py';
const ERROR_LINES = new Set(['ERROR\r\n', 'COMMAND NOT SUPPORT\r\n']);

/**
 * What python-gsmmodem's test_modem.py answers every modem: AT+CSQ (test_signalStrength), AT+CREG?
 * (test_waitForNetorkCoverage: "+CREG: 0,1" then OK; not in the fixtures, quoted here), and AT+CMGS
 * ("> " prompt, then "+CMGS: <ref>" and OK with the refs 142, 33, 0 of its TestSms cases).
 */
function pythonGsmmodemSuite(): ReplayEntry[] {
  const prompt = String(SCENARIOS.send_sms.prompt_and_result[0]);
  return [
    { command: 'AT+CSQ', replies: [[`${SCENARIOS.misc_parsing.csq[0]!.response}\r\n`, 'OK\r\n']], kind: 'suite', source: `${TEST_MODEM_PY} test_signalStrength` },
    { command: 'AT+CREG?', replies: [['+CREG: 0,1\r\n', 'OK\r\n']], kind: 'suite', source: `${TEST_MODEM_PY} test_waitForNetorkCoverage` },
    {
      command: /^AT\+CMGS=\d+$/,
      replies: [[prompt]],
      pduReplies: SCENARIOS.receive_sms.cases.map((c) => [`+CMGS: ${c.reference}\r\n`, 'OK\r\n']),
      kind: 'suite',
      source: `${TEST_MODEM_PY} test_sendSmsPduMode`,
    },
  ];
}

/** The upper-case names a modem lists in its AT+CLAC answer (one line of commas, or one per line). */
export function clacNames(lines: readonly string[]): Set<string> {
  return new Set(lines.join('').replace(/^\+CLAC:/, '').split(/[\r\n,]+/).map((n) => n.trim().toUpperCase()).filter((n) => n !== '' && n !== 'OK'));
}

/**
 * The session of one modem class of python-gsmmodem's fakemodems.json: its table (recorded), the
 * family recordings given, the names it refuses and the ones its AT+CLAC lists, its own refusal
 * line, the test-suite exchanges and FakeModem.defaultResponse for the rest.
 */
export function fakeModemSession(className: string, family: readonly ReplayEntry[] = []): ReplaySession {
  const modem = FAKE_MODEMS.find((m) => m.class === className && m.real_modem);
  if (!modem) throw new Error(`no real modem ${className} in fakemodems.json`);
  const table = Object.entries(modem.responses ?? {}).map(([key, lines]) => ({ command: key.replace(/\r$/, ''), lines }));
  const refusals = table.filter((t) => t.lines.length === 1 && ERROR_LINES.has(t.lines[0]!));
  const refusalLine = refusals[0]?.lines[0] ?? 'ERROR\r\n';
  const byName = new Map<string, boolean[]>();
  for (const t of table) byName.set(atName(t.command), [...(byName.get(atName(t.command)) ?? []), refusals.includes(t)]);
  const clac = table.find((t) => t.command === 'AT+CLAC' && t.lines.at(-1) === 'OK\r\n');
  const base = FAKE_MODEMS.find((m) => m.class === 'FakeModem')?.defaultResponse ?? ['OK\r\n'];
  return {
    modem: className,
    entries: [...table.map((t) => ({ command: t.command, replies: [t.lines], kind: 'recorded' as const, source: `${FAKEMODEMS_PY} ${className}` })), ...family],
    refusal: { reply: [refusalLine], kind: 'refusal', source: `${FAKEMODEMS_PY} ${className}: ${refusals.map((t) => t.command).join(', ')}` },
    refused: new Set([...byName].filter(([, all]) => all.every(Boolean)).map(([name]) => name)),
    ...(clac ? { supported: clacNames(clac.lines.slice(0, -1)) } : {}),
    suite: pythonGsmmodemSuite(),
    otherwise: { reply: base, kind: 'default', source: `${FAKEMODEMS_PY} FakeModem.defaultResponse` },
  };
}

/** A session of answers from Gammu's ATGEN scripts, which end each script with ERROR. */
export function gammuScriptSession(entries: readonly ReplayEntry[]): ReplaySession {
  return {
    modem: 'Gammu ATGEN scripted phone',
    entries,
    refusal: { reply: ['ERROR\r\n'], kind: 'refusal', source: 'gammu tests/atgen: the ERROR ending each response script' },
    refused: new Set(),
    suite: [],
  };
}

/** Puts entries before the session's own (a test's recording for the command at hand). */
export function withEntries(session: ReplaySession, entries: readonly ReplayEntry[]): ReplaySession {
  return { ...session, entries: [...entries, ...session.entries] };
}

/**
 * The answer part of a Gammu dump (the bytes after the echoed command and the one CR or LF that
 * ended it): Gammu collected the dumps with echo on; the replay echoes for itself.
 */
export function gammuDumpReply(relative: string, root = join(FIXTURES, 'gammu')): Reply {
  const text = readFileSync(join(root, relative), 'latin1');
  const echo = /^AT[^\r\n]*(\r|\n)/.exec(text);
  return [echo ? text.slice(echo[0].length) : text];
}

/** A log line the replay rig captured (JSON as pino wrote it). */
export type LogLine = Record<string, unknown>;

export interface ReplayRig {
  readonly modem: ReplayModem;
  /** The real modem transport on the replay's far end; not started. */
  readonly transport: ModemTransport;
  /** Every log line of the transport, at debug (AT lines included). */
  readonly lines: LogLine[];
  events(name: string): LogLine[];
}

const rigs: ReplayRig[] = [];

/**
 * A replay modem with the real modem transport (createModemTransport) on the other end of its pty,
 * the shipped profiles to detect from (or the given ones), and its log captured. stopReplayRigs()
 * stops every rig started since the last call (an afterEach). `onLine` sees each log line as it is
 * written (an AT line before its bytes go out), for a test that acts at a given point.
 */
export async function startReplayRig(session: ReplaySession, options: { readonly timeouts: Partial<DriverTimeouts>; readonly recovery?: Partial<RecoveryTimings>; readonly profiles?: readonly Profile[]; readonly profile?: Profile; readonly rescanMs?: number; readonly onLine?: (line: LogLine) => void }): Promise<ReplayRig> {
  const modem = await startReplayModem(session);
  const lines: LogLine[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (s: string) => { const line = JSON.parse(s) as LogLine; lines.push(line); options.onLine?.(line); } },
  });
  const transport = createModemTransport({
    name: 'replay', path: modem.path, baudRate: 115200, logger, timeouts: options.timeouts,
    ...(options.recovery ? { recovery: options.recovery } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.rescanMs !== undefined ? { rescanMs: options.rescanMs } : {}),
    profiles: options.profiles ?? loadModemProfiles(),
  });
  const rig: ReplayRig = { modem, transport, lines, events: (name) => lines.filter((l) => l['event'] === name) };
  rigs.push(rig);
  return rig;
}

export async function stopReplayRigs(): Promise<void> {
  for (const rig of rigs.splice(0)) {
    await rig.transport.stop({ drain: false });
    await rig.modem.close();
  }
}

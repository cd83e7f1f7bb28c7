/*
 * crash-load.ts - the mail side of the crash test: a seeded random source, and concurrent SMTP
 * clients (nodemailer, one connection per mail) that send numbered mails until told to stop.
 *
 * Promise: every mail has its own destination number and text, so each SMS the modem receives
 * names its mail; a mail counts as accepted only when its DATA got a 250 naming queue ids; a
 * mail whose connection failed or died is recorded as not accepted and never sent again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createTransport } from 'nodemailer';

/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CrashMail {
  readonly n: number;
  readonly label: string;
  /** International form as the modem reports it, e.g. +447973100042. */
  readonly destination: string;
  readonly body: string;
  /** GSM 7-bit parts the body makes: 1 up to 160 septets, else 153 per part (SPEC 6). */
  readonly segments: 1 | 2;
}

export interface MailResult {
  readonly mail: CrashMail;
  readonly qids: readonly string[];
  readonly error?: string;
}

/** Mail n: a unique number and text; every third one is long enough for two parts. */
export function crashMail(n: number): CrashMail {
  const label = `crash mail ${String(n).padStart(4, '0')}`;
  const long = n % 3 === 2;
  const body = long ? `${label} part one ${'a'.repeat(140)} ${label} part two ${'b'.repeat(60)}` : `${label} ${'x'.repeat(1 + (n % 50))}`;
  return { n, label, destination: `+4479731${String(10000 + n)}`, body, segments: long ? 2 : 1 };
}

const QUEUED = /\b250 2\.0\.0 Ok: queued as ([0-9A-Z ]+)/;

export async function sendOne(port: number, mail: CrashMail): Promise<MailResult> {
  const transport = createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 3000,
    greetingTimeout: 3000,
    socketTimeout: 5000,
  });
  try {
    const info = (await transport.sendMail({
      from: 'alerts@localhost',
      to: `${mail.destination.slice(1)}@sms.test`,
      text: mail.body,
    })) as { response?: string };
    const m = QUEUED.exec(info.response ?? '');
    return m?.[1] ? { mail, qids: m[1].trim().split(' ') } : { mail, qids: [], error: `no queued reply: ${info.response ?? ''}` };
  } catch (err) {
    return { mail, qids: [], error: (err as Error).message };
  } finally {
    transport.close();
  }
}

export interface LoadOptions {
  readonly port: number;
  readonly clients: number;
  /** Pause after each mail, ms, drawn in [min, max) from `random`. */
  readonly pauseMs: readonly [number, number];
  readonly random: () => number;
}

export interface Load {
  readonly results: MailResult[];
  /** Stop taking new mail numbers; resolves once every client has finished its mail. */
  stop(): Promise<void>;
}

export function startLoad(options: LoadOptions): Load {
  const results: MailResult[] = [];
  let next = 0;
  let running = true;
  const client = async (): Promise<void> => {
    while (running) {
      const mail = crashMail(next);
      next += 1;
      results.push(await sendOne(options.port, mail));
      const [min, max] = options.pauseMs;
      await sleep(min + Math.floor(options.random() * (max - min)));
    }
  };
  const clients = Array.from({ length: options.clients }, () => client());
  return {
    results,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

/*
 * smarthost.ts - a mail server on 127.0.0.1 (smtp-server, a free port) standing in for the site's
 * smarthost: it takes every mail, without AUTH or TLS, and keeps it parsed (mailparser).
 *
 * Promise: received holds each mail in arrival order with its envelope; waitForMail() resolves
 * with the first mail (already here or to come) that passes the test, or rejects after a timeout.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly parsed: ParsedMail;
}

export interface Smarthost {
  readonly port: number;
  readonly received: ReceivedMail[];
  waitForMail(test: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

/** `port`: listen on this port (a smarthost that comes back where it was); default a free one. */
export async function startSmarthost(options: { readonly port?: number } = {}): Promise<Smarthost> {
  const received: ReceivedMail[] = [];
  let waiters: Array<(m: ReceivedMail) => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const mail = { mailFrom, rcptTo: session.envelope.rcptTo.map((r) => r.address), parsed };
          received.push(mail);
          waiters.forEach((w) => w(mail));
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port));
  });
  return {
    port,
    received,
    waitForMail(test, timeoutMs = 10_000) {
      const seen = received.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the smarthost got no such mail in ${timeoutMs} ms (${received.length} received)`)), timeoutMs);
        const waiter = (m: ReceivedMail): void => {
          if (!test(m)) return;
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== waiter);
          resolve(m);
        };
        waiters.push(waiter);
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

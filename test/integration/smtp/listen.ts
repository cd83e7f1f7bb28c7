/*
 * listen.ts - what the SMTP listener tests share: a server on 127.0.0.1:0 with the test's hooks,
 * its JSON log lines (debug level, wire lines included) collected, closed after each test.
 */
import { Writable } from 'node:stream';
import { afterEach } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { createSmtpServer, type SmtpHooks, type SmtpServerHandle, type SmtpServerOptions } from '../../../src/smtp/index.js';

export interface LogLine {
  readonly level: string;
  readonly event?: string;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export type ListenOptions = Partial<Omit<SmtpServerOptions, 'hooks' | 'logger' | 'listen'>>;

/** Hooks that take every recipient as one number and accept every mail as queue id Q1. */
export const acceptAllHooks: SmtpHooks = {
  async checkRecipient() {
    return { number: '+447973100000' };
  },
  async acceptMessage() {
    return { qids: ['Q1'] };
  },
};

/** Registers the calling file's clean-up; returns a function that starts one server. */
export function useSmtpListener(): (hooks: SmtpHooks, options?: ListenOptions) => Promise<{ port: number; logs: LogLine[] }> {
  const running: SmtpServerHandle[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });
  return async (hooks, options = {}) => {
    const logs: LogLine[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    const server = createSmtpServer({
      hostname: 'gw.example.lan',
      listen: { host: '127.0.0.1', port: 0 },
      maxMessageSize: 64 * 1024,
      closeTimeoutMs: 1000,
      ...options,
      logger: createLogger({ level: 'debug', destination }),
      hooks,
    });
    running.push(server);
    const { port } = await server.listen();
    return { port, logs };
  };
}

/*
 * Regression (issue 13, found by the SMPP gateway bench): every DATA on a kept SMTP connection
 * left one `close` listener on the socket (data-limits.ts), so Node warned
 * MaxListenersExceededWarning after 10 mails on one connection. The server's side of the
 * connection is taken from node:net's `net.server.socket` diagnostics channel (no hook of ours).
 */
import diagnostics from 'node:diagnostics_channel';
import type net from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { until } from '../../helpers/wait.js';
import { acceptAllHooks, useSmtpListener } from './listen.js';
import { RawSmtpClient } from './raw-client.js';

const listen = useSmtpListener();


const accepted: net.Socket[] = [];
const onSocket = (message: unknown): void => {
  accepted.push((message as { socket: net.Socket }).socket);
};
const warnings: Error[] = [];
const onWarning = (warning: Error): void => {
  warnings.push(warning);
};

beforeEach(() => {
  accepted.length = 0;
  warnings.length = 0;
  diagnostics.subscribe('net.server.socket', onSocket);
  process.on('warning', onWarning);
});

afterEach(() => {
  diagnostics.unsubscribe('net.server.socket', onSocket);
  process.off('warning', onWarning);
});

it('issue 13: 15 mails on one kept SMTP connection leave no close listener behind and no MaxListenersExceededWarning', async () => {
  const { port } = await listen(acceptAllHooks, { earlyTalkerDelayMs: 0 });
  const { client, greeting } = await RawSmtpClient.open(port);
  expect(greeting.code).toBe(220);
  await until(() => accepted.length === 1, "the server's side of the connection");
  const socket = accepted[0] as net.Socket;
  await client.command('EHLO client.example');
  const before = socket.listenerCount('close');
  const counts: number[] = [];
  for (let i = 1; i <= 15; i += 1) {
    expect((await client.command('MAIL FROM:<ops@example.com>')).code).toBe(250);
    expect((await client.command('RCPT TO:<447973100000@sms.example.lan>')).code).toBe(250);
    expect((await client.data(`Subject: mail ${i}\r\n\r\nhello ${i}`)).text).toMatch(/^250 /);
    counts.push(socket.listenerCount('close'));
  }
  // What the connection had before its first DATA is what it has after each one.
  expect(counts).toEqual(Array.from({ length: 15 }, () => before));
  await client.quit();
  // A warning is emitted on the next tick; the quit's round trip is past it.
  expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
});

/*
 * smtp-load.mjs - an SMTP load generator on raw sockets (node:net), lean enough that on a small
 * box the gateway, not the client, is what gets measured.
 *
 * Each client works in lock step as a plain RFC 5321 client: waits for the 220 greeting, EHLO,
 * then per mail MAIL FROM / RCPT TO / DATA / the message, and notes when the 250 after the
 * final "." arrives (wall clock: performance.timeOrigin + performance.now(), the same clock the
 * gateway process uses). `perConnection: 'one'` opens a connection per mail and ends it with
 * QUIT (what a sender without a connection cache does); `'kept'` sends every mail over the same
 * connection (an MTA's connection cache, e.g. Postfix smtp_connection_cache_on_demand).
 * No PIPELINING is used, so the figures are a floor for a pipelining client.
 * Each accept also carries the time from writing the message with its final "\r\n.\r\n" to the
 * 250 (the gateway's DATA-phase work: parse, verdict, compose, encode, commit).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export const now = () => performance.timeOrigin + performance.now();

/** The q-quantile of an ascending list (NaN when empty). */
export function quantile(sorted, q) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The recipient number of mail i: unique within 100,000 mails, a UK mobile number. */
export function numberOf(i) {
  return `4479731${String(i % 100_000).padStart(5, '0')}`;
}

function message(i) {
  return (
    `From: bench@example.lan\r\nTo: ${numberOf(i)}@sms.bench\r\nSubject: Disk\r\n` +
    `Message-ID: <bench-${i}@example.lan>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n` +
    `Server db${i % 10} disk 91% full\r\n.\r\n`
  );
}

/** One SMTP connection: send a line, await the (possibly multi-line) reply. */
export function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    let buffer = '';
    const waiting = [];
    const replies = [];
    let lines = [];
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        lines.push(line);
        if (line[3] !== '-') {
          const reply = { code: Number(line.slice(0, 3)), text: lines.join('\n'), at: now() };
          lines = [];
          const w = waiting.shift();
          if (w) w.resolve(reply);
          else replies.push(reply);
        }
      }
    });
    const fail = (err) => {
      for (const w of waiting.splice(0)) w.reject(err);
      reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
    const next = () => (replies.length > 0 ? Promise.resolve(replies.shift()) : new Promise((res, rej) => waiting.push({ resolve: res, reject: rej })));
    const conn = {
      next,
      async send(text, expect) {
        socket.write(text);
        const reply = await next();
        if (reply.code !== expect) throw Object.assign(new Error(`expected ${expect}, got ${reply.text} after ${text.slice(0, 40).trim()}`), { reply });
        return reply;
      },
      close: () => socket.destroy(),
      socket,
    };
    socket.once('connect', () => resolve(conn));
  });
}

/** A connection past its greeting and EHLO. */
export async function openSession(port) {
  const conn = await connect(port);
  const greeting = await conn.next();
  if (greeting.code !== 220) throw new Error(`greeting: ${greeting.text}`);
  await conn.send('EHLO client.bench\r\n', 250);
  return conn;
}

/** Returns [at250, ms from the end of DATA to the 250]; a refusal throws (err.reply holds it). */
async function sendMail(conn, i, text) {
  await conn.send('MAIL FROM:<bench@example.lan>\r\n', 250);
  await conn.send(`RCPT TO:<${numberOf(i)}@sms.bench>\r\n`, 250);
  await conn.send('DATA\r\n', 354);
  const sentAt = now();
  const reply = await conn.send(text(i), 250);
  return [reply.at, reply.at - sentAt];
}

/**
 * Sends up to `mails` mails from `clients` concurrent clients, stopping early at `maxSeconds`.
 * Returns { accepted, seconds, accepts: [[number, at250, dataMs], ...], errors, refused }.
 * `pauseMs` waits between a client's mails (low-load latency: one mail at a time).
 * `message(i)`: the message text of mail i, ending "\r\n.\r\n" (default: a short plain mail).
 * `keepOnRefusal`: a 4xx/5xx to the message is counted in `refused` ([number, reply text]) and
 * the client goes on with its next mail after a RSET (RFC 5321 §4.1.1.5); without
 * it a refusal ends that client, as any other error does.
 */
export async function runLoad({ port, clients, mails, perConnection, maxSeconds = 20, firstIndex = 0, pauseMs = 0, message: text = message, keepOnRefusal = false }) {
  let next = 0;
  const accepts = [];
  const errors = [];
  const refused = [];
  const started = now();
  const deadline = started + maxSeconds * 1000;
  const take = () => (next < mails && now() < deadline ? firstIndex + next++ : undefined);
  const client = async () => {
    let conn;
    try {
      for (let i = take(); i !== undefined; i = take()) {
        conn ??= await openSession(port);
        try {
          accepts.push([numberOf(i), ...(await sendMail(conn, i, text))]);
        } catch (err) {
          if (!keepOnRefusal || !err.reply || err.reply.code < 400) throw err;
          refused.push([numberOf(i), err.reply.text]);
          await conn.send('RSET\r\n', 250);
        }
        if (perConnection === 'one') {
          await conn.send('QUIT\r\n', 221);
          conn.close();
          conn = undefined;
        }
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    } catch (err) {
      errors.push(err.message);
    } finally {
      if (conn) {
        await conn.send('QUIT\r\n', 221).catch(() => undefined);
        conn.close();
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const lastAccept = accepts.reduce((m, [, at]) => Math.max(m, at), started);
  return { accepted: accepts.length, seconds: (lastAccept - started) / 1000, accepts, errors, refused, started };
}

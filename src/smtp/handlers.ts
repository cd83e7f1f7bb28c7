/*
 * handlers.ts - smtp-server's callbacks (onConnect, onAuth, onMailFrom, onRcptTo, onData, onClose),
 * translated into our hooks and typed values.
 *
 * Promise: every hook outcome reaches the client as exactly one reply and is logged exactly
 * once: an SmtpError thrown by a hook becomes its own reply (`responseCode` + text) and an
 * `smtp.rcpt.rejected` or `smtp.rejected` line; any other throw is a bug, logged at error with
 * its cause and answered 451 4.3.0 so the client retries. Nothing a client sends can throw out
 * of here (Kannel doc/CodingStyle: no panic once running). A client that closes the connection
 * before the final dot is no bug: one `smtp.data.aborted` line at info (none when the server cut
 * the session itself, cut.ts has logged that). The DATA slot a session holds (data-limits.ts)
 * is given back once its reply is decided, or when it closes.
 */
import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerDataStream,
  SMTPServerSession,
} from 'smtp-server';
import { SmtpError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import { attempt, handleAuth } from './auth-handler.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { CutSessions } from './cut.js';
import type { DataSlots } from './data-limits.js';
import type { SmtpLimits } from './limits.js';
import { accepted, internalError, messageTooBig, tooManyRecipients } from './replies.js';
import type { Envelope, EnvelopeRecipient, SmtpHooks, SmtpSession } from './types.js';

type Callback = (err?: Error | null) => void;
type DataCallback = (err?: Error | null, message?: string) => void;
type AuthCallback = (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void;

interface Settings {
  readonly hooks: SmtpHooks;
  readonly logger: Logger;
  /** Refusals are counted next to their log line (/metrics). */
  readonly counters: GatewayCounters;
  readonly maxMessageSize: number;
  readonly maxRecipients: number;
  readonly limits: SmtpLimits;
  readonly throttle: AuthThrottle;
  /** DATA slots (data-limits.ts): taken at the DATA command, given back here once the reply is decided. */
  readonly slots: DataSlots;
  /** Sessions the server cut itself (cut.ts), whose destroyed DATA stream is not a client abort. */
  readonly cut: CutSessions;
}

/** Per-connection state smtp-server does not keep: the logger, the numbers of accepted RCPTs, failed logins. */
interface Connection {
  readonly log: Logger;
  readonly numbers: Map<string, string>;
  authFailures: number;
}

export function createHandlers(settings: Settings) {
  const connections = new Map<string, Connection>();
  const connectionOf = (session: SMTPServerSession): Connection => {
    let conn = connections.get(session.id);
    if (conn === undefined) {
      conn = { log: settings.logger.child({ sid: session.id }), numbers: new Map(), authFailures: 0 };
      connections.set(session.id, conn);
    }
    return conn;
  };
  const view = (session: SMTPServerSession): SmtpSession => toSession(session, connectionOf(session).log);

  return {
    onConnect(session: SMTPServerSession, callback: Callback): void {
      const { log } = connectionOf(session);
      log.info({ event: 'smtp.connect', client: session.remoteAddress, port: session.remotePort }, 'SMTP connection');
      run(() => settings.hooks.checkConnection?.(view(session)), log, settings.counters, 'connect', callback);
    },

    /** AUTH PLAIN / LOGIN, with the cost of failures (auth-handler.ts). */
    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback: AuthCallback): void {
      const context = { authenticate: settings.hooks.authenticate, counters: settings.counters, limits: settings.limits, throttle: settings.throttle };
      handleAuth(context, auth, session, connectionOf(session), view(session), callback);
    },

    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: Callback): void {
      const conn = connectionOf(session);
      conn.numbers.clear();
      const current = { ...view(session), mailFrom: address.address };
      run(() => settings.hooks.checkSender?.(address.address, current), conn.log, settings.counters, 'mail', callback, { from: address.address });
    },

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: Callback): void {
      const conn = connectionOf(session);
      const key = address.address.toLowerCase();
      const rcpts = session.envelope.rcptTo;
      const known = rcpts.some((r) => r.address.toLowerCase() === key);
      if (!known && rcpts.length >= settings.maxRecipients) {
        refuseRcpt(conn.log, settings.counters, address.address, session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined, tooManyRecipients(settings.maxRecipients), callback);
        return;
      }
      attempt(() => settings.hooks.checkRecipient(address.address, view(session))).then(
        ({ number }) => {
          conn.numbers.set(key, number);
          callback();
        },
        (err: unknown) => refuseRcpt(conn.log, settings.counters, address.address, session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined, asReply(err, conn.log, 'rcpt'), callback),
      );
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: DataCallback): void {
      const conn = connectionOf(session);
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined;
      readMessage(stream, settings.maxMessageSize)
        .then(async ({ raw, overflow }) => {
          if (overflow || stream.sizeExceeded) throw messageTooBig(settings.maxMessageSize);
          const envelope = toEnvelope(session, conn.numbers);
          const { qids, reply } = await settings.hooks.acceptMessage(envelope, raw, view(session));
          conn.log.info({ event: 'smtp.accepted', qids, from: envelope.mailFrom, rcpts: envelope.rcptTo.length, bytes: raw.length }, 'message accepted');
          callback(null, reply ?? accepted(qids));
        })
        .catch((err: unknown) => {
          if (err instanceof DataAborted) {
            // nobody to answer: the connection is gone (cut.ts logged a cut of ours already)
            if (!settings.cut.has(session.id)) {
              conn.log.info({ event: 'smtp.data.aborted', client: session.remoteAddress, from, bytes: stream.byteLength }, 'SMTP client closed the connection before the end of the message');
            }
            return callback(err);
          }
          const reply = asReply(err, conn.log, 'data');
          logRejected(conn.log, settings.counters, reply, 'data', { from, bytes: stream.byteLength });
          callback(reply);
        })
        .finally(() => settings.slots.release(session.id));
    },

    onClose(session: SMTPServerSession): void {
      const conn = connections.get(session.id);
      connections.delete(session.id);
      settings.slots.release(session.id);
      settings.cut.delete(session.id);
      settings.hooks.connectionClosed?.(session.id);
      (conn?.log ?? settings.logger.child({ sid: session.id })).info({ event: 'smtp.close' }, 'SMTP connection closed');
    },
  };
}

/** Runs an optional hook and answers the callback with its refusal, logging it once. */
function run(hook: () => Promise<void> | undefined, log: Logger, counters: GatewayCounters, stage: string, callback: Callback, fields: object = {}): void {
  attempt(async () => hook()).then(
    () => callback(),
    (err: unknown) => {
      const reply = asReply(err, log, stage);
      logRejected(log, counters, reply, stage, fields);
      callback(reply);
    },
  );
}

function refuseRcpt(log: Logger, counters: GatewayCounters, rcpt: string, from: string | undefined, reply: SmtpError, callback: Callback): void {
  counters.refused('rcpt', reply.enhanced);
  log.info(
    { event: 'smtp.rcpt.rejected', rcpt, from, code: reply.responseCode, enhanced: reply.enhanced, errorCode: reply.code, reason: reply.message },
    'recipient refused',
  );
  callback(reply);
}

/** The one `smtp.rejected` line of a refused command, and its count (declared-size.ts logs through it too). */
export function logRejected(log: Logger, counters: GatewayCounters, reply: SmtpError, stage: string, fields: object): void {
  counters.refused(stage, reply.enhanced);
  log.info(
    { event: 'smtp.rejected', stage, code: reply.responseCode, enhanced: reply.enhanced, errorCode: reply.code, reason: reply.message, ...fields },
    'SMTP command refused',
  );
}

/** A hook's SmtpError is the reply; anything else is a bug, logged here and answered 451 4.3.0. */
function asReply(err: unknown, log: Logger, stage: string): SmtpError {
  if (err instanceof SmtpError) return err;
  log.error({ event: 'smtp.hook.failed', stage, err }, 'SMTP hook failed unexpectedly');
  return internalError(err);
}

/** The DATA stream ended without its final dot: smtp-server destroyed it when the connection closed. */
class DataAborted extends Error {}

/**
 * Reads the DATA stream into one Buffer, keeping at most `limit` bytes: past the limit
 * smtp-server still streams the rest (and sets `sizeExceeded`), which is drained, not stored.
 * A stream destroyed because the connection closed rejects with DataAborted.
 */
function readMessage(stream: SMTPServerDataStream, limit: number): Promise<{ raw: Buffer; overflow: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let overflow = false;
    stream.on('data', (chunk: Buffer) => {
      overflow ||= kept + chunk.length > limit;
      if (overflow) return;
      chunks.push(chunk);
      kept += chunk.length;
    });
    stream.once('end', () => resolve({ raw: Buffer.concat(chunks, kept), overflow }));
    stream.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ECONNECTION' ? new DataAborted(err.message) : err));
    // destroyed without an error (smtp-server does so when nobody listens for one): also an abort
    stream.once('close', () => {
      if (!stream.readableEnded) reject(new DataAborted('the connection closed before the end of the message'));
    });
  });
}

function toSession(session: SMTPServerSession, log: Logger): SmtpSession {
  const from = session.envelope.mailFrom;
  return {
    sid: session.id,
    clientAddress: session.remoteAddress,
    helo: session.hostNameAppearsAs || '',
    secure: session.secure,
    mailFrom: from ? from.address : undefined,
    recipientCount: session.envelope.rcptTo.length,
    recipients: session.envelope.rcptTo.map((r) => r.address),
    user: typeof session.user === 'string' && session.user !== '' ? session.user : undefined,
    log,
  };
}

function toEnvelope(session: SMTPServerSession, numbers: ReadonlyMap<string, string>): Envelope {
  const from = session.envelope.mailFrom;
  const rcptTo = session.envelope.rcptTo.map((r): EnvelopeRecipient => {
    const number = numbers.get(r.address.toLowerCase());
    if (number === undefined) throw new Error(`no number recorded for accepted recipient ${r.address}`);
    return {
      address: r.address,
      number,
      ...(r.dsn?.notify ? { notify: r.dsn.notify } : {}),
      ...(r.dsn?.orcpt ? { orcpt: r.dsn.orcpt } : {}),
    };
  });
  const dsn = session.envelope.dsn;
  return {
    mailFrom: from ? from.address : '',
    rcptTo,
    clientAddress: session.remoteAddress,
    helo: session.hostNameAppearsAs || '',
    sid: session.id,
    ...(dsn?.ret ? { ret: dsn.ret } : {}),
    ...(dsn?.envid ? { envid: dsn.envid } : {}),
  };
}

/*
 * replies.ts - the gateway's SMTP refusals, one named constructor per condition.
 *
 * Promise: every refusal the gateway sends is built here (or, for policy decisions, from the
 * reply data policy/ builds in recipient.ts, gate.ts and token-bucket.ts), so its code, RFC 3463
 * enhanced status and wording are the same wherever it is raised. Each returns an SmtpError: smtp-server sends
 * `${responseCode} ${message}` and the message starts with the enhanced status (RFC 2034 §4).
 * Callers match on `code` (ERROR_CODES), never on the text.
 */
import { SmtpError } from '../errors.js';
import type { SmtpReply } from '../policy/index.js';

/** An SmtpError from reply data (the shape the pure policy stage returns). */
export function fromReply(reply: SmtpReply): SmtpError {
  return new SmtpError(reply.errorCode, reply.code, reply.enhanced, reply.text);
}

/** 552 5.3.4 (RFC 3463 §3.4 X.3.4: message too big for system): more SMS segments than allowed. */
export function tooManySegments(needed: number, max: number): SmtpError {
  return new SmtpError(
    'M2S_MAIL_TOO_MANY_SEGMENTS',
    552,
    '5.3.4',
    `Message refused: the text needs ${needed} SMS segments, this account allows at most ${max}`,
  );
}

/** 552 5.3.4: the message is larger than smtp.max_message_size (RFC 1870 §6.3). */
export function messageTooBig(limit: number): SmtpError {
  return new SmtpError(
    'M2S_MAIL_TOO_BIG',
    552,
    '5.3.4',
    `Message refused: larger than the ${limit} bytes this gateway takes`,
  );
}

/** 554 5.6.0 (RFC 3463 X.6.0: other media error): the message cannot be read as MIME. */
export function unparseable(detail: string): SmtpError {
  return new SmtpError('M2S_MAIL_UNPARSEABLE', 554, '5.6.0', `Message refused: it could not be parsed (${oneLine(detail)})`);
}

/** 554 5.6.0: the mail holds no text to send (empty subject and body, SPEC 5). */
export function emptyMessage(): SmtpError {
  return new SmtpError('M2S_MAIL_EMPTY', 554, '5.6.0', 'Message refused: nothing to send (subject and body are empty)');
}

/**
 * 554 5.6.0: an x-smpp-* header of an encapsulated SMS is wrong (seed 003 §3.2, SPEC 5); names the
 * header and why, as compose/encapsulation.ts found it.
 */
export function badEncapsulation(header: string, reason: string): SmtpError {
  return new SmtpError('M2S_MAIL_BAD_ENCAPSULATION', 554, '5.6.0', oneLine(`Message refused: header ${header} ${reason}`, 400));
}

/** 451 4.3.0 (X.3.0: other mail system status): the queue could not commit; the client retries. */
export function queueUnavailable(): SmtpError {
  return new SmtpError('M2S_QUEUE_UNAVAILABLE', 451, '4.3.0', 'Message not accepted: the queue is unavailable, try again later');
}

/** 452 4.5.3 (RFC 5321 §4.5.3.1.10, RFC 3463 X.5.3): too many recipients in one transaction. */
export function tooManyRecipients(max: number): SmtpError {
  return new SmtpError(
    'M2S_POLICY_TOO_MANY_RECIPIENTS',
    452,
    '4.5.3',
    `Too many recipients: at most ${max} per message, send the rest in another message`,
  );
}

/** 554 5.7.1 (RFC 3463 X.7.1: delivery not authorized): the client address is not allowed. */
export function clientNotAllowed(address: string): SmtpError {
  return new SmtpError('M2S_POLICY_CLIENT_NOT_ALLOWED', 554, '5.7.1', `Client host ${oneLine(address)} is not allowed to send through this gateway`);
}

/** RFC 4954 §6: 535 5.7.8 "Authentication credentials invalid" (never says which part was wrong). */
export function authInvalid(): SmtpError {
  return new SmtpError('M2S_SMTP_AUTH_FAILED', 535, '5.7.8', 'Authentication credentials invalid');
}

/** RFC 4954 §4: 538 5.7.11, AUTH before STARTTLS; credentials are only taken over TLS. */
export function authNeedsTls(): SmtpError {
  return new SmtpError('M2S_SMTP_AUTH_TLS_REQUIRED', 538, '5.7.11', 'Encryption required for requested authentication mechanism');
}

/** RFC 4954 §6: 454 4.7.0 "Temporary authentication failure": the credential check failed (a bug). */
export function authUnavailable(cause: unknown): SmtpError {
  return new SmtpError('M2S_SMTP_AUTH_UNAVAILABLE', 454, '4.7.0', 'Temporary authentication failure, try again later', { cause });
}

/**
 * 421 4.7.0 (RFC 3463 X.7.0: other security or policy status): too many connections open, in all
 * or from this client address (RFC 5321 §3.8: 421 and close when the server must end a session).
 */
export function tooManyConnections(reason: 'total' | 'per-client'): SmtpError {
  const whose = reason === 'total' ? 'this gateway has as many connections open as it takes' : 'your address has as many connections open as it may';
  return new SmtpError('M2S_SMTP_TOO_MANY_CONNECTIONS', 421, '4.7.0', `Too many connections: ${whose}, try again later`);
}

/** 421 4.4.2 (X.4.2: bad connection), as Postfix answers a timeout: the session or its DATA phase took too long. */
export function timedOut(phase: 'session' | 'data', limitMs: number): SmtpError {
  const what = phase === 'session' ? 'the session' : 'the message (DATA)';
  return new SmtpError('M2S_SMTP_TIMEOUT', 421, '4.4.2', `Timeout: ${what} took longer than ${seconds(limitMs)}, closing connection`);
}

/** 421 4.3.2 (X.3.2: system not accepting network messages): every DATA slot is in use; the client retries. */
export function dataBusy(reason: 'total' | 'per-client'): SmtpError {
  const whose = reason === 'total' ? 'this gateway is receiving as many messages as it can hold' : 'your address is sending as many messages at once as it may';
  return new SmtpError('M2S_SMTP_DATA_BUSY', 421, '4.3.2', `Busy: ${whose}, try again later`);
}

/** 421 4.7.0: the connection had too many failed logins (RFC 4954 §4 lets a server close it). */
export function authTooManyFailures(failures: number): SmtpError {
  return new SmtpError('M2S_SMTP_AUTH_TOO_MANY_FAILURES', 421, '4.7.0', `Authentication credentials invalid; ${failures} failed logins on this connection, closing`);
}

/** 421 4.7.0: this client address failed too many logins lately; AUTH is refused until `untilMs`. */
export function authBlocked(blockMs: number): SmtpError {
  return new SmtpError('M2S_SMTP_AUTH_BLOCKED', 421, '4.7.0', `Too many failed logins from your address: AUTH refused for up to ${seconds(blockMs)}, try again later`);
}

/** One criterion of the verdict that fell short (SPEC 3), as the reply names it. */
export interface VerdictShortfall {
  readonly criterion: 'dkim' | 'spf' | 'dmarc';
  readonly judgment: string;
  readonly minimum: string;
  readonly reason: string;
}

/**
 * 550 5.7.1, or 5.7.26 (RFC 7372 §3.3: multiple authentication checks failed) when more than one
 * criterion fell short: names each criterion, its judgment, the user's minimum and why.
 */
export function verdictFailed(user: string, failed: readonly VerdictShortfall[]): SmtpError {
  // Each reason is shortened, not the line, so every criterion is named; three fit in the 512
  // octets of a reply line (RFC 5321 §4.5.3.1.5).
  const what = failed.map((f) => `${f.criterion.toUpperCase()} ${f.judgment} is below the minimum ${f.minimum} (${oneLine(f.reason, 100)})`).join('; ');
  return new SmtpError('M2S_VERDICT_FAILED', 550, failed.length > 1 ? '5.7.26' : '5.7.1', oneLine(`Message refused for ${user}: ${what}`, 480));
}

/** 451 4.7.0 (RFC 7372 §3.1 temporary authentication failure): DNS did not answer; retry later. */
export function verdictTemporary(reason: string): SmtpError {
  return new SmtpError('M2S_VERDICT_TEMPORARY', 451, '4.7.0', oneLine(`Sender authentication could not be checked now (${reason}), try again later`));
}

/** 550 5.3.5 (X.3.5: system incorrectly configured): verdict@ replies by mail, and there is no smarthost. */
export function verdictNoSmarthost(): SmtpError {
  return new SmtpError('M2S_VERDICT_NO_SMARTHOST', 550, '5.3.5', 'verdict@ is not available: this gateway has no smarthost to send the reply through');
}

/** 550 5.5.3 (X.5.3: too many recipients): a verdict test sends no SMS, so it takes no numbers too. */
export function verdictNotAlone(): SmtpError {
  return new SmtpError('M2S_VERDICT_NOT_ALONE', 550, '5.5.3', 'verdict@ must be the only recipient of a mail: a verdict test sends no SMS');
}

/** 451 4.4.0 (X.4.0: other network or routing status): the smarthost did not take the verdict reply. */
export function verdictReplyFailed(detail: string): SmtpError {
  return new SmtpError('M2S_VERDICT_REPLY_FAILED', 451, '4.4.0', oneLine(`The verdict reply could not be sent (${detail}), try again later`));
}

/** The 250 to a verdict@ mail: nothing queued, the reply is on its way. */
export function verdictSent(to: string): string {
  return `2.0.0 Ok: verdict sent to ${oneLine(to)}`;
}

/** 451 4.3.0: a hook failed unexpectedly (a bug, logged where caught); the client retries. */
export function internalError(cause: unknown): SmtpError {
  return new SmtpError('M2S_SMTP_INTERNAL', 451, '4.3.0', 'Temporary local problem, try again later', { cause });
}

/** The text of the 250 reply to DATA, naming the queue ids as Postfix does ("queued as"). */
export function accepted(qids: readonly string[]): string {
  return `2.0.0 Ok: queued as ${qids.join(' ')}`;
}

function seconds(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

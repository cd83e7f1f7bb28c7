/*
 * types.ts - the values the SMTP stage hands to the accept path (src/pipeline.ts).
 *
 * Promise: plain data, none of smtp-server's objects leak out. `Envelope` is what one SMTP
 * transaction agreed on (RFC 5321 §3.3); `SmtpSession` is what is known about the connection
 * when a hook runs; `SmtpHooks` is the whole contract between the protocol and the product.
 */
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import type { SmtpLimits } from './limits.js';

export interface EnvelopeRecipient {
  /** The address as the client gave it in RCPT TO. */
  readonly address: string;
  /** The destination number checkRecipient returned for it ('+' and digits; '' for a service address such as verdict@, SPEC 3). */
  readonly number: string;
  /** RFC 3461 §4.1 NOTIFY values, upper case (NEVER, SUCCESS, FAILURE, DELAY); absent if not given. */
  readonly notify?: readonly string[];
  /** RFC 3461 §4.2 ORCPT as received, for the DSN's Original-Recipient field. */
  readonly orcpt?: string;
}

export interface Envelope {
  /** MAIL FROM address; '' for the null sender `<>` (RFC 5321 §4.5.5), to whom nothing is ever sent. */
  readonly mailFrom: string;
  readonly rcptTo: readonly EnvelopeRecipient[];
  /** The client's IP address (IPv4-mapped IPv6 unwrapped by smtp-server). */
  readonly clientAddress: string;
  /** The name the client gave with HELO/EHLO ('' if none). */
  readonly helo: string;
  /** SMTP session id, also the `sid` of every log line of the connection. */
  readonly sid: string;
  /** RFC 3461 §4.3 RET (FULL or HDRS) and §4.4 ENVID from MAIL FROM, when given. */
  readonly ret?: string;
  readonly envid?: string;
}

/** What a hook knows about the connection and the transaction so far. */
export interface SmtpSession {
  readonly sid: string;
  readonly clientAddress: string;
  readonly helo: string;
  /** True after STARTTLS. */
  readonly secure: boolean;
  /** MAIL FROM of the current transaction ('' for the null sender, undefined before MAIL). */
  readonly mailFrom: string | undefined;
  /** Recipients accepted so far in the current transaction. */
  readonly recipientCount: number;
  /** Their addresses, as the client gave them. */
  readonly recipients: readonly string[];
  /**
   * The SMTP AUTH username (lower case) once AUTH succeeded, else undefined. STARTTLS forgets it
   * (RFC 3207 §4.2), and AUTH is only taken after STARTTLS, so a set `user` implies `secure`.
   */
  readonly user: string | undefined;
  /** The connection's child logger (`sid` bound). */
  readonly log: Logger;
}

/**
 * The product's side of the SMTP conversation. A hook refuses by throwing an SmtpError (its
 * responseCode and text reach the client); any other throw is a bug, logged once and answered
 * with 451 4.3.0 so the client retries.
 */
export interface SmtpHooks {
  /**
   * SMTP AUTH (RFC 4954, PLAIN and LOGIN): true when the password is right for the username.
   * Only with this hook AND a TLS certificate is AUTH offered, and then only after STARTTLS.
   * Whether a sender must authenticate is the product's per-user decision, taken in
   * checkSender from `session.user`. The password must never be logged or kept.
   */
  authenticate?(username: string, password: string, session: SmtpSession): Promise<boolean>;
  /** At connect, before the greeting (the client IP allow-list lives here). */
  checkConnection?(session: SmtpSession): Promise<void>;
  /** When the connection has closed, for whatever reason (QUIT, timeout, reset). */
  connectionClosed?(sid: string): void;
  /** At MAIL FROM; `address` is '' for the null sender. */
  checkSender?(address: string, session: SmtpSession): Promise<void>;
  /** At each RCPT TO: the destination number for the address, or throw to refuse it. */
  checkRecipient(address: string, session: SmtpSession): Promise<{ readonly number: string }>;
  /**
   * After DATA: commit the message and return its queue ids (the 250 names them), or, for a mail
   * that queues nothing (verdict@), the text of the 250 in `reply`.
   */
  acceptMessage(envelope: Envelope, raw: Buffer, session: SmtpSession): Promise<{ readonly qids: readonly string[]; readonly reply?: string }>;
}

export interface SmtpServerOptions {
  /** Name in the 220 greeting and the EHLO reply. */
  readonly hostname: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** Largest message in bytes: advertised with SIZE (RFC 1870) and enforced at DATA (552 5.3.4). */
  readonly maxMessageSize: number;
  /** Most recipients per transaction (default 100, the minimum RFC 5321 §4.5.3.1.8 asks for). */
  readonly maxRecipients?: number;
  readonly logger: Logger;
  /** STARTTLS is offered only when a key and certificate are given; so is AUTH (after STARTTLS). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /**
   * How long each connection waits before the 220 greeting, in ms. A client that sends a command
   * during this wait is an "early talker" (typical of spam bots that do not wait for the
   * greeting, RFC 5321 §3.1 says the client must) and smtp-server answers it `421 You talk too
   * soon` and closes. Default 100, smtp-server's own fixed value; 0 greets at once.
   */
  readonly earlyTalkerDelayMs?: number;
  /** How long close() lets open sessions finish before answering them 421 (default 30000). */
  readonly closeTimeoutMs?: number;
  /** Limits against hostile clients; default smtpLimits(), the `smtp:` config defaults. */
  readonly limits?: SmtpLimits;
  readonly hooks: SmtpHooks;
  /** Refusals counted for /metrics; default none. */
  readonly counters?: GatewayCounters;
}

export interface SmtpServerHandle {
  /** Starts listening; resolves to the bound address (port 0 picks a free port). */
  listen(): Promise<{ readonly host: string; readonly port: number }>;
  /** Stops accepting connections and resolves when open sessions have ended. */
  close(): Promise<void>;
}

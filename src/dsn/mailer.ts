/*
 * mailer.ts - sends a mail over SMTP with nodemailer: the only place that library is used.
 *
 * Two callers: `mail2sms send` submits its text to the gateway's own SMTP listener (so a CLI
 * send takes exactly the path a real mail takes), and the delivery reports (SPEC 8) go to the
 * smarthost. Returns the server's final reply so callers can show the queue ids of a 250.
 */
import type { Transporter } from 'nodemailer';
import { GatewayError } from '../errors.js';

export interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  readonly secure?: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
}

export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject?: string;
  readonly text?: string;
  /** A complete RFC 5322 message; when given, subject and text are not used. */
  readonly raw?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** Message-ID, In-Reply-To, References (`<…>`) and Date (ms) of a mail built from subject and text. */
  readonly messageId?: string;
  readonly inReplyTo?: string;
  readonly references?: string;
  readonly date?: number;
}

export interface SubmitResult {
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
  /** The server's final reply, e.g. "250 2.0.0 Ok: queued as 0KQ8…". */
  readonly response: string;
}

/** Thrown when the server refuses the mail or cannot be reached; carries its SMTP reply. */
export class SubmitError extends GatewayError {
  readonly responseCode: number | undefined;
  readonly response: string | undefined;
  constructor(message: string, responseCode: number | undefined, response: string | undefined, cause: unknown) {
    super('M2S_SUBMIT_FAILED', message, { cause, temporary: responseCode === undefined || responseCode < 500 });
    this.responseCode = responseCode;
    this.response = response;
  }
}

/** nodemailer is loaded on the first mail sent: most gateway processes never send one. */
let library: Promise<typeof import('nodemailer')> | undefined;

export async function submitMail(target: SmtpTarget, mail: OutgoingMail): Promise<SubmitResult> {
  const { createTransport } = await (library ??= import('nodemailer'));
  const transport: Transporter = createTransport({
    host: target.host,
    port: target.port,
    secure: target.secure ?? false,
    ignoreTLS: !target.secure,
    ...(target.auth ? { auth: { user: target.auth.user, pass: target.auth.pass } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: mail.from, to: [...mail.to] },
      ...(mail.raw !== undefined
        ? { raw: mail.raw }
        : {
            from: mail.from, to: [...mail.to], subject: mail.subject, text: mail.text, headers: mail.headers,
            ...(mail.messageId === undefined ? {} : { messageId: mail.messageId }),
            ...(mail.inReplyTo === undefined ? {} : { inReplyTo: mail.inReplyTo }),
            ...(mail.references === undefined ? {} : { references: mail.references }),
            ...(mail.date === undefined ? {} : { date: new Date(mail.date) }),
          }),
    });
    return {
      accepted: info.accepted.map(String),
      rejected: info.rejected.map(String),
      response: info.response,
    };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; code?: string; message: string };
    const where = `${target.host}:${target.port}`;
    const message =
      e.responseCode !== undefined
        ? `${where} refused the mail: ${e.response ?? e.message}`
        : `cannot deliver to ${where}: ${e.code === 'ECONNREFUSED' ? 'connection refused' : e.message}`;
    throw new SubmitError(message, e.responseCode, e.response, err);
  } finally {
    transport.close();
  }
}

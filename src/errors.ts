/*
 * errors.ts - the gateway's error types and the one registry of their codes.
 *
 * Expected failures inside a pure stage are values ({ ok: false, reason }); what crosses a seam
 * (SMTP reply, AT exchange, SMPP response, config load) is a GatewayError with a stable `code`
 * from ERROR_CODES. Callers match on `code`, never on message text. Every code here is
 * documented in docs/errors.md (a unit test keeps the two in step).
 *
 * Protocol errors carry the protocol's own numbers: SmtpError the reply code and RFC 3463
 * enhanced status, AtError the command and +CMS/+CME number, SmppError the command_status.
 * `temporary` is read from a table by whoever builds the error, never guessed by the catcher.
 */

export const ERROR_CODES = {
  // configuration and usage (exit code 2)
  M2S_CONFIG_INVALID: 'a config key has a bad value or is unknown; the message names key, file and line',
  M2S_CONFIG_UNREADABLE: 'the config file cannot be read or is not YAML',
  M2S_USAGE: 'a CLI command was called with bad arguments',
  M2S_TLS_UNREADABLE: 'the smtp.tls key or certificate file cannot be read or is not a matching PEM pair',
  // state directory and database (exit code 1)
  M2S_STATE_DIR_UNUSABLE: 'the state directory cannot be created, written or locked; the message names the path and why',
  M2S_STATE_LOCKED: 'another gateway holds the state directory; the message names its PID',
  M2S_DB_UNAVAILABLE: 'the SQLite file cannot be opened or used (unreadable, read-only, not a database, damaged, disk full)',
  M2S_BACKUP_EXISTS: 'mail2sms backup was given a FILE that exists, without --force',
  M2S_BACKUP_INVALID: 'mail2sms restore was given a FILE that is not a sound mail2sms state database; the message says what is wrong',
  M2S_BACKUP_FAILED: 'a backup or restore could not read or write a file; the message names it and why',
  // SMTP intake and policy (SPEC 4)
  M2S_POLICY_UNKNOWN_DOMAIN: 'recipient domain is not one of the gateway domains (550 5.1.2)',
  M2S_POLICY_BAD_NUMBER: 'recipient local part is not a number of the numbering plan (553 5.1.3)',
  M2S_POLICY_FULLWIDTH_PLUS: 'recipient starts with a full-width plus sign (553 5.1.3)',
  M2S_POLICY_CLIENT_NOT_ALLOWED: 'the client address is in no allowed CIDR list (554 5.7.1)',
  M2S_POLICY_TOO_MANY_RECIPIENTS: 'more recipients in one mail than the gateway takes (452 4.5.3)',
  M2S_POLICY_UNKNOWN_SENDER: 'MAIL FROM is no user of this gateway, or is the null sender (550 5.7.1)',
  M2S_POLICY_CLIENT_NOT_ALLOWED_FOR_ACCOUNT: "the client address is outside the sender's account CIDR list (550 5.7.1)",
  M2S_POLICY_FROM_MISMATCH: 'the header From is missing or is not the envelope sender (550 5.7.1)',
  M2S_POLICY_FROM_NOT_ONE: 'the header From is not exactly one address: two From fields, a list of addresses or a group (550 5.7.1)',
  M2S_POLICY_AUTH_REQUIRED: 'the sender has a password and the session is not authenticated as it (530 5.7.0)',
  M2S_POLICY_AUTH_MISMATCH: 'the session is authenticated as another user than MAIL FROM (550 5.7.1)',
  M2S_POLICY_CUG: "the destination is outside the account's closed user group (550 5.7.1)",
  M2S_POLICY_QUOTA: "the user's 24-hour quota of SMS segments is used up (452 4.2.2)",
  M2S_POLICY_RATE: "the user's send rate (token bucket) is exceeded (451 4.7.1)",
  M2S_SMTP_AUTH_FAILED: 'AUTH with a wrong username or password (535 5.7.8)',
  M2S_SMTP_AUTH_TLS_REQUIRED: 'AUTH attempted before STARTTLS (538 5.7.11)',
  M2S_SMTP_AUTH_UNAVAILABLE: 'the credential check failed unexpectedly; the client may retry (454 4.7.0)',
  M2S_SMTP_TOO_MANY_CONNECTIONS: 'the gateway has smtp.max_connections open, or the client smtp.max_connections_per_client (421 4.7.0)',
  M2S_SMTP_TIMEOUT: 'a session ran past smtp.session_timeout, or a DATA phase past smtp.data_timeout (421 4.4.2)',
  M2S_SMTP_DATA_BUSY: 'smtp.max_concurrent_data DATA phases are in flight, or the client has smtp.max_concurrent_data_per_client (421 4.3.2)',
  M2S_SMTP_AUTH_TOO_MANY_FAILURES: 'the connection reached smtp.auth_failures_per_connection failed logins and is closed (421 4.7.0)',
  M2S_SMTP_AUTH_BLOCKED: 'the client address failed smtp.auth_failures_per_client logins and its AUTH is refused for smtp.auth_block_time (421 4.7.0)',
  M2S_MAIL_TOO_BIG: 'message larger than smtp.max_message_size (552 5.3.4)',
  M2S_MAIL_TOO_MANY_SEGMENTS: 'the SMS would need more segments than the account allows (552 5.3.4)',
  M2S_MAIL_UNPARSEABLE: 'the message could not be parsed as MIME (554 5.6.0)',
  M2S_MAIL_EMPTY: 'the message has no text to send (554 5.6.0)',
  M2S_MAIL_BAD_ENCAPSULATION: 'an x-smpp-* header of an encapsulated SMS is wrong; the reply names it and why (554 5.6.0)',
  M2S_QUEUE_UNAVAILABLE: 'the queue could not commit the message (451 4.3.0)',
  // verdict (SPEC 3)
  M2S_VERDICT_FAILED: "DKIM, SPF or DMARC judgment below the user's minimum (550 5.7.1; 5.7.26 when several fail)",
  M2S_VERDICT_TEMPORARY: 'a DNS lookup for the verdict failed temporarily (451 4.7.0)',
  M2S_VERDICT_NO_SMARTHOST: 'verdict@ needs a smarthost to reply through and none is configured (550 5.3.5)',
  M2S_VERDICT_NOT_ALONE: 'verdict@ was mixed with phone numbers in one mail (550 5.5.3)',
  M2S_VERDICT_REPLY_FAILED: 'the verdict reply could not be handed to the smarthost (451 4.4.0)',
  M2S_SMTP_INTERNAL: 'an SMTP hook failed unexpectedly; the client is told to retry (451 4.3.0)',
  M2S_LISTEN_FAILED: 'an SMTP listen address cannot be bound (in use, no permission)',
  M2S_HTTP_LISTEN_FAILED: 'the http.listen address (/metrics, /healthz) cannot be bound (in use, no permission)',
  // modem transport (SPEC 9)
  M2S_AT_TIMEOUT: 'the modem did not answer an AT command in time',
  M2S_AT_ERROR: 'the modem answered ERROR, +CME ERROR or +CMS ERROR',
  M2S_AT_PORT: 'the serial port could not be opened or was closed under us',
  M2S_AT_PIN: 'the SIM needs a PIN or PUK the gateway does not have',
  // SMPP transport (SPEC 9)
  M2S_SMPP_UNREACHABLE: 'the SMSC could not be reached, or the connection closed or timed out before the bind was answered',
  M2S_SMPP_BIND_REFUSED: 'the SMSC refused the bind (wrong password or system_id, too many binds); the command_status is named',
  M2S_SMPP_PASSWORD_UNREADABLE: 'the SMPP route password_file cannot be read',
  M2S_SMPP_LINK_LOST: 'a bound SMPP connection closed: the SMSC or the network dropped it, the SMSC unbound, enquire_link went unanswered, or the SMSC sent a malformed PDU',
  // queue
  M2S_QUEUE_NOT_FOUND: 'no message with that queue id',
  M2S_QUEUE_WRONG_STATE: 'a queue action that the message state does not allow (retry of a delivered message, cancel of a final one); the message names the id and its state',
  // accounts and users (SPEC 2)
  M2S_ACCOUNT_NOT_FOUND: 'no account with that name',
  M2S_ACCOUNT_EXISTS: 'an account with that name already exists',
  M2S_ACCOUNT_IN_USE: 'the account still has users, named in the message',
  M2S_ACCOUNT_INVALID: 'an account value is invalid; the message names the field and the value',
  M2S_USER_NOT_FOUND: 'no user with that email address',
  M2S_USER_EXISTS: 'a user with that email address already exists',
  M2S_USER_INVALID: 'a user value is invalid; the message names the field and the value',
  M2S_IMPORT_INVALID: 'a provisioning file is unreadable or invalid; nothing was imported',
  M2S_ACCOUNTS_UNAVAILABLE: 'the accounts tables are from a newer release',
  M2S_INBOUND_UNAVAILABLE: 'the inbound SMS tables are from a newer release',
  M2S_INBOX_NOT_FOUND: 'no received SMS has that id',
  // control layer and admin API (SPEC 11; docs/api.md gives the HTTP status of each)
  M2S_BAD_PARAMS: 'a control operation (admin API or CLI) was given a bad or unknown parameter; the message names it and its value',
  M2S_DAEMON_NOT_RUNNING: 'the command needs the running gateway and none answers on the control socket of the state dir',
  M2S_API_UNAUTHORIZED: 'an admin API request without the bearer token of http.token_file, or with a wrong one (401)',
  M2S_API_DISABLED: 'an admin API request on http.listen while no http.token_file is configured (403)',
  M2S_API_NOT_FOUND: 'no admin API endpoint at that path (404)',
  M2S_API_METHOD: 'the admin API endpoint does not take that method (405)',
  M2S_API_TOO_LARGE: 'an admin API request body larger than the limit (413)',
  M2S_API_NOT_READY: 'the gateway is stopping and takes no more requests (503)',
  M2S_HTTP_TOKEN_UNUSABLE: 'http.token_file is missing, empty, too short, or readable by every user; the gateway does not start',
  M2S_CONTROL_SOCKET_FAILED: 'the control socket in the state dir cannot be created',
  // outgoing mail (CLI send, delivery reports)
  M2S_SUBMIT_FAILED: 'an SMTP server refused or could not take a mail we sent',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GatewayErrorOptions {
  readonly temporary?: boolean;
  readonly cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly temporary: boolean;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.temporary = options.temporary ?? false;
  }
}

/** An SMTP refusal. smtp-server sends `responseCode` and the message as the reply text. */
export class SmtpError extends GatewayError {
  readonly responseCode: number;
  /** RFC 3463 enhanced status code, e.g. "5.1.3". */
  readonly enhanced: string;

  constructor(code: ErrorCode, responseCode: number, enhanced: string, text: string, options: GatewayErrorOptions = {}) {
    // smtp-server writes `${responseCode} ${message}`; the enhanced code leads the text (RFC 2034).
    super(code, `${enhanced} ${replyText(text)}`, { temporary: responseCode >= 400 && responseCode < 500, ...options });
    this.responseCode = responseCode;
    this.enhanced = enhanced;
  }
}

/**
 * A reply text as printable ASCII (RFC 5321 §4.2): what a client sent and a refusal echoes (a
 * domain, a number) keeps its other characters as \\uXXXX, so no control character, line break
 * or bidirectional override reaches the client's terminal or log, and the reply stays one line.
 */
export function replyText(text: string): string {
  return text.replace(/[^\x20-\x7e]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
}

/** A failed AT exchange: the command, and the +CMS / +CME number when the modem gave one. */
export class AtError extends GatewayError {
  readonly command: string;
  readonly cms: number | undefined;
  readonly cme: number | undefined;

  constructor(
    code: ErrorCode,
    command: string,
    message: string,
    details: { cms?: number; cme?: number } & GatewayErrorOptions = {},
  ) {
    super(code, message, details);
    this.command = command;
    this.cms = details.cms;
    this.cme = details.cme;
  }
}

/** An SMPP failure: the command_status the SMSC answered (SMPP 3.4 §5.1.3) and its name. */
export class SmppError extends GatewayError {
  readonly commandStatus: number | undefined;
  /** `ESME_RINVPASWD`, or `0x…` for a value SMPP 3.4 does not name. */
  readonly statusName: string | undefined;

  constructor(code: ErrorCode, message: string, details: { commandStatus?: number; statusName?: string } & GatewayErrorOptions = {}) {
    super(code, message, details);
    this.commandStatus = details.commandStatus;
    this.statusName = details.statusName;
  }
}

/** A bad config value; `where` is "file:line" or the CLI flag. Exit code 2. */
export class ConfigError extends GatewayError {
  readonly where: string;

  constructor(where: string, message: string, options: GatewayErrorOptions = {}) {
    super('M2S_CONFIG_INVALID', `${where}: ${message}`, options);
    this.where = where;
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

const FS_ERROR_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
};

/**
 * A file system error in words for one line: "permission denied (EACCES)" rather than Node's
 * "EACCES: permission denied, open '/x'" (the caller names the path once, in its own message).
 */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const words = FS_ERROR_WORDS[e?.code ?? ''];
  return words ? `${words} (${e?.code ?? ''})` : e instanceof Error ? e.message : String(err);
}

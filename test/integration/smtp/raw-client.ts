/*
 * raw-client.ts - a minimal SMTP client over a plain net.Socket, for asserting exact reply lines.
 *
 * `reply()` resolves to the next complete reply (all lines of a multi-line reply, RFC 5321
 * §4.2.1: `250-` continues, `250 ` ends); `command()` writes one line and waits for its reply;
 * `startTls()` sends STARTTLS and, on 220, goes on over TLS (RFC 3207), any certificate accepted.
 */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';

export interface RawReply {
  readonly code: number;
  readonly lines: readonly string[];
  /** The last line, e.g. "550 5.1.2 Recipient refused: ..." */
  readonly text: string;
}

export class RawSmtpClient {
  private buffer = '';
  private readonly pending: RawReply[] = [];
  private waiter: ((reply: RawReply) => void) | undefined;
  private closedResolve: (() => void) | undefined;
  readonly closed: Promise<void>;

  private constructor(private socket: net.Socket) {
    this.closed = new Promise((resolve) => (this.closedResolve = resolve));
    this.listen(socket);
  }

  private listen(socket: net.Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.closedResolve?.());
    socket.on('error', () => undefined);
  }

  /** STARTTLS; on 220 the connection continues over TLS. Returns the reply to STARTTLS. */
  async startTls(): Promise<RawReply> {
    const reply = await this.command('STARTTLS');
    if (reply.code !== 220) return reply;
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = tls.connect({ socket: plain, rejectUnauthorized: false, servername: 'localhost' });
    await once(secure, 'secureConnect');
    this.socket = secure;
    this.listen(secure);
    return reply;
  }

  /** True once the server closed the connection (or it was destroyed). */
  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  /** True once STARTTLS succeeded. */
  get encrypted(): boolean {
    return this.socket instanceof tls.TLSSocket;
  }

  /** `localAddress`: the client's own address (any 127.x is loopback on Linux), to be another client. */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawSmtpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, ...(localAddress ? { localAddress } : {}) }, () => resolve(new RawSmtpClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Connects and waits for the 220 greeting. */
  static async open(port: number, localAddress?: string): Promise<{ client: RawSmtpClient; greeting: RawReply }> {
    const client = await RawSmtpClient.connect(port, '127.0.0.1', localAddress);
    const greeting = await client.reply();
    return { client, greeting };
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  reply(): Promise<RawReply> {
    const ready = this.pending.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  command(line: string): Promise<RawReply> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** EHLO, MAIL FROM and each RCPT TO, returning the RCPT replies. */
  async envelope(from: string, rcpts: readonly string[]): Promise<RawReply[]> {
    await this.command('EHLO client.example');
    const mail = await this.command(`MAIL FROM:<${from}>`);
    if (mail.code !== 250) throw new Error(`MAIL FROM refused: ${mail.text}`);
    const replies: RawReply[] = [];
    for (const rcpt of rcpts) replies.push(await this.command(`RCPT TO:<${rcpt}>`));
    return replies;
  }

  /** DATA, the message (dot-stuffed), the final dot; returns the reply to the message. */
  async data(message: string): Promise<RawReply> {
    const go = await this.command('DATA');
    if (go.code !== 354) return go;
    const body = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    this.write(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
    return this.reply();
  }

  async quit(): Promise<void> {
    if (!this.socket.destroyed) {
      this.write('QUIT\r\n');
      this.socket.end();
    }
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let lines: string[] = [];
    let index: number;
    while ((index = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, index);
      this.buffer = this.buffer.slice(index + 2);
      lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        this.deliver({ code: Number(line.slice(0, 3)), lines, text: line });
        lines = [];
      }
    }
    if (lines.length > 0) this.buffer = `${lines.join('\r\n')}\r\n${this.buffer}`;
  }

  private deliver(reply: RawReply): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(reply);
    else this.pending.push(reply);
  }
}

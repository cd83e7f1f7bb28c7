/*
 * smpp-lib.d.ts - the types of the `smpp` package (0.5.1, farhadi/node-smpp), which ships none.
 *
 * Only what this gateway uses is declared, as the pinned version's lib/smpp.js and lib/pdu.js
 * define it. Known traits of the package that the SMPP code works around (its open issues):
 * no request timeouts, no window, no rate control; a Session reused after a drop is unreliable
 * (a new Session is made for each connection); socket errors reach the Session's 'error' event,
 * which must always have a listener or the process dies.
 * PDU fields are plain properties named as in SMPP 3.4 (`command_status`, `sequence_number`,
 * `short_message`, TLVs such as `receipted_message_id`).
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type net from 'node:net';
  import type tls from 'node:tls';

  /** A short_message as the package gives and takes it: bytes, a string, or a UDH with a message. */
  export type ShortMessage = Buffer | string | { udh?: Buffer | Buffer[]; message: Buffer | string };

  export class PDU {
    constructor(command: string, options?: Record<string, unknown>);
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    readonly [field: string]: unknown;
    isResponse(): boolean;
    response(options?: Record<string, unknown>): PDU;
    toBuffer(): Buffer;
    static fromBuffer(buffer: Buffer): PDU | false;
    static maxLength: number;
  }

  export interface SessionOptions extends net.TcpNetConnectOpts {
    tls?: boolean;
    socket?: net.Socket;
    auto_enquire_link_period?: number;
    [option: string]: unknown;
  }

  type ResponseCallback = (pdu: PDU) => void;
  type Command = (options?: Record<string, unknown> | ResponseCallback, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback) => boolean;

  export class Session extends EventEmitter {
    constructor(options: SessionOptions);
    socket: net.Socket | tls.TLSSocket;
    server?: Server;
    sequence: number;
    /** Writes the PDU; false (nothing written) when the socket is not writable. */
    send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
    pause(): void;
    resume(): void;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    bind_transceiver: Command;
    bind_transmitter: Command;
    bind_receiver: Command;
    submit_sm: Command;
    deliver_sm: Command;
    enquire_link: Command;
    unbind: Command;
    generic_nack: Command;
  }

  export class Server extends net.Server {
    sessions: Session[];
  }

  /** command_status values by name (`ESME_RTHROTTLED: 0x58`), SMPP 3.4 §5.1.3. */
  export const errors: Readonly<Record<string, number>>;
  /** The commands the package can encode and decode, by name (`submit_sm`, `deliver_sm_resp` …). */
  export const commands: Readonly<Record<string, { readonly id: number }>>;

  export function createServer(options?: Record<string, unknown> | ((session: Session) => void), listener?: (session: Session) => void): Server;
  export function connect(options: SessionOptions, listener?: () => void): Session;
  export function addCommand(command: string, options: Record<string, unknown>): void;
  export function addTLV(tag: string, options: Record<string, unknown>): void;
}

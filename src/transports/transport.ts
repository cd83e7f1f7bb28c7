/*
 * transport.ts - the one interface every way out implements (modem, smpp, in-process sim),
 * written as a contract for the next driver author.
 *
 * Contract:
 * - start() MUST resolve once the transport can take a send() (modem initialised, SMPP bound)
 *   or is waiting on something it recovers from by itself (a modem not yet registered on a
 *   network), its health() then saying ready: false, the state and why; it MUST reject with a
 *   GatewayError when it cannot work without outside help (port missing, PIN refused). While it
 *   waits, send() fails at once, temporarily, without touching the device.
 * - send(segment, signal) MUST resolve to exactly one SendOutcome per call, also when the
 *   device is unplugged, the signal aborts, or stop() is called meanwhile. It MUST NOT reject
 *   for an expected failure; a rejection means a bug in the transport.
 * - A transport MUST NOT have more than `concurrency` sends outstanding; the dispatcher never
 *   asks for more (a modem takes one AT+CMGS at a time; an SMPP bind has its window).
 * - sendMessage(segments, signal) is optional: a transport that can carry a long message in one
 *   request (SMPP `long: payload`, one submit_sm with message_payload) has it. The dispatcher
 *   calls it only with every part of one message of two or more parts, in seq order, none of
 *   them gone out or in flight; the call is ONE of the `concurrency` sends. It MUST resolve to
 *   exactly one SendOutcome for all the parts, under send()'s rules: `sent` only when the
 *   upstream took the whole message, with one message reference that its status report names
 *   (the queue stores it on every part); `failed`, `unknown` and `throttled` apply to every
 *   part alike. A transport with sendMessage MUST still take send() for single parts: the
 *   parts of a message left after some went out (on another route, or one by one before) go
 *   one at a time, concatenated as the transport does it for separate parts (SMPP: the UDH).
 * - `sent` means the network took it (modem +CMGS, SMSC submit_sm_resp OK) and carries the
 *   message reference the status report will name. `unknown` means the device stopped
 *   answering after the segment may have left (PDU written, no final result): the caller
 *   decides whether to resend (SPEC 7). `failed` carries temporary/permanent, an RFC 3463
 *   status and a diagnostic (the +CMS ERROR, the SMPP command_status) for the DSN and the log.
 * - `throttled` means the upstream refused the segment only because it is sent to too fast
 *   (SMPP ESME_RTHROTTLED, ESME_RMSGQFUL): the segment did not leave, it is not a failure and it
 *   costs no attempt. `retryAfterMs` SHOULD be given when the upstream says how long to wait.
 *   A transport MUST NOT answer `throttled` for a segment that may have gone out (that is
 *   `unknown`), and MUST NOT slow itself down in answer: the dispatcher pauses the route and
 *   probes it (dispatch/route-pace.ts). A modem never answers `throttled`.
 * - health() MUST be cheap and synchronous: it is how the dispatcher learns that a transport
 *   became ready (bound, registered, back after recovery). While work waits for a transport that
 *   is not ready, the dispatcher looks at health() every few tens of ms; there is no ready event.
 * - stop({ drain: true }) finishes the sends under way, then closes; stop({ drain: false })
 *   aborts them, each still getting its outcome (Kannel's finish-sending rule).
 * - Status reports arrive through onStatusReport listeners, matched by message reference.
 * - Received SMS (SPEC 10) go to the onReceived listener, one call per part. The transport MUST
 *   let go of a part only after the listener's promise resolved (the part is committed): only
 *   then AT+CMGD deletes it from the modem's store, AT+CNMA acknowledges a +CMT, or
 *   deliver_sm_resp answers the SMSC with ESME_ROK. When the promise rejects, or no listener is
 *   set, the part is kept where it is (left on the SIM, deliver_sm refused with a temporary
 *   status) so that it comes again. A part given twice is the listener's to recognise (`raw`).
 */
import type { DeliveredSms, SmsPart } from '../encode/types.js';

export interface OutboundSegment extends SmsPart {
  /** Queue id of the message this segment belongs to. */
  readonly qid: string;
  /** 1-based segment number and count, for logs ("2/3"). */
  readonly seq: number;
  readonly total: number;
  /** A failure notice may be sent for it: an upstream that can report failures only is asked to (SMPP registered_delivery 2). */
  readonly failureReport?: boolean;
  /** 1: the mail asked for high priority (X-Priority 1, Importance: high). */
  readonly priority?: number;
  /** The user's sender ID; only a transport that can set the originator (SMPP) uses it. */
  readonly senderId?: string;
  /** ms since the epoch: the message expires unsent after it (the account's validity, the mail's Expires). */
  readonly validUntil?: number;
}

export type SendOutcome =
  | {
      readonly kind: 'sent';
      readonly messageRef: string;
      /**
       * The upstream was asked for a report although the segment did not ask for one (an SMSC
       * receipt for a possible failure notice): the notifier waits for it as for a TP-SRR.
       */
      readonly reportAsked?: boolean;
    }
  | {
      readonly kind: 'failed';
      readonly temporary: boolean;
      /** RFC 3463 status, e.g. "4.4.1" or "5.1.1". */
      readonly status: string;
      /** What the device said, e.g. "+CMS ERROR: 332 (network timeout)". */
      readonly diagnostic: string;
    }
  | { readonly kind: 'unknown'; readonly diagnostic: string }
  | {
      readonly kind: 'throttled';
      /** How long the upstream asked to wait, ms, when it said. */
      readonly retryAfterMs?: number;
      /** What the upstream said, e.g. "ESME_RTHROTTLED (0x00000058)". */
      readonly diagnostic: string;
    };

export type DeliveryState = 'delivered' | 'failed' | 'expired' | 'pending';

export interface StatusReport {
  /** The message reference a `sent` outcome carried. */
  readonly messageRef: string;
  /** Other spellings under which the sent reference may have been stored (an SMSC's id in hex and in decimal). */
  readonly otherRefs?: readonly string[];
  readonly recipient: string;
  readonly state: DeliveryState;
  /** TP-Status (3GPP TS 23.040 §9.2.3.15) or the SMPP message_state, for the DSN. */
  readonly detail: string;
  /** Discharge time in ms since the epoch, when the report gives one. */
  readonly at?: number;
}

/** One received part, with what came on the wire for the record and for recognising a part given twice. */
export interface ReceivedPart extends DeliveredSms {
  /** The TPDU hex without the SMSC field (modem), or the deliver_sm fields that carry the text (SMPP). */
  readonly raw: string;
}

/** Resolves once the part is committed; rejects when it could not be (the transport keeps it). */
export type ReceivedListener = (part: ReceivedPart) => Promise<void>;

export interface TransportHealth {
  readonly ready: boolean;
  /** Short state word for /healthz and logs: "ready", "initialising", "unplugged", "pin-required" … */
  readonly state: string;
  readonly detail?: string;
  /** An upstream with a window of outstanding requests (SMPP): how many are in use of how many. */
  readonly window?: { readonly inUse: number; readonly size: number };
}

export interface Transport {
  /** Route name from the config ("gsm1", "sim"). */
  readonly name: string;
  readonly kind: 'modem' | 'smpp' | 'sim';
  /**
   * Transports with the same scope share status reports: a report arriving on one may name a
   * send of another (two SMPP routes bound to one SMSC account). Absent: its own sends only.
   */
  readonly reportScope?: string;
  /** Most sends this transport takes at once. */
  readonly concurrency: number;
  start(): Promise<void>;
  send(segment: OutboundSegment, signal: AbortSignal): Promise<SendOutcome>;
  /** All parts of one message in one request, one outcome for them all (see the contract above). */
  sendMessage?(segments: readonly OutboundSegment[], signal: AbortSignal): Promise<SendOutcome>;
  health(): TransportHealth;
  stop(options: { readonly drain: boolean }): Promise<void>;
  /** Returns a function that removes the listener. */
  onStatusReport(listener: (report: StatusReport) => void): () => void;
  /** Sets the one listener for received SMS (a second call replaces the first); returns a function that removes it. */
  onReceived(listener: ReceivedListener): () => void;
}

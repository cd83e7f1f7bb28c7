/*
 * transport.ts - an SMPP route as a Transport (transports/transport.ts): one session (one bind)
 * per route, each segment one submit_sm (or, with `long: payload`, each whole long message one
 * submit_sm carrying message_payload), receipts back as status reports.
 *
 * Promise (beside the Transport contract):
 * - concurrency is the route's window: the dispatcher never has more submit_sm outstanding.
 * - start() never rejects: a route that cannot bind (SMSC down, password refused) says why in
 *   health() and the session keeps trying with its backoff; the other routes carry on.
 * - send() maps the session's answer: submit_sm_resp OK → sent, its message_id (normalised by
 *   `receipt_id`, message-id.ts) the message reference; ESME_RTHROTTLED / ESME_RMSGQFUL →
 *   throttled; any other command_status → failed, temporary or permanent by command-status.ts;
 *   no answer in time, or the connection or the route gone after the submit was written →
 *   unknown; nothing written (not bound, stopping) → failed temporary, so the dispatcher
 *   tries the segment again or on the next route at no risk of a duplicate. A part that no
 *   submit_sm can carry (a sender ID the SMSC cannot take) is failed permanently, naming the field.
 * - `long: payload` gives the transport sendMessage(): the parts joined in one message_payload
 *   (toPayloadSubmitSm), the same sender ID, validity, priority and registered_delivery as a
 *   part's submit_sm, one outcome and one message_id for all; a part sent alone (the rest of a
 *   message some of whose parts went out already) carries the concatenation UDH.
 * - validity_period: the part's own, else the minutes left of its message's validity, so the
 *   SMSC gives up when the queue would have; priority_flag 1 for a mail marked urgent.
 * - A receipt is asked for (registered_delivery 1) when a success or a failure notice may be
 *   needed; `sent` then says reportAsked, so the notifier waits for the receipt.
 * - A deliver_sm that is a receipt becomes a StatusReport carrying every spelling of its ids;
 *   the queue matches the stored one (route, recipient, time). An invalid receipt is answered
 *   OK and logged (the SMSC would only send it again). A deliver_sm that is no receipt (an SMS
 *   from a phone, mo.ts) goes to the onReceived listener, and deliver_sm_resp ESME_ROK follows
 *   its commit; without a listener, or when the commit fails, it is answered ESME_RX_T_APPN, a
 *   temporary refusal, and the SMSC keeps the message rather than lose it.
 * - reportScope is host, port and system_id: two routes bound to one SMSC account match each
 *   other's receipts, since an SMSC may deliver a receipt on any bind of the account.
 */
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { PDU } from 'smpp';
import { reasonOf, type Logger } from '../../log/index.js';
import type { OutboundSegment, ReceivedListener, SendOutcome, StatusReport, Transport, TransportHealth } from '../transport.js';
import { classifyCommandStatus, commandStatusDiagnostic } from './command-status.js';
import { normaliseMessageId, type ReceiptIdMode } from './message-id.js';
import { receivedOfDeliverSm } from './mo.js';
import { parseReceipt } from './receipt.js';
import { SmppSession, type BindMode } from './session.js';
import { toPayloadSubmitSm, toSubmitSm, type SubmitLongMode, type SubmitOptions, type SubmitSmResult } from './submit.js';

export interface SmppTransportOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls?: ConnectionOptions;
  readonly mode: BindMode;
  readonly systemId: string;
  /** Read before each bind; a trailing line end is dropped. */
  readonly passwordFile: string;
  readonly systemType?: string;
  readonly window: number;
  readonly enquireLinkMs: number;
  /** No submit_sm_resp within this long: the segment is unknown. */
  readonly responseTimeoutMs: number;
  /** 'payload': a whole message in one submit_sm (sendMessage); its parts sent alone carry the UDH. */
  readonly long: SubmitLongMode | 'payload';
  readonly receiptId: ReceiptIdMode;
  readonly sourceTon?: number;
  readonly sourceNpi?: number;
  readonly logger: Logger;
  /** Test hooks: reconnect waits. */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
}

/**
 * registered_delivery (SMPP 3.4 §5.2.17) 1, a receipt on success and failure, when a notice may
 * be needed: a success notice was asked for, or a failure would be reported. (2, failure only,
 * would leave the notifier waiting to the end of the validity for a success that never comes.)
 */
function wantsReceipt(segment: OutboundSegment): boolean {
  return segment.statusReport || segment.failureReport === true;
}

/** The password file's text; one trailing line end dropped, nothing else (a password may end in a blank). */
export async function readPasswordFile(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
}

/**
 * The SMSC keeps trying no longer than the queue would: without a validity of its own (x-smpp
 * encapsulation gives one) a part gets the minutes left of its message's validity.
 */
function withValidity(segment: OutboundSegment, now: number): OutboundSegment {
  if (segment.validityMinutes !== undefined || segment.validUntil === undefined) return segment;
  return { ...segment, validityMinutes: Math.max(1, Math.ceil((segment.validUntil - now) / 60_000)) };
}

export function createSmppTransport(options: SmppTransportOptions): Transport {
  const log = options.logger.child({ transport: `smpp:${options.name}`, route: options.name });
  const partLong: SubmitLongMode = options.long === 'payload' ? 'udh' : options.long;
  const session = new SmppSession({
    name: options.name,
    host: options.host,
    port: options.port,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    mode: options.mode,
    systemId: options.systemId,
    password: () => readPasswordFile(options.passwordFile),
    ...(options.systemType === undefined ? {} : { systemType: options.systemType }),
    window: options.window,
    enquireLinkMs: options.enquireLinkMs,
    ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
    ...(options.backoffCapMs === undefined ? {} : { backoffCapMs: options.backoffCapMs }),
    logger: options.logger,
  });
  const listeners = new Set<(report: StatusReport) => void>();
  /** Where MO SMS go (SPEC 10); unset: they are refused and the SMSC keeps them. */
  let receivedListener: ReceivedListener | undefined;

  /** An SMS from a phone: committed by the listener before deliver_sm_resp (its rejection answers ESME_RX_T_APPN). */
  async function receiveMo(pdu: Readonly<Record<string, unknown>>): Promise<void> {
    // The session logs smpp.deliver.failed with the reason of a throw and answers ESME_RX_T_APPN.
    if (receivedListener === undefined) throw new Error(`an SMS from ${String(pdu.source_addr)}: inbound SMS are not taken yet, so it is refused for now and the SMSC keeps it`);
    const mo = receivedOfDeliverSm(pdu);
    if (!mo.ok) {
      log.warn({ event: 'smpp.mo.invalid', reason: mo.reason, source: String(pdu.source_addr ?? '') }, `an SMS from a phone was answered but not kept: ${mo.reason}`);
      return;
    }
    await receivedListener(mo.part);
  }

  session.onDeliver(async (pdu: PDU) => {
    const result = parseReceipt(pdu as unknown as Readonly<Record<string, unknown>>);
    if (result.kind === 'not-receipt') return receiveMo(pdu as unknown as Readonly<Record<string, unknown>>);
    if (result.kind === 'invalid') {
      log.warn({ event: 'smpp.receipt.invalid', reason: result.reason }, `a delivery receipt was answered but not used: it ${result.reason}`);
      return;
    }
    const { receipt } = result;
    const keys = [...new Set([
      ...normaliseMessageId(receipt.messageId, options.receiptId),
      ...(receipt.textId === undefined ? [] : normaliseMessageId(receipt.textId, options.receiptId)),
    ])];
    const [primary, ...others] = keys;
    if (primary === undefined) {
      log.warn({ event: 'smpp.receipt.invalid', id: receipt.messageId }, 'a delivery receipt was answered but not used: its message id is empty');
      return;
    }
    const report: StatusReport = {
      messageRef: primary,
      ...(others.length === 0 ? {} : { otherRefs: others }),
      recipient: receipt.recipient,
      state: receipt.state,
      detail: receipt.detail,
      ...(receipt.at === undefined ? {} : { at: receipt.at }),
    };
    for (const listener of [...listeners]) {
      try {
        listener(report);
      } catch (err) {
        log.error({ event: 'smpp.listener.failed', err }, 'a status report listener threw');
      }
    }
  });

  function outcomeOf(segment: OutboundSegment, result: Awaited<ReturnType<SmppSession['submit']>>): SendOutcome {
    switch (result.kind) {
      case 'resp': {
        const info = classifyCommandStatus(result.commandStatus);
        const diagnostic = commandStatusDiagnostic(result.commandStatus);
        if (info.class === 'ok') {
          const ref = normaliseMessageId(result.messageId ?? '', options.receiptId)[0];
          if (ref === undefined) log.warn({ event: 'smpp.submit.no_id', qid: segment.qid, seg: `${segment.seq}/${segment.total}` }, 'the SMSC took the submit_sm but gave no message_id: its receipt cannot be matched');
          return { kind: 'sent', messageRef: ref ?? '' };
        }
        if (info.class === 'throttled') return { kind: 'throttled', diagnostic };
        return { kind: 'failed', temporary: info.temporary, status: info.status, diagnostic };
      }
      case 'timeout':
        return { kind: 'unknown', diagnostic: `no submit_sm_resp within ${options.responseTimeoutMs} ms` };
      case 'lost':
        return { kind: 'unknown', diagnostic: `submit_sm written, no answer: ${result.reason}` };
      case 'not-sent':
        return { kind: 'failed', temporary: true, status: '4.4.1', diagnostic: `submit_sm not sent: ${result.reason}` };
    }
  }

  /** What send() and sendMessage() both give the submit_sm builders beside the part(s). */
  function submitOptionsOf(segment: OutboundSegment): Omit<SubmitOptions, 'long'> {
    return {
      ...(segment.senderId === undefined ? {} : { senderId: segment.senderId }),
      ...(options.sourceTon === undefined ? {} : { sourceTon: options.sourceTon }),
      ...(options.sourceNpi === undefined ? {} : { sourceNpi: options.sourceNpi }),
      ...(segment.priority === undefined ? {} : { priority: Math.min(3, segment.priority) }),
    };
  }

  /** One submit_sm built by `build` for `segment` (the first part, for a whole message), with registered_delivery as it needs. */
  async function submit(segment: OutboundSegment, build: () => SubmitSmResult, signal: AbortSignal): Promise<SendOutcome> {
    if (options.mode === 'receiver') return { kind: 'failed', temporary: true, status: '4.4.1', diagnostic: 'a receiver bind sends nothing' };
    const built = build();
    if (!built.ok) {
      return { kind: 'failed', temporary: false, status: built.status, diagnostic: `submit_sm ${built.field} ${built.reason}` };
    }
    try {
      const receipt = wantsReceipt(segment);
      const result = await session.submit({ ...built.fields, registered_delivery: receipt ? 1 : 0 }, { timeoutMs: options.responseTimeoutMs, signal });
      const outcome = outcomeOf(segment, result);
      return outcome.kind === 'sent' && receipt && !segment.statusReport ? { ...outcome, reportAsked: true } : outcome;
    } catch (err) {
      // The session promises not to reject; if it ever does, the segment may have left.
      log.error({ event: 'smpp.submit.error', qid: segment.qid, ...reasonOf(err) }, 'submit_sm failed unexpectedly');
      return { kind: 'unknown', diagnostic: `submit_sm failed: ${reasonOf(err).reason}` };
    }
  }

  return {
    name: options.name,
    kind: 'smpp',
    // A receiver bind sends nothing: the dispatcher never gives it a segment.
    concurrency: options.mode === 'receiver' ? 0 : options.window,
    reportScope: `smpp:${options.host}:${options.port}:${options.systemId}`,
    start: () => session.start(),
    send: (segment, signal) =>
      submit(segment, () => toSubmitSm(withValidity(segment, Date.now()), { long: partLong, ...submitOptionsOf(segment) }), signal),
    // `long: payload`: one submit_sm, one message_payload, for all parts of a message.
    ...(options.long === 'payload'
      ? {
          sendMessage: (segments: readonly OutboundSegment[], signal: AbortSignal) => {
            const [first] = segments;
            if (first === undefined) return Promise.resolve<SendOutcome>({ kind: 'failed', temporary: false, status: '5.6.0', diagnostic: 'submit_sm message_payload has no parts to carry' });
            const at = Date.now();
            return submit(first, () => toPayloadSubmitSm(segments.map((s) => withValidity(s, at)), submitOptionsOf(first)), signal);
          },
        }
      : {}),
    health(): TransportHealth {
      const h = session.health();
      const window = { inUse: h.windowInUse, size: h.window };
      return h.state === 'bound' ? { ready: true, state: 'ready', detail: h.detail, window } : { ready: false, state: h.state, detail: h.detail, window };
    },
    stop: (stopOptions) => session.stop(stopOptions),
    onStatusReport(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onReceived(listener) {
      receivedListener = listener;
      return () => {
        if (receivedListener === listener) receivedListener = undefined;
      };
    },
  };
}

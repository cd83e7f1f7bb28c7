/*
 * wire.ts - reads a submit_sm body from its octets (SMPP 3.4 §4.4.1) without the `smpp`
 * package, so that what the package writes is checked by a reader it does not share.
 */
import { PDU } from 'smpp';
import type { SubmitSmFields, SubmitSmResult } from '../../../src/transports/smpp/submit.js';

export interface SubmitWire {
  readonly source: readonly [ton: number, npi: number, addr: string];
  readonly destination: readonly [ton: number, npi: number, addr: string];
  readonly esmClass: number;
  readonly protocolId: number;
  readonly priority: number;
  readonly validity: string;
  readonly registeredDelivery: number;
  readonly dataCoding: number;
  /** short_message octets, uppercase hex. */
  readonly shortMessage: string;
  /** TLVs after the mandatory part: tag -> value, uppercase hex. */
  readonly tlvs: ReadonlyMap<number, string>;
}

export function readSubmitSm(pdu: Buffer): SubmitWire {
  let at = 16;
  const cstring = (): string => {
    const end = pdu.indexOf(0, at);
    const text = pdu.toString('latin1', at, end);
    at = end + 1;
    return text;
  };
  const octet = (): number => pdu[at++] ?? -1;
  cstring(); // service_type
  const source = [octet(), octet(), cstring()] as const;
  const destination = [octet(), octet(), cstring()] as const;
  const esmClass = octet();
  const protocolId = octet();
  const priority = octet();
  cstring(); // schedule_delivery_time
  const validity = cstring();
  const registeredDelivery = octet();
  octet(); // replace_if_present_flag
  const dataCoding = octet();
  octet(); // sm_default_msg_id
  const length = octet();
  const shortMessage = pdu.subarray(at, at + length).toString('hex').toUpperCase();
  at += length;
  const tlvs = new Map<number, string>();
  while (at + 4 <= pdu.length) {
    const tag = pdu.readUInt16BE(at);
    const size = pdu.readUInt16BE(at + 2);
    tlvs.set(tag, pdu.subarray(at + 4, at + 4 + size).toString('hex').toUpperCase());
    at += 4 + size;
  }
  return { source, destination, esmClass, protocolId, priority, validity, registeredDelivery, dataCoding, shortMessage, tlvs };
}

/** The fields of an ok result (the test fails on a refusal). */
export function fieldsOf(result: SubmitSmResult): SubmitSmFields {
  if (!result.ok) throw new Error(`refused: ${result.field} ${result.reason}`);
  return result.fields;
}

/** The submit_sm PDU the package writes for the fields. */
export function encodeSubmitSm(fields: SubmitSmFields, sequence = 1): Buffer {
  return new PDU('submit_sm', { ...fields, sequence_number: sequence }).toBuffer();
}

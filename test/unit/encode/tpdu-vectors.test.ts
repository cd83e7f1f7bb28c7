import { describe, expect, test } from 'vitest';
import {
  buildSubmitTpdu,
  concatIeHex,
  decodeSubmitTpdu,
  encodeAddress,
  encodeRelativeValidity,
  planText,
  type SmsPart,
} from '../../../src/encode/index.js';
import { partition, vectorsOf, type Vector } from './fixture-vectors.js';

/** The TPDU of a vector's PDU: the SMSC field (length octet + that many octets) removed. */
function tpduOf(pduHex: string): string {
  return pduHex.slice(2 + 2 * Number.parseInt(pduHex.slice(0, 2), 16));
}

/** TP-MR is octet 2; the modem assigns it, so vectors that number their messages compare with 00. */
function withZeroMr(tpdu: string): string {
  return `${tpdu.slice(0, 2)}00${tpdu.slice(4)}`;
}

/** Relative validity in minutes as each source states it. */
function validityOf(v: Vector): number | undefined {
  const input = v.input;
  // ModemManager passes minutes: its PDUs carry TP-VP 00 (5 minutes) for validity 5.
  if (typeof input['validity_relative'] === 'number') return input['validity_relative'];
  const validity = input['validity'] as { relative_seconds?: number } | null | undefined;
  if (validity?.relative_seconds !== undefined) return validity.relative_seconds / 60;
  // oFono's sms_text_prepare() default is TP-VP A7, 24 hours.
  if (v.id.startsWith('ofono/')) return 24 * 60;
  return undefined;
}

function partsFor(v: Vector, ref: number): SmsPart[] {
  const plan = planText(String(v.input['text']), { long: 'concatenate', maxSegments: 10 });
  if (!plan.ok) throw new Error('unexpected plan failure');
  const validityMinutes = validityOf(v);
  return plan.parts.map((text, i) => ({
    destination: String(v.input['address']),
    encoding: plan.encoding,
    text,
    statusReport: v.input['request_status_report'] === true,
    ...(validityMinutes !== undefined ? { validityMinutes } : {}),
    ...(v.input['flash_class0'] === true ? { dcs: 0x10 } : {}),
    ...(plan.parts.length > 1 ? { concat: { ref, total: plan.parts.length, seq: i + 1 } } : {}),
  }));
}

function submitSkip(v: Vector): string | undefined {
  if (v.input['flash_class0'] === true) {
    return 'python-gsmmodem marks flash SMS by setting first-octet bit 2 (TP-RD) with TP-DCS 00; 23.038 §4 puts class 0 in TP-DCS';
  }
  if (v.input['reject_duplicates'] === true) return 'sets TP-RD (reject duplicates), which we never set';
  const validity = v.input['validity'] as { absolute?: string } | null | undefined;
  if (validity?.absolute !== undefined) return 'absolute TP-VP; we send relative validity only';
  return undefined;
}

describe('SMS-SUBMIT encode vectors', () => {
  const single = partition(vectorsOf('encode_submit'), submitSkip);
  const multi = partition(vectorsOf('encode_submit_multipart'), submitSkip);

  test('the skipped SUBMIT vectors are the TP-RD and absolute-validity ones', () => {
    expect([...single.skipped, ...multi.skipped].map((s) => s.id).sort()).toEqual([
      'python-gsmmodem/encode_submit#2',
      'python-gsmmodem/encode_submit#4',
      'python-gsmmodem/encode_submit#5',
      'python-gsmmodem/encode_submit_concatenated#1',
    ]);
  });

  test.each([...single.run, ...multi.run])('$id: our TPDUs equal the expected ones', (v) => {
    const expectedHex = (v.expected['pdu_hex_parts'] as string[] | undefined) ?? [String(v.expected['pdu_hex'])];
    const expected = expectedHex.map((hex) => withZeroMr(tpduOf(hex)));
    const refs = v.expected['message_reference'] as number[] | undefined;
    const built = partsFor(v, refs?.[0] ?? 0).map(buildSubmitTpdu);
    expect(built.map((b) => b.hex)).toEqual(expected);
    const lengths = v.expected['cmgs_length'] as number[] | undefined;
    if (lengths !== undefined) expect(built.map((b) => b.length)).toEqual(lengths);
    const decoded = expectedHex.map((hex) => decodeSubmitTpdu(hex, { withSmsc: true }));
    expect(decoded.map((d) => d.destination)).toEqual(expectedHex.map(() => v.input['address']));
    expect(decoded.map((d) => d.text).join('')).toBe(v.input['text']);
  });
});

describe('gammu SMS-SUBMIT frames (Folder 1: first octet 11, TP-MR 00, TP-VP FF)', () => {
  const { run, skipped } = partition(vectorsOf('encode'), (v) => {
    const text = String(v.input['text']);
    const plan = planText(text, { long: 'concatenate', maxSegments: 1 });
    if (!/^\+?\d+$/.test(String(v.input['address']))) return 'alphanumeric or empty destination; we send to numbers';
    if (v.input['coding'] === 'GSM7' && (!plan.ok || plan.encoding !== 'gsm7')) {
      return 'GSM7 coding of text outside GSM 03.38: gammu substitutes characters, we send UCS-2';
    }
    if (!plan.ok || plan.parts.length > 1) return 'longer than one SMS in the given coding';
    return undefined;
  });

  test('49 frames run; 32 skips are gammu transliterations (š sent as s), 16 are texts over one SMS', () => {
    const reasons = skipped.map((s) => s.reason);
    expect(run).toHaveLength(49);
    expect(reasons.filter((r) => r.startsWith('GSM7 coding'))).toHaveLength(32);
    expect(reasons.filter((r) => r.startsWith('longer'))).toHaveLength(16);
  });

  test.each(run)('$id: our TPDU equals gammu frame', (v) => {
    const tpdu = tpduOf(String(v.expected['pdu_hex']));
    const part: SmsPart = {
      destination: String(v.input['address']),
      encoding: v.input['coding'] === 'GSM7' ? 'gsm7' : 'ucs2',
      text: String(v.input['text']),
      statusReport: false,
      validityMinutes: 63 * 7 * 24 * 60, // TP-VP FF
    };
    expect(buildSubmitTpdu(part).hex).toBe(tpdu);
    expect(decodeSubmitTpdu(tpdu)).toMatchObject({ destination: part.destination, text: part.text, validityMinutes: 635040 });
  });
});

describe('field vectors', () => {
  const addresses = partition(vectorsOf('address_encode'), (v) =>
    v.input['smsc_field'] === true
      ? 'SMSC field: the modem supplies the service centre'
      : v.input['ton'] !== undefined
        ? 'explicit national or alphanumeric type, or a truncating buffer: not produced by us'
        : undefined,
  );

  test.each(addresses.run)('$id: TP-DA encodes as expected', (v) => {
    expect(encodeAddress(String(v.input['address']))).toBe(v.expected['encoded_hex']);
  });

  test.each(vectorsOf('tp_vp_relative'))('$id: relative TP-VP is the smallest value covering the period', (v) => {
    expect(encodeRelativeValidity(Number(v.input['seconds']) / 60)).toBe(v.expected['tp_vp']);
  });

  const ies = partition(vectorsOf('udh_ie'), (v) =>
    v.input['ie'] !== 'concatenation' || Number(v.input['reference']) > 255
      ? 'only the 8-bit concatenation IE is produced (SPEC 6)'
      : undefined,
  );

  test.each(ies.run)('$id: the concatenation IE encodes as expected', (v) => {
    const concat = { ref: Number(v.input['reference']), total: Number(v.input['total']), seq: Number(v.input['seq']) };
    expect(concatIeHex(concat)).toBe(v.expected['ie_hex']);
  });

  test.each(vectorsOf('gsm7_pack_with_udh'))('$id: UDH, fill bits and septets match for every part', (v) => {
    const plan = planText(String(v.input['text']), { long: 'concatenate', maxSegments: 10 });
    const expected = v.expected['parts'] as { user_data_hex: string; text: string; septets_including_udh: number }[];
    expect(plan.ok && plan.parts).toEqual(expected.map((p) => p.text));
    if (!plan.ok) return;
    plan.parts.forEach((text, i) => {
      const part: SmsPart = {
        destination: '+1',
        encoding: 'gsm7',
        text,
        statusReport: false,
        concat: { ref: 0x6f, total: plan.parts.length, seq: i + 1 },
      };
      const hex = buildSubmitTpdu(part).hex;
      // 41 00 01 91 1F 00 00 then TP-UDL and TP-UD.
      expect(hex.slice(16)).toBe(expected[i]?.user_data_hex);
      expect(Number.parseInt(hex.slice(14, 16), 16)).toBe(expected[i]?.septets_including_udh);
    });
  });
});

/*
 * ucs2.ts - the 16-bit alphabet of SMS (3GPP TS 23.038 §6.2.3): UTF-16 big-endian.
 *
 * Promise: encode and decode are exact inverses for every JS string, lone surrogates
 * included. TS 23.038 names the alphabet UCS-2, but phones and SMSCs read UTF-16 today, so a
 * character outside the Basic Multilingual Plane (an emoji) goes out as its surrogate pair and
 * costs two units; segmentation (segment.ts) never splits such a pair. Pure: no I/O.
 */
import { hexToOctets, octetsToHex } from './hex.js';

/** UTF-16 code units the text takes (a surrogate pair counts 2). */
export function ucs2UnitCount(text: string): number {
  return text.length;
}

/** Text to UTF-16BE octets. */
export function encodeUcs2(text: string): Uint8Array {
  const octets = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    octets[2 * i] = unit >> 8;
    octets[2 * i + 1] = unit & 0xff;
  }
  return octets;
}

/**
 * UTF-16BE octets to text. An odd trailing octet cannot be a code unit and is ignored
 * (Android's SmsMessage does the same with a truncated UCS-2 body).
 */
export function decodeUcs2(octets: Uint8Array): string {
  let text = '';
  for (let i = 0; i + 1 < octets.length; i += 2) {
    text += String.fromCharCode(((octets[i] ?? 0) << 8) | (octets[i + 1] ?? 0));
  }
  return text;
}

/** Text to UTF-16BE, uppercase hex. */
export function toUcs2Hex(text: string): string {
  return octetsToHex(encodeUcs2(text));
}

/** UTF-16BE hex to text. */
export function fromUcs2Hex(hex: string): string {
  return decodeUcs2(hexToOctets(hex));
}

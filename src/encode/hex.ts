/*
 * hex.ts - octets <-> hex text, the form PDUs take on the AT command line (3GPP TS 27.005
 * §3.1: PDU mode sends each octet as two hex digits).
 *
 * Promise: octetsToHex always gives uppercase; hexToOctets(octetsToHex(o)) equals o. Pure.
 */

/** Octets to uppercase hex. */
export function octetsToHex(octets: Uint8Array): string {
  let hex = '';
  for (const octet of octets) hex += octet.toString(16).padStart(2, '0');
  return hex.toUpperCase();
}

/** True when `hex` is an even number of hex digits (possibly empty). */
export function isHex(hex: string): boolean {
  return hex.length % 2 === 0 && /^[0-9A-Fa-f]*$/.test(hex);
}

/** Hex to octets. The caller checks isHex() first; a non-hex pair reads as 0. */
export function hexToOctets(hex: string): Uint8Array {
  const octets = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < octets.length; i += 1) {
    const value = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    octets[i] = Number.isNaN(value) ? 0 : value;
  }
  return octets;
}

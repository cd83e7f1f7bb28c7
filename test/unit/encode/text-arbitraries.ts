/*
 * text-arbitraries.ts - fast-check generators of message texts that stress segmentation:
 * GSM basic characters, extension characters (two septets), non-GSM BMP characters, emoji
 * (surrogate pairs) and anything in Unicode, mixed.
 */
import fc from 'fast-check';

const GSM_BASIC = fc.constantFrom(...'@£$¥èéùìòÇç\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà'.split(''));
const GSM_EXTENSION = fc.constantFrom('€', '[', ']', '{', '}', '~', '^', '\\', '|', '\f');
const NON_GSM_BMP = fc.constantFrom('ж', 'Д', '世', 'é\u0301', 'š', '\u00a0', 'ł');
const EMOJI = fc.constantFrom('😀', '👍🏽', '🇯🇵', '𝄞', '👨‍👩‍👧');
const ANY = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });

/** Texts made only of GSM 7-bit characters, extension characters weighted up. */
export const gsmText = fc.string({
  unit: fc.oneof({ arbitrary: GSM_BASIC, weight: 3 }, { arbitrary: GSM_EXTENSION, weight: 2 }),
  maxLength: 700,
});

/** Any text, weighted towards the characters that make segmentation hard. */
export const mixedText = fc.oneof(
  gsmText,
  fc.string({
    unit: fc.oneof(GSM_BASIC, GSM_EXTENSION, NON_GSM_BMP, EMOJI, ANY),
    maxLength: 400,
  }),
  fc.string({ unit: fc.oneof(EMOJI, NON_GSM_BMP), maxLength: 250 }),
);

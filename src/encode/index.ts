/*
 * index.ts - the encode stage's public face: alphabet choice, segmentation and SMS-SUBMIT
 * TPDUs (SPEC 6), and the SMS-DELIVER and STATUS-REPORT readers.
 * Other stages import only from here, never the inner files.
 */
export type { ConcatInfo, DeliveredSms, Encoding, LongMode, OverflowMode, SmsPart } from './types.js';
export {
  GSM7_ESCAPE,
  fromGsm7Septets,
  gsm7CharCost,
  gsm7DefaultChar,
  gsm7ExtensionChar,
  gsm7SeptetCount,
  packSeptets,
  toGsm7Septets,
  unpackSeptets,
  type Gsm7Result,
} from './gsm7.js';
export { decodeUcs2, encodeUcs2, fromUcs2Hex, toUcs2Hex, ucs2UnitCount } from './ucs2.js';
export { hexToOctets, isHex, octetsToHex } from './hex.js';
export {
  CONCAT_IE_OCTETS,
  MAX_CONCAT_PARTS,
  USER_DATA_OCTETS,
  planOctets,
  planText,
  septetBudget,
  ucs2Budget,
  udhLength,
  type OctetPlan,
  type PlanOptions,
  type TextPlan,
} from './segment.js';
export {
  concatIeHex,
  dcsForEncoding,
  encodeAddress,
  encodeRelativeValidity,
  encodingOfDcs,
  readDcs,
  relativeValidityMinutes,
} from './tpdu-fields.js';
export { truncateToFit, type Truncated } from './truncate.js';
export { buildSubmitTpdu, decodeSubmitTpdu, type DecodedSubmit, type SubmitTpdu } from './tpdu.js';
export {
  formatMappings,
  planTextTransliterated,
  summarizeMappings,
  transliterateToGsm,
  transliterationTable,
  type CharMapping,
  type NotTransliterated,
  type TransliteratePlanOptions,
  type TransliteratedPlan,
  type TransliterationResult,
} from './transliterate.js';
export {
  classifyTpStatus,
  decodeStatusReport,
  type DecodedStatusReport,
  type ReportState,
  type ReportStatus,
  type StatusReportTpdu,
} from './status-report.js';
export { decodeDeliver, type DecodedDeliver } from './deliver.js';

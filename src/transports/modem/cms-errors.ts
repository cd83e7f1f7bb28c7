/*
 * cms-errors.ts - what a +CMS ERROR means for the message: temporary or permanent, and the
 * RFC 3463 status the DSN and the log carry.
 *
 * Promise: a pure table lookup; every code 0..65535 gets an answer (unlisted codes fall back by
 * range, temporary, so an unknown modem code never fails a message for good).
 *
 * Ranges (3GPP TS 27.005 §3.2.5): 0..127 are TS 24.011 §E.2 RP-causes, 128..255 TS 23.040
 * §9.2.3.22 TP-FCS values, 300..511 the ME/TA codes of TS 27.005, 512.. manufacturer codes.
 * Names and descriptions of 300..500 are ModemManager's (include/ModemManager-errors.h,
 * MMMessageError, LGPL-2.0-or-later); the temporary/permanent split and statuses are ours.
 *
 * Why SIM faults (310..318) are temporary: they are faults of this route, not of the message;
 * the message can go through another route or after the operator fixes the SIM (SPEC 7, 9).
 *
 * Codes from 512 mean what the modem's maker says (TS 27.005 §3.2.5 leaves them to the
 * manufacturer: 515 is "please wait" on a Wavecom, "ME storage failure" on a Quectel). A modem
 * profile's `cmsErrors` table (hardware/profiles) is asked first; without one, such a code is
 * a temporary "manufacturer specific error".
 */

export interface CmsErrorInfo {
  readonly code: number;
  readonly name: string;
  readonly description: string;
  readonly temporary: boolean;
  /** RFC 3463 enhanced status. */
  readonly status: string;
  /** Set when the meaning came from the modem profile's table, not the standard. */
  readonly vendor?: true;
}

/** One entry of a profile's `cmsErrors` table: the maker's meaning of a code. */
export interface VendorCmsError {
  readonly temporary: boolean;
  /** The maker's words, shown in the diagnostic as written. */
  readonly text: string;
  /** RFC 3463 status; default 4.3.0 when temporary, 5.3.0 when not. */
  readonly status?: string;
}

/** A modem profile's +CMS ERROR table, by code. */
export type VendorCmsErrors = ReadonlyMap<number, VendorCmsError>;

type Row = readonly [code: number, name: string, description: string, temporary: boolean, status: string];

const ROWS: readonly Row[] = [
  // TS 24.011 §E.2 RP-cause values (network side of the submit)
  [1, 'UNASSIGNED_NUMBER', 'Unassigned (unallocated) number.', false, '5.1.1'],
  [8, 'OPERATOR_DETERMINED_BARRING', 'Operator determined barring.', false, '5.7.1'],
  [10, 'CALL_BARRED', 'Call barred.', false, '5.7.1'],
  [21, 'SM_TRANSFER_REJECTED', 'Short message transfer rejected.', false, '5.7.1'],
  [27, 'DESTINATION_OUT_OF_SERVICE', 'Destination out of service.', true, '4.4.1'],
  [28, 'UNIDENTIFIED_SUBSCRIBER', 'Unidentified subscriber.', false, '5.1.1'],
  [29, 'FACILITY_REJECTED', 'Facility rejected.', false, '5.7.1'],
  [30, 'UNKNOWN_SUBSCRIBER', 'Unknown subscriber.', false, '5.1.1'],
  [38, 'NETWORK_OUT_OF_ORDER', 'Network out of order.', true, '4.4.0'],
  [41, 'TEMPORARY_FAILURE', 'Temporary failure.', true, '4.4.0'],
  [42, 'CONGESTION', 'Congestion.', true, '4.4.5'],
  [47, 'RESOURCES_UNAVAILABLE', 'Resources unavailable, unspecified.', true, '4.4.5'],
  [50, 'FACILITY_NOT_SUBSCRIBED', 'Requested facility not subscribed.', false, '5.7.1'],
  [69, 'FACILITY_NOT_IMPLEMENTED', 'Requested facility not implemented.', false, '5.3.3'],
  [81, 'INVALID_SM_TRANSFER_REF', 'Invalid short message transfer reference value.', true, '4.5.0'],
  [95, 'INVALID_MESSAGE', 'Invalid message, unspecified.', false, '5.6.0'],
  [96, 'INVALID_MANDATORY_INFORMATION', 'Invalid mandatory information.', false, '5.6.0'],
  [97, 'MESSAGE_TYPE_NONEXISTENT', 'Message type non-existent or not implemented.', false, '5.6.0'],
  [98, 'MESSAGE_NOT_COMPATIBLE', 'Message not compatible with short message protocol state.', false, '5.6.0'],
  [99, 'IE_NONEXISTENT', 'Information element non-existent or not implemented.', false, '5.6.0'],
  [111, 'PROTOCOL_ERROR', 'Protocol error, unspecified.', true, '4.5.0'],
  [127, 'INTERWORKING', 'Interworking, unspecified.', true, '4.4.0'],
  // TS 23.040 §9.2.3.22 TP-Failure-Cause values
  [0x80, 'TELEMATIC_INTERWORKING_NOT_SUPPORTED', 'Telematic interworking not supported.', false, '5.3.3'],
  [0x81, 'SM_TYPE_0_NOT_SUPPORTED', 'Short message Type 0 not supported.', false, '5.3.3'],
  [0x82, 'CANNOT_REPLACE_SM', 'Cannot replace short message.', false, '5.3.3'],
  [0x8f, 'UNSPECIFIED_TP_PID_ERROR', 'Unspecified TP-PID error.', false, '5.6.0'],
  [0x90, 'DCS_NOT_SUPPORTED', 'Data coding scheme (alphabet) not supported.', false, '5.6.1'],
  [0x91, 'MESSAGE_CLASS_NOT_SUPPORTED', 'Message class not supported.', false, '5.6.1'],
  [0x9f, 'UNSPECIFIED_TP_DCS_ERROR', 'Unspecified TP-DCS error.', false, '5.6.0'],
  [0xa0, 'COMMAND_CANNOT_BE_ACTIONED', 'Command cannot be actioned.', false, '5.3.0'],
  [0xa1, 'COMMAND_UNSUPPORTED', 'Command unsupported.', false, '5.3.3'],
  [0xaf, 'UNSPECIFIED_TP_COMMAND_ERROR', 'Unspecified TP-Command error.', false, '5.3.0'],
  [0xb0, 'TPDU_NOT_SUPPORTED', 'TPDU not supported.', false, '5.6.0'],
  [0xc0, 'SC_BUSY', 'SC busy.', true, '4.4.5'],
  [0xc1, 'NO_SC_SUBSCRIPTION', 'No SC subscription.', false, '5.7.1'],
  [0xc2, 'SC_SYSTEM_FAILURE', 'SC system failure.', true, '4.4.0'],
  [0xc3, 'INVALID_SME_ADDRESS', 'Invalid SME address.', false, '5.1.3'],
  [0xc4, 'DESTINATION_SME_BARRED', 'Destination SME barred.', false, '5.7.1'],
  [0xc5, 'SM_REJECTED_DUPLICATE', 'SM Rejected-Duplicate SM.', false, '5.3.0'],
  [0xc6, 'TP_VPF_NOT_SUPPORTED', 'TP-VPF not supported.', false, '5.6.0'],
  [0xc7, 'TP_VP_NOT_SUPPORTED', 'TP-VP not supported.', false, '5.6.0'],
  [0xd0, 'SIM_SMS_STORAGE_FULL', '(U)SIM SMS storage full.', true, '4.3.1'],
  [0xd1, 'NO_SMS_STORAGE_IN_SIM', 'No SMS storage capability in (U)SIM.', false, '5.3.3'],
  [0xd2, 'ERROR_IN_MS', 'Error in MS.', true, '4.3.0'],
  [0xd3, 'MEMORY_CAPACITY_EXCEEDED', 'Memory capacity exceeded.', true, '4.3.1'],
  [0xd4, 'SIM_TOOLKIT_BUSY', '(U)SIM Application Toolkit busy.', true, '4.3.0'],
  [0xd5, 'SIM_DATA_DOWNLOAD_ERROR', '(U)SIM data download error.', true, '4.3.0'],
  [0xff, 'UNSPECIFIED_ERROR', 'Unspecified error cause.', true, '4.3.0'],
  // TS 27.005 §3.2.5 ME/TA codes (names and descriptions: ModemManager MMMessageError)
  [300, 'ME_FAILURE', 'ME failure.', true, '4.3.0'],
  [301, 'SMS_SERVICE_RESERVED', 'SMS service reserved.', false, '5.3.0'],
  [302, 'NOT_ALLOWED', 'Operation not allowed.', false, '5.3.0'],
  [303, 'NOT_SUPPORTED', 'Operation not supported.', false, '5.3.3'],
  [304, 'INVALID_PDU_PARAMETER', 'Invalid PDU mode parameter.', false, '5.6.0'],
  [305, 'INVALID_TEXT_PARAMETER', 'Invalid text mode parameter.', false, '5.6.0'],
  [310, 'SIM_NOT_INSERTED', 'SIM not inserted.', true, '4.3.0'],
  [311, 'SIM_PIN', 'SIM PIN required.', true, '4.3.0'],
  [312, 'PH_SIM_PIN', 'PH-SIM PIN required.', true, '4.3.0'],
  [313, 'SIM_FAILURE', 'SIM failure.', true, '4.3.0'],
  [314, 'SIM_BUSY', 'SIM busy.', true, '4.3.0'],
  [315, 'SIM_WRONG', 'SIM wrong.', true, '4.3.0'],
  [316, 'SIM_PUK', 'SIM PUK required.', true, '4.3.0'],
  [317, 'SIM_PIN2', 'SIM PIN2 required.', true, '4.3.0'],
  [318, 'SIM_PUK2', 'SIM PUK2 required.', true, '4.3.0'],
  [320, 'MEMORY_FAILURE', 'Memory failure.', true, '4.3.0'],
  [321, 'INVALID_INDEX', 'Invalid index.', false, '5.3.0'],
  [322, 'MEMORY_FULL', 'Memory full.', true, '4.3.1'],
  // 330: the modem has no SMSC number (AT+CSCA): a configuration fault, no retry will fix it.
  [330, 'SMSC_ADDRESS_UNKNOWN', 'SMSC address unknown.', false, '5.3.5'],
  [331, 'NO_NETWORK', 'No network.', true, '4.4.0'],
  [332, 'NETWORK_TIMEOUT', 'Network timeout.', true, '4.4.1'],
  [340, 'NO_CNMA_ACK_EXPECTED', 'No CNMA Acknowledgement expected.', false, '5.3.0'],
  [500, 'UNKNOWN', 'Unknown error.', true, '4.3.0'],
];

export const CMS_ERRORS: ReadonlyMap<number, CmsErrorInfo> = new Map(
  ROWS.map(([code, name, description, temporary, status]) => [code, { code, name, description, temporary, status }]),
);

/**
 * The meaning of a +CMS ERROR code: the profile's table first, then the standard one; unlisted
 * codes are temporary, named by their range.
 */
export function classifyCms(code: number, vendor?: VendorCmsErrors): CmsErrorInfo {
  const maker = vendor?.get(code);
  if (maker) {
    const status = maker.status ?? (maker.temporary ? '4.3.0' : '5.3.0');
    return { code, name: 'VENDOR', description: maker.text, temporary: maker.temporary, status, vendor: true };
  }
  const known = CMS_ERRORS.get(code);
  if (known) return known;
  if (code < 128) return unlisted(code, 'RP_CAUSE', 'Network (RP) cause, unlisted.', '4.4.0');
  if (code < 256) return unlisted(code, 'TP_FAILURE_CAUSE', 'TP-Failure-Cause, unlisted.', '4.3.0');
  if (code < 512) return unlisted(code, 'ME_ERROR', 'ME/TA error, unlisted.', '4.3.0');
  return unlisted(code, 'VENDOR', 'Manufacturer specific error.', '4.3.0');
}

function unlisted(code: number, name: string, description: string, status: string): CmsErrorInfo {
  return { code, name, description, temporary: true, status };
}

/**
 * The diagnostic text a DSN and a log line carry: "+CMS ERROR: 332 (network timeout)"; a
 * maker's meaning as the profile words it: "+CMS ERROR: 515 (please wait, init or command
 * processing in progress)".
 */
export function cmsDiagnostic(code: number, vendor?: VendorCmsErrors): string {
  const info = classifyCms(code, vendor);
  const meaning = info.description.replace(/\.$/, '');
  return `+CMS ERROR: ${code} (${info.vendor ? meaning : meaning.toLowerCase()})`;
}

/*
 * command-status.ts - what an SMPP command_status means for the message: ok, throttled,
 * temporary or permanent, and the RFC 3463 status the DSN and the log carry.
 *
 * Promise: a pure table lookup; every value 0..0xFFFFFFFF gets an answer. Unlisted values fall
 * back by range and are temporary, so an unknown SMSC code never fails a message for good (as
 * the modem's +CMS table does, transports/modem/cms-errors.ts).
 *
 * Names and descriptions are SMPP 3.4 §5.1.3 (Table 5-2); 0x0100..0x010C are SMPP 5.0 §4.7.6
 * values some 3.4 SMSCs send. 0x0400..0x04FF are left to the SMSC vendor (§5.1.3).
 * The split into classes and the statuses are ours:
 * - throttled: ESME_RTHROTTLED and ESME_RMSGQFUL slow the whole route down and cost the
 *   segment no attempt (issue 13); they are temporary too.
 * - permanent: the message itself is wrong for the SMSC (destination, sender, length, coding,
 *   validity): sending it again, anywhere, gives the same answer.
 * - temporary: the SMSC's own trouble (system error, submit failed), and faults of this route
 *   rather than of the message (bind state, system_type, service_type, a TLV or esm_class the
 *   SMSC does not take): another route, or the route after its operator fixes it, can send it
 *   (the same reasoning as the modem's SIM faults). 4.3.5 marks "route configuration".
 */

export type CommandStatusClass = 'ok' | 'throttled' | 'temporary' | 'permanent';

export interface CommandStatusInfo {
  readonly code: number;
  /** The SMPP name, e.g. "ESME_RINVDSTADR". */
  readonly name: string;
  readonly description: string;
  readonly class: CommandStatusClass;
  /** True for throttled and temporary (the segment stays queued). */
  readonly temporary: boolean;
  /** RFC 3463 enhanced status. */
  readonly status: string;
}

export const ESME_ROK = 0x00;
export const ESME_RMSGQFUL = 0x14;
export const ESME_RTHROTTLED = 0x58;

type Row = readonly [code: number, name: string, description: string, cls: CommandStatusClass, status: string];

const ROWS: readonly Row[] = [
  [0x00, 'ESME_ROK', 'No Error', 'ok', '2.0.0'],
  [0x01, 'ESME_RINVMSGLEN', 'Message Length is invalid', 'permanent', '5.6.0'],
  [0x02, 'ESME_RINVCMDLEN', 'Command Length is invalid', 'temporary', '4.5.0'],
  [0x03, 'ESME_RINVCMDID', 'Invalid Command ID', 'temporary', '4.5.0'],
  [0x04, 'ESME_RINVBNDSTS', 'Incorrect BIND Status for given command', 'temporary', '4.5.0'],
  [0x05, 'ESME_RALYBND', 'ESME Already in Bound State', 'temporary', '4.5.0'],
  [0x06, 'ESME_RINVPRTFLG', 'Invalid Priority Flag', 'temporary', '4.3.5'],
  [0x07, 'ESME_RINVREGDLVFLG', 'Invalid Registered Delivery Flag', 'temporary', '4.3.5'],
  [0x08, 'ESME_RSYSERR', 'System Error', 'temporary', '4.3.0'],
  [0x0a, 'ESME_RINVSRCADR', 'Invalid Source Address', 'permanent', '5.7.1'],
  [0x0b, 'ESME_RINVDSTADR', 'Invalid Dest Addr', 'permanent', '5.1.1'],
  [0x0c, 'ESME_RINVMSGID', 'Message ID is invalid', 'permanent', '5.5.4'],
  [0x0d, 'ESME_RBINDFAIL', 'Bind Failed', 'temporary', '4.3.5'],
  [0x0e, 'ESME_RINVPASWD', 'Invalid Password', 'temporary', '4.3.5'],
  [0x0f, 'ESME_RINVSYSID', 'Invalid System ID', 'temporary', '4.3.5'],
  [0x11, 'ESME_RCANCELFAIL', 'Cancel SM Failed', 'temporary', '4.3.0'],
  [0x13, 'ESME_RREPLACEFAIL', 'Replace SM Failed', 'temporary', '4.3.0'],
  [0x14, 'ESME_RMSGQFUL', 'Message Queue Full', 'throttled', '4.3.1'],
  [0x15, 'ESME_RINVSERTYP', 'Invalid Service Type', 'temporary', '4.3.5'],
  [0x33, 'ESME_RINVNUMDESTS', 'Invalid number of destinations', 'permanent', '5.5.4'],
  [0x34, 'ESME_RINVDLNAME', 'Invalid Distribution List name', 'permanent', '5.5.4'],
  [0x40, 'ESME_RINVDESTFLAG', 'Destination flag is invalid (submit_multi)', 'permanent', '5.5.4'],
  [0x42, 'ESME_RINVSUBREP', "Invalid 'submit with replace' request", 'permanent', '5.5.4'],
  [0x43, 'ESME_RINVESMCLASS', 'Invalid esm_class field data', 'temporary', '4.3.5'],
  [0x44, 'ESME_RCNTSUBDL', 'Cannot Submit to Distribution List', 'permanent', '5.5.4'],
  [0x45, 'ESME_RSUBMITFAIL', 'submit_sm or submit_multi failed', 'temporary', '4.3.0'],
  [0x48, 'ESME_RINVSRCTON', 'Invalid Source address TON', 'permanent', '5.7.1'],
  [0x49, 'ESME_RINVSRCNPI', 'Invalid Source address NPI', 'permanent', '5.7.1'],
  [0x50, 'ESME_RINVDSTTON', 'Invalid Destination address TON', 'permanent', '5.1.3'],
  [0x51, 'ESME_RINVDSTNPI', 'Invalid Destination address NPI', 'permanent', '5.1.3'],
  [0x53, 'ESME_RINVSYSTYP', 'Invalid system_type field', 'temporary', '4.3.5'],
  [0x54, 'ESME_RINVREPFLAG', 'Invalid replace_if_present flag', 'temporary', '4.3.5'],
  [0x55, 'ESME_RINVNUMMSGS', 'Invalid number of messages', 'permanent', '5.5.4'],
  [0x58, 'ESME_RTHROTTLED', 'Throttling error (ESME has exceeded allowed message limits)', 'throttled', '4.4.5'],
  [0x61, 'ESME_RINVSCHED', 'Invalid Scheduled Delivery Time', 'permanent', '5.5.4'],
  [0x62, 'ESME_RINVEXPIRY', 'Invalid message validity period (Expiry time)', 'permanent', '5.5.4'],
  [0x63, 'ESME_RINVDFTMSGID', 'Predefined Message Invalid or Not Found', 'permanent', '5.5.4'],
  [0x64, 'ESME_RX_T_APPN', 'ESME Receiver Temporary App Error Code', 'temporary', '4.3.0'],
  [0x65, 'ESME_RX_P_APPN', 'ESME Receiver Permanent App Error Code', 'permanent', '5.3.0'],
  [0x66, 'ESME_RX_R_APPN', 'ESME Receiver Reject Message Error Code', 'permanent', '5.3.0'],
  [0x67, 'ESME_RQUERYFAIL', 'query_sm request failed', 'temporary', '4.3.0'],
  [0xc0, 'ESME_RINVOPTPARSTREAM', 'Error in the optional part of the PDU Body', 'temporary', '4.5.0'],
  [0xc1, 'ESME_ROPTPARNOTALLWD', 'Optional Parameter not allowed', 'temporary', '4.3.5'],
  [0xc2, 'ESME_RINVPARLEN', 'Invalid Parameter Length', 'temporary', '4.5.0'],
  [0xc3, 'ESME_RMISSINGOPTPARAM', 'Expected Optional Parameter missing', 'temporary', '4.3.5'],
  [0xc4, 'ESME_RINVOPTPARAMVAL', 'Invalid Optional Parameter Value', 'temporary', '4.3.5'],
  [0xfe, 'ESME_RDELIVERYFAILURE', 'Delivery Failure (used for data_sm_resp)', 'temporary', '4.4.0'],
  [0xff, 'ESME_RUNKNOWNERR', 'Unknown Error', 'temporary', '4.3.0'],
  // SMPP 5.0 §4.7.6
  [0x100, 'ESME_RSERTYPUNAUTH', 'ESME Not authorised to use specified service_type', 'temporary', '4.3.5'],
  [0x101, 'ESME_RPROHIBITED', 'ESME Prohibited from using specified operation', 'permanent', '5.7.1'],
  [0x102, 'ESME_RSERTYPUNAVAIL', 'Specified service_type is unavailable', 'temporary', '4.3.0'],
  [0x103, 'ESME_RSERTYPDENIED', 'Specified service_type is denied', 'temporary', '4.3.5'],
  [0x104, 'ESME_RINVDCS', 'Invalid Data Coding Scheme', 'permanent', '5.6.1'],
  [0x105, 'ESME_RINVSRCADDRSUBUNIT', 'Source Address Sub unit is Invalid', 'permanent', '5.5.4'],
  [0x106, 'ESME_RINVDSTADDRSUBUNIT', 'Destination Address Sub unit is Invalid', 'permanent', '5.5.4'],
  [0x107, 'ESME_RINVBCASTFREQINT', 'Broadcast Frequency Interval is invalid', 'permanent', '5.5.4'],
  [0x108, 'ESME_RINVBCASTALIAS_NAME', 'Broadcast Alias Name is invalid', 'permanent', '5.5.4'],
  [0x109, 'ESME_RINVBCASTAREAFMT', 'Broadcast Area Format is invalid', 'permanent', '5.5.4'],
  [0x10a, 'ESME_RINVNUMBCAST_AREAS', 'Number of Broadcast Areas is invalid', 'permanent', '5.5.4'],
  [0x10b, 'ESME_RINVBCASTCNTTYPE', 'Broadcast Content Type is invalid', 'permanent', '5.5.4'],
  [0x10c, 'ESME_RINVBCASTMSGCLASS', 'Broadcast Message Class is invalid', 'permanent', '5.5.4'],
];

export const COMMAND_STATUSES: ReadonlyMap<number, CommandStatusInfo> = new Map(
  ROWS.map(([code, name, description, cls, status]) => [code, { code, name, description, class: cls, temporary: cls === 'throttled' || cls === 'temporary', status }]),
);

/** The meaning of a command_status; unlisted values are temporary, named by their range. */
export function classifyCommandStatus(status: number): CommandStatusInfo {
  const known = COMMAND_STATUSES.get(status);
  if (known) return known;
  const vendor = status >= 0x400 && status <= 0x4ff;
  return {
    code: status,
    name: vendor ? 'VENDOR' : 'RESERVED',
    description: vendor ? 'SMSC vendor specific error' : 'Reserved value',
    class: 'temporary',
    temporary: true,
    status: '4.3.0',
  };
}

/** The diagnostic a DSN and a log line carry: "ESME_RINVDSTADR (0x0000000B): Invalid Dest Addr". */
export function commandStatusDiagnostic(status: number): string {
  const info = classifyCommandStatus(status);
  return `${info.name} (0x${(status >>> 0).toString(16).toUpperCase().padStart(8, '0')}): ${info.description}`;
}

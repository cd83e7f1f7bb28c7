/*
 * message-commands.ts - the simulated modem's answers to the message store commands, over the
 * SIM store (sim-store.ts) and the network's deliveries (mt-delivery.ts): AT+CPMS (TS 27.005
 * §3.2.2), AT+CMGL (§3.4.2), AT+CMGR (§3.4.3), AT+CMGD (§3.5.4) and AT+CNMA (§3.4.4).
 *
 * Promise: pure; the exact bytes to send, and whether a place in the store was freed (the
 * network may then deliver what it held). PDU mode answers:
 *   +CMGR: <stat>,,<length>\r\n<pdu>            then OK
 *   +CMGL: <index>,<stat>,,<length>\r\n<pdu>    per message, then OK
 * with <length> the TPDU's octets and <pdu> the SMSC field and the TPDU, as modems send them.
 * An empty index read or deleted answers +CMS ERROR: 321 (invalid memory index), AT+CNMA with no
 * +CMT waiting +CMS ERROR: 340 (no +CNMA acknowledgement expected).
 *
 * Limits: "SM" is the only store (another answers +CMS ERROR: 302); reading is PDU mode only: in
 * text mode (AT+CMGF=1) or with a text <stat> ("ALL") AT+CMGL lists an empty store and answers
 * +CMS ERROR: 303 otherwise, AT+CMGR answers 303; AT+CMGW and AT+CMSS are not taken.
 */
import { cmsError, reply, type CommandResult, type DeviceState } from './device-commands.js';
import { tpduLength, type MtDelivery } from './mt-delivery.js';
import type { DelFlag, SimStore, StoredSms } from './sim-store.js';

export interface MessageCommandResult extends CommandResult {
  /** A place in the store came free (AT+CMGD), or an ack let the network go on (AT+CNMA). */
  readonly deliverMore?: boolean;
}

/** Answers `line` (upper case, "AT…") if it is a message store command; undefined otherwise. */
export function runMessageCommand(state: DeviceState, store: SimStore, delivery: MtDelivery, line: string): MessageCommandResult | undefined {
  const body = line.slice(2).toUpperCase();
  const storage = `"SM",${store.used},${store.capacity}`;
  const counts = `${store.used},${store.capacity}`;
  if (body === '+CPMS=?') return reply('+CPMS: ("SM"),("SM"),("SM")');
  if (body === '+CPMS?') return reply(`+CPMS: ${storage},${storage},${storage}`);
  if (/^\+CPMS="SM"(?:,"SM"){0,2}$/.test(body)) return reply(`+CPMS: ${counts},${counts},${counts}`);
  if (/^\+CPMS="[A-Z]+"(?:,"[A-Z]+"){0,2}$/.test(body)) return cmsError(state, 302);
  const cmgl = /^\+CMGL(?:=(.*))?$/.exec(body);
  if (cmgl) return listMessages(state, store, cmgl[1] ?? '0');
  const cmgr = /^\+CMGR=(\d+)$/.exec(body);
  if (cmgr) return readMessage(state, store, Number(cmgr[1]));
  const cmgd = /^\+CMGD=(\d+)(?:,([0-4]))?$/.exec(body);
  if (cmgd) {
    const delflag = Number(cmgd[2] ?? 0) as DelFlag;
    const deleted = store.delete(Number(cmgd[1]), delflag);
    if (deleted === 0 && delflag === 0) return cmsError(state, 321);
    return { ...reply(), deliverMore: deleted > 0 };
  }
  if (/^\+CNMA(?:=[01])?$/.test(body)) return delivery.acknowledge() ? { ...reply(), deliverMore: true } : cmsError(state, 340);
  return undefined;
}

function listMessages(state: DeviceState, store: SimStore, stat: string): CommandResult {
  if (state.cmgf !== 0 || !/^[0-4]$/.test(stat)) return store.used === 0 ? reply() : cmsError(state, 303);
  const lines = store.list(Number(stat)).map((e) => `+CMGL: ${e.index},${e.stat},,${tpduLength(e.pdu)}\r\n${e.pdu}`);
  // One block, as modems send it: no blank line between the entries.
  return lines.length === 0 ? reply() : reply(lines.join('\r\n'));
}

function readMessage(state: DeviceState, store: SimStore, index: number): CommandResult {
  if (state.cmgf !== 0) return cmsError(state, 303);
  const entry: StoredSms | undefined = store.read(index);
  if (!entry) return cmsError(state, 321);
  return reply(`+CMGR: ${entry.stat},,${tpduLength(entry.pdu)}\r\n${entry.pdu}`);
}

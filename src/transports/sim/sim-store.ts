/*
 * sim-store.ts - the simulated modem's SIM message store ("SM", TS 27.005 §3.1 <mem>): the
 * SMS-DELIVER PDUs it received and the status reports it stored, in one store, as the modems
 * whose +CDSI says "SM" keep them (python-gsmmodem's capture; TS 27.005 §3.2.2 lets <mem3> be
 * the store received messages go to, and the sim has "SM" only).
 *
 * Promise: pure; no clock. Each entry is the PDU as AT+CMGR shows it (SMSC field first) and its
 * <stat>: 0 "received unread", 1 "received read" (TS 27.005 §3.1). A new entry takes the next
 * free index after the last one given, wrapping at `capacity`, from 0 (as Quectel and Huawei
 * modems number "SM"); put() into a full store gives undefined and changes nothing.
 */

export interface StoredSms {
  readonly index: number;
  /** SMSC field + TPDU, uppercase hex. */
  readonly pdu: string;
  /** TS 27.005 §3.1 <stat>: 0 received unread, 1 received read. */
  stat: 0 | 1;
}

/** TS 27.005 §3.5.4 <delflag> 0..4; the sim stores no sent or unsent messages, so 2 and 3 delete what 1 does. */
export type DelFlag = 0 | 1 | 2 | 3 | 4;

export class SimStore {
  readonly capacity: number;
  private readonly entries = new Map<number, StoredSms>();
  private next = 0;

  constructor(capacity = 30) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 255) throw new RangeError(`SIM store capacity must be 1..255, not ${capacity}`);
    this.capacity = capacity;
  }

  get used(): number {
    return this.entries.size;
  }

  get full(): boolean {
    return this.entries.size >= this.capacity;
  }

  /** Stores a PDU as received unread; its index, or undefined when the store is full. */
  put(pdu: string): number | undefined {
    if (this.full) return undefined;
    let index = this.next;
    while (this.entries.has(index)) index = (index + 1) % this.capacity;
    this.entries.set(index, { index, pdu: pdu.toUpperCase(), stat: 0 });
    this.next = (index + 1) % this.capacity;
    return index;
  }

  /** The entry at `index` as it was before reading; reading marks it read (TS 27.005 §3.4.3). */
  read(index: number): StoredSms | undefined {
    const entry = this.entries.get(index);
    if (!entry) return undefined;
    const before = { ...entry };
    entry.stat = 1;
    return before;
  }

  /** AT+CMGL=<stat> (4: all), by index; listed unread entries become read (TS 27.005 §3.4.2). */
  list(stat: number): StoredSms[] {
    const found = [...this.entries.values()].filter((e) => stat === 4 || e.stat === stat).sort((a, b) => a.index - b.index);
    return found.map((entry) => {
      const before = { ...entry };
      entry.stat = 1;
      return before;
    });
  }

  /** AT+CMGD=<index>[,<delflag>]: how many entries went; with delflag 0 an empty index deletes none. */
  delete(index: number, delflag: DelFlag = 0): number {
    if (delflag === 0) return this.entries.delete(index) ? 1 : 0;
    let count = 0;
    for (const [i, entry] of this.entries) {
      if (delflag === 4 || entry.stat === 1) {
        this.entries.delete(i);
        count += 1;
      }
    }
    return count;
  }

  /** Every entry, by index, without changing its <stat> (for tests and the operator). */
  snapshot(): readonly StoredSms[] {
    return [...this.entries.values()].sort((a, b) => a.index - b.index).map((e) => ({ ...e }));
  }
}

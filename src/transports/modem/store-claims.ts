/*
 * store-claims.ts - which places of the modem's message store (TS 27.005 §3.1 <mem>, <index>)
 * are being read or deleted, so that a +CMTI, a +CDSI and an AT+CMGL scan never act on one
 * place twice, and a scan does not act on a place its listing has gone stale for.
 *
 * Promise: pure bookkeeping, no I/O. A place is claimed by one reader at a time; a reader that
 * deleted its place says so on release, and a scan that listed the store before that deletion
 * (mark() before, deletedSince() after) leaves the place alone: what is there now is a new
 * message, announced by its own +CMTI. Keys are "<mem>/<index>" ("SM/3"). An announcement
 * (+CMTI) for a place that is claimed is not dropped: the modem may have stored a new message
 * there the moment the claim's AT+CMGD freed it, before the claim was released; release() then
 * says the place is wanted again.
 */
export class StoreClaims {
  private readonly claimed = new Set<string>();
  private readonly deletedAt = new Map<string, number>();
  private readonly wanted = new Set<string>();
  private deletions = 0;

  /** True when the place was free to take; the caller must release() it. `announced`: a +CMTI/+CDSI named it, so it is wanted again when taken. */
  claim(key: string, announced = false): boolean {
    if (this.claimed.has(key)) {
      if (announced) this.wanted.add(key);
      return false;
    }
    this.claimed.add(key);
    return true;
  }

  /** True when an announcement came for the place while it was claimed: it is to be read again. */
  release(key: string, deleted: boolean): boolean {
    this.claimed.delete(key);
    if (deleted) this.deletedAt.set(key, ++this.deletions);
    return this.wanted.delete(key);
  }

  /** A point in the history of deletions, taken before listing a store. */
  mark(): number {
    return this.deletions;
  }

  /** Whether the place was deleted after `mark`. */
  deletedSince(key: string, mark: number): boolean {
    return (this.deletedAt.get(key) ?? 0) > mark;
  }
}

/*
 * window.ts - the SMPP window: at most `size` submit_sm outstanding on a bind, the rest waiting
 * their turn in arrival order.
 *
 * Promise: no I/O, no clock. A slot is held from acquire() until release(); a waiter gets a slot
 * or a refusal (the signal aborted, or refuseAll() because the bind went away or the session
 * stops), never both and never nothing. The `smpp` package has no window of its own (its open
 * issues), so without this a burst would put every submit_sm on the wire at once.
 */

export type Acquired = { readonly ok: true } | { readonly ok: false; readonly reason: string };

interface Waiter {
  readonly settle: (result: Acquired) => void;
}

export class SubmitWindow {
  private held = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window must be a whole number of 1 or more, got ${size}`);
  }

  get inUse(): number {
    return this.held;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Slots a caller may take now without waiting. */
  get free(): number {
    return Math.max(0, this.size - this.held - this.waiters.length);
  }

  /** A slot now if one is free, else when one is released; a refusal when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<Acquired> {
    if (signal?.aborted) return Promise.resolve({ ok: false, reason: 'aborted before it was sent' });
    if (this.held < this.size && this.waiters.length === 0) {
      this.held += 1;
      return Promise.resolve({ ok: true });
    }
    return new Promise<Acquired>((resolve) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve({ ok: false, reason: 'aborted before it was sent' });
      };
      const waiter: Waiter = {
        settle: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Gives the slot back: to the longest waiter, or free. */
  release(): void {
    const next = this.waiters.shift();
    if (next) {
      next.settle({ ok: true });
      return;
    }
    this.held = Math.max(0, this.held - 1);
  }

  /** Every waiter is refused with `reason`; held slots stay held until released. */
  refuseAll(reason: string): void {
    for (const w of this.waiters.splice(0)) w.settle({ ok: false, reason });
  }
}

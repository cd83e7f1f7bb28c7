/*
 * crash-check.ts - the verdict of a crash run (SPEC 7), as a pure function of what the test saw:
 * the mails that got a 250, the SMS the simulated modem received, and the gateway's lives.
 *
 * Promise: reports every accepted segment the modem never received (a loss), every SMS that
 * belongs to no mail sent, and every repeat not explained by a kill: a segment may be received
 * again only by a later life than the copy before it, that earlier life must have been killed,
 * and each kill explains at most one repeat (one AT+CMGS in flight: modem concurrency is 1).
 */

/** A mail that got `250 ... queued as`; its destination is unique to it in the run. */
export interface AcceptedMail {
  readonly label: string;
  readonly destination: string;
  readonly segments: number;
  readonly qids: readonly string[];
}

/** One SMS as the modem received it; `seq` is the concatenation sequence (1 when single). */
export interface ReceivedPart {
  readonly destination: string;
  readonly seq: number;
  /** Epoch ms on the modem's clock (same host as the gateway). */
  readonly at: number;
}

/** One run of the gateway process, in start order. */
export interface Life {
  /** When its modem route reported ready (the gateway's log time); undefined: it never was. */
  readonly readyAt: number | undefined;
  readonly killed: boolean;
}

export interface CrashVerdict {
  readonly lost: readonly string[];
  readonly unexplainedDuplicates: readonly string[];
  readonly strangers: readonly string[];
  /** Repeats explained by a kill: segment key → index of the killed life that sent the first copy. */
  readonly explainedDuplicates: ReadonlyArray<{ readonly key: string; readonly life: number }>;
}

const keyOf = (destination: string, seq: number): string => `${destination}#${seq}`;

/** Index of the life that sent an SMS received at `at`: the last one whose modem was ready by then. */
export function lifeAt(lives: readonly Life[], at: number): number {
  let found = -1;
  lives.forEach((life, i) => {
    if (life.readyAt !== undefined && life.readyAt <= at) found = i;
  });
  return found;
}

export function checkCrashRun(accepted: readonly AcceptedMail[], sentTo: ReadonlySet<string>, received: readonly ReceivedPart[], lives: readonly Life[]): CrashVerdict {
  const copies = new Map<string, ReceivedPart[]>();
  const strangers: string[] = [];
  for (const part of received) {
    if (!sentTo.has(part.destination)) strangers.push(keyOf(part.destination, part.seq));
    const key = keyOf(part.destination, part.seq);
    copies.set(key, [...(copies.get(key) ?? []), part]);
  }
  const lost: string[] = [];
  for (const mail of accepted) {
    for (let seq = 1; seq <= mail.segments; seq += 1) {
      if (!copies.has(keyOf(mail.destination, seq))) lost.push(`${mail.label} (${mail.qids.join(' ')}) segment ${seq}/${mail.segments}`);
    }
  }
  const charged = new Set<number>();
  const explainedDuplicates: Array<{ key: string; life: number }> = [];
  const unexplainedDuplicates: string[] = [];
  for (const [key, list] of copies) {
    const sorted = [...list].sort((a, b) => a.at - b.at);
    for (let i = 1; i < sorted.length; i += 1) {
      const first = lifeAt(lives, sorted[i - 1]!.at);
      const second = lifeAt(lives, sorted[i]!.at);
      const explained = first >= 0 && second > first && lives[first]!.killed && !charged.has(first);
      if (explained) {
        charged.add(first);
        explainedDuplicates.push({ key, life: first });
      } else {
        unexplainedDuplicates.push(`${key}: copy ${i + 1} at ${new Date(sorted[i]!.at).toISOString()} (life ${second}) after one at ${new Date(sorted[i - 1]!.at).toISOString()} (life ${first}${first >= 0 && charged.has(first) && lives[first]!.killed ? ', whose kill already explains another repeat' : ''})`);
      }
    }
  }
  return { lost, unexplainedDuplicates, strangers, explainedDuplicates };
}

/*
 * queue-id.ts - queue ids: short, sortable by creation time, unique within one queue file.
 *
 * Like Postfix's long queue ids (`enable_long_queue_ids`), an id is printable in the `250`
 * reply ("queued as …") and in logs: 10 Crockford base32 characters of the millisecond clock,
 * then 6 of randomness (ULID layout, shortened). Ids made in the same millisecond by one
 * generator increase monotonically, so ordering by id is ordering by acceptance.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U
const TIME_CHARS = 10; // 50 bits of milliseconds: good until the year 37648
const RANDOM_CHARS = 6; // 30 bits
const RANDOM_SPACE = 32 ** RANDOM_CHARS;

function encode(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i += 1) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

export type QueueIdGenerator = (now: number) => string;

/** `random()` in [0, 1) is injected so tests can make ids repeatable. */
export function createQueueIdGenerator(random: () => number = Math.random): QueueIdGenerator {
  let lastTime = -1;
  let lastRandom = 0;
  return (now: number): string => {
    const time = Math.max(Math.floor(now), lastTime);
    if (time === lastTime) {
      // Same millisecond: step the random part so ids stay strictly increasing.
      lastRandom = (lastRandom + 1 + Math.floor(random() * 1024)) % RANDOM_SPACE;
    } else {
      lastRandom = Math.floor(random() * (RANDOM_SPACE / 2));
    }
    lastTime = time;
    return encode(time, TIME_CHARS) + encode(lastRandom, RANDOM_CHARS);
  };
}

/** True for a string shaped like a queue id (CLI arguments, HTTP paths). */
export function isQueueId(value: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{16}$/.test(value);
}

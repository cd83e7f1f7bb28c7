import { describe, expect, it } from 'vitest';
import { deriveMessageState, type QueueState } from '../../../src/queue/index.js';

const seg = (state: QueueState, waiting = state === 'queued') => ({ state, waiting });

describe('deriveMessageState', () => {
  const cases: ReadonlyArray<[name: string, segments: ReturnType<typeof seg>[], state: QueueState, final: boolean]> = [
    ['all parts waiting is queued', [seg('queued'), seg('queued')], 'queued', false],
    ['a part on the wire is sending', [seg('sent'), seg('sending'), seg('queued')], 'sending', false],
    ['some parts sent and the next waiting is queued', [seg('sent'), seg('queued')], 'queued', false],
    ['every part sent is sent and final', [seg('sent'), seg('sent')], 'sent', true],
    ['every part delivered is delivered', [seg('delivered'), seg('delivered')], 'delivered', true],
    ['sent and delivered parts are sent', [seg('delivered'), seg('sent')], 'sent', true],
    ['any failed part fails the message', [seg('sent'), seg('failed'), seg('failed')], 'failed', true],
    ['an expired part expires the message', [seg('sent'), seg('expired')], 'expired', true],
    ['an unknown part awaiting resend is unknown and open', [seg('unknown', true), seg('queued')], 'unknown', false],
    ['an unknown part not to be resent is unknown and final', [seg('unknown', false), seg('sent')], 'unknown', true],
  ];
  it.each(cases)('%s', (_name, segments, state, final) => {
    expect(deriveMessageState(segments)).toEqual({ state, final });
  });
});

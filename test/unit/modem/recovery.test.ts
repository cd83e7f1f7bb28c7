import { describe, expect, it } from 'vitest';
import { judgeSend, nextBackoff, type SendPduResult } from '../../../src/transports/modem/index.js';

const noPrompt: SendPduResult = { kind: 'failed', temporary: true, status: '4.4.1', diagnostic: 'no prompt', silent: true };
const unanswered: SendPduResult = { kind: 'unknown', diagnostic: 'PDU written, no answer', silent: true };
const closed: SendPduResult = { kind: 'unknown', diagnostic: 'PDU written, no answer (closed)' };
const noNetwork: SendPduResult = { kind: 'failed', temporary: true, status: '4.4.0', diagnostic: '+CMS ERROR: 331', cms: 331 };
const refused: SendPduResult = { kind: 'failed', temporary: false, status: '5.3.5', diagnostic: '+CMS ERROR: 330', cms: 330 };

describe('judgeSend: what a send result asks of the modem transport', () => {
  it.each([
    ['a sent SMS clears the count of timeouts', { kind: 'sent', mr: 3 } as SendPduResult, 1, { action: 'none', timeouts: 0 }],
    ['a first send with no prompt only counts', noPrompt, 0, { action: 'none', timeouts: 1 }],
    ['a second send in a row with no prompt climbs the ladder', noPrompt, 1, { action: 'recover', timeouts: 0 }],
    ['an unanswered PDU climbs the ladder at once', unanswered, 0, { action: 'recover', timeouts: 0 }],
    ['a closed port is left to the unplug path', closed, 1, { action: 'none', timeouts: 1 }],
    ['+CMS ERROR 331 waits for the network', noNetwork, 1, { action: 'no-network', timeouts: 0 }],
    ['any other +CMS ERROR means the modem answers', refused, 1, { action: 'none', timeouts: 0 }],
  ] as const)('%s', (_name, result, timeouts, expected) => {
    expect(judgeSend(result, timeouts, 2)).toEqual(expected);
  });
});

describe('nextBackoff: reopen waits after an unplug', () => {
  it('starts at the first wait and doubles up to the last', () => {
    const timings = { reopenInitial: 1_000, reopenMax: 30_000 };
    const waits: number[] = [];
    let wait: number | undefined;
    for (let i = 0; i < 7; i++) waits.push((wait = nextBackoff(wait, timings)));
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });
});

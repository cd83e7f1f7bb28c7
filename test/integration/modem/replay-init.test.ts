/*
 * Replay tests, init (SPEC 9): the modem transport's init sequence and profile detection against
 * recorded modems on a real pty (test/helpers/replay-modem.ts). Each modem answers with what it
 * answered in python-gsmmodem's fakemodems.py recording, AT+CREG? with a capture of its family
 * where one exists; the transcript shows which recording answered each command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadModemProfiles } from '../../../src/config/index.js';
import { AtError } from '../../../src/errors.js';
import type { DriverTimeouts, Profile } from '../../../src/transports/modem/index.js';
import { fakeModemSession, FIXTURES, gammuDumpReply, startReplayRig, stopReplayRigs, withEntries, type ReplayEntry, type ReplaySession } from '../../helpers/replay-modem.js';

const FAST: Partial<DriverTimeouts> = { command: 600, sync: 200, syncAttempts: 2, prompt: 400, submit: 400, escSettle: 30, registration: 300, registrationPoll: 50 };
const PROFILES: readonly Profile[] = loadModemProfiles();

afterEach(async () => {
  vi.useRealTimers();
  await stopReplayRigs();
});

async function rig(session: ReplaySession, profiles: readonly Profile[] = PROFILES) {
  const { modem, transport, events } = await startReplayRig(session, { timeouts: FAST, profiles });
  return { modem, transport, event: events };
}

const mm = JSON.parse(readFileSync(join(FIXTURES, 'creg-cgreg-cereg.json'), 'utf8')) as { cases: { test: string; reply: string }[] };
const mmReply = (test: string): string => mm.cases.find((c) => c.test === test)!.reply;

/** Gammu tests/at-creg/huawei.dump: AT+CREG? answered by a Huawei modem (LF line ends as stored). */
const HUAWEI_CREG: ReplayEntry = { command: 'AT+CREG?', replies: [gammuDumpReply('at-creg/huawei.dump')], kind: 'family', source: 'gammu tests/at-creg/huawei.dump' };
/** ModemManager's Qualcomm Gobi 1000 capture (information text only; V.250 final OK added). */
const QUALCOMM_CREG: ReplayEntry = {
  command: 'AT+CREG?', replies: [[mmReply('test_creg2_gobi_weird_solicited'), '\r\nOK\r\n']], kind: 'family',
  source: 'ModemManager src/tests/test-modem-helpers.c test_creg2_gobi_weird_solicited',
};

const INIT_HEAD = ['AT default', 'ATE0 default', 'AT+CGMI recorded', 'AT+CGMM recorded', 'AT+CMEE=1 default', 'AT+CPIN? recorded', 'AT+CMGF=0 default'];
/** After init, start() lists the SIM store for SMS that came while the gateway was down (SPEC 10, inbound.ts); these recordings have none, so each answers OK. */
const SCAN = ['AT+CPMS? default', 'AT+CPMS="SM" default', 'AT+CMGL=4 default'];

const MODEMS = [
  {
    name: 'Wavecom MULTIBAND 900E 1800', session: fakeModemSession('WavecomMultiband900E1800'),
    profile: 'wavecom-q24', maker: 'WAVECOM MODEM', model: 'MULTIBAND  900E  1800', ready: { registration: 1, rssi: 18 },
    // wavecom-q24: +CPIN: READY without OK taken as the answer; AT+WIND=0 from the profile's init.
    sent: [...INIT_HEAD, 'AT+CNMI=2,1,0,1,0 default', 'AT+WIND=0 default', 'AT+CREG=1 default', 'AT+CEREG=1 default', 'AT+CREG? suite', 'AT+CSQ suite', ...SCAN],
  },
  {
    name: 'Huawei K3715', session: fakeModemSession('HuaweiK3715', [HUAWEI_CREG]),
    profile: 'huawei-e3372', maker: 'huawei', model: 'K3715', ready: { registration: 1, rssi: 18 },
    // huawei-e3372: AT+CSCS="GSM" and AT^CURC=0, both in the K3715's own AT+CLAC list; +CEREG is not in it.
    sent: [...INIT_HEAD, 'AT+CSCS="GSM" default', 'AT+CNMI=2,1,0,1,0 default', 'AT^CURC=0 default', 'AT+CREG=1 default', 'AT+CEREG=1 refusal', 'AT+CREG? family', 'AT+CSQ suite', ...SCAN],
  },
  {
    name: 'Huawei E1752', session: fakeModemSession('HuaweiE1752', [HUAWEI_CREG]),
    profile: 'huawei-e3372', maker: 'huawei', model: 'E1752', ready: { registration: 1, rssi: 18 },
    // The E1752 refuses with COMMAND NOT SUPPORT (its AT+WIND?, AT+ZPAS? answers).
    sent: [...INIT_HEAD, 'AT+CSCS="GSM" default', 'AT+CNMI=2,1,0,1,0 default', 'AT^CURC=0 default', 'AT+CREG=1 default', 'AT+CEREG=1 refusal', 'AT+CREG? family', 'AT+CSQ suite', ...SCAN],
  },
  {
    name: 'Qualcomm M6280', session: fakeModemSession('QualcommM6280', [QUALCOMM_CREG]),
    profile: 'generic', maker: 'QUALCOMM INCORPORATED', model: 'M6280', ready: { registration: 1, rssi: 18 },
    sent: [...INIT_HEAD, 'AT+CNMI=2,1,0,1,0 default', 'AT+CREG=1 default', 'AT+CEREG=1 default', 'AT+CREG? family', 'AT+CSQ suite', ...SCAN],
  },
  {
    name: 'ZTE K3565-Z', session: fakeModemSession('ZteK3565Z'),
    profile: 'generic', maker: 'ZTE INCORPORATED', model: 'K3565-Z', ready: { registration: 1, rssi: 18 },
    sent: [...INIT_HEAD, 'AT+CNMI=2,1,0,1,0 default', 'AT+CREG=1 default', 'AT+CEREG=1 refusal', 'AT+CREG? suite', 'AT+CSQ suite', ...SCAN],
  },
];

describe('replayed modems: init and profile detection through the modem transport over a pty', () => {
  it.each(MODEMS)('$name: initialises, detects profile $profile from its recorded AT+CGMI/AT+CGMM', async ({ session, profile, maker, model, ready, sent }) => {
    const { modem, transport, event } = await rig(session);
    await transport.start();
    expect(modem.sent()).toEqual(sent);
    expect(transport.health()).toEqual({ ready: true, state: 'ready' });
    expect(event('modem.profile')).toEqual([expect.objectContaining({ profile, maker, model })]);
    expect(event('modem.ready')).toEqual([expect.objectContaining({ ...ready, profile })]);
    expect(event('modem.init.step_failed')).toEqual([]);
  });

  it('Wavecom with the AT+CGMM answer of Gammu tests/at-model/06.dump (CR LF ends, trailing blank, empty line before OK): same identity, same profile', async () => {
    const cgmm: ReplayEntry = { command: 'AT+CGMM', replies: [gammuDumpReply('at-model/06.dump')], kind: 'family', source: 'gammu tests/at-model/06.dump' };
    const { modem, transport, event } = await rig(withEntries(fakeModemSession('WavecomMultiband900E1800'), [cgmm]));
    await transport.start();
    expect(event('modem.profile')).toEqual([expect.objectContaining({ profile: 'wavecom-q24', maker: 'WAVECOM MODEM', model: 'MULTIBAND  900E  1800' })]);
    expect(modem.sent().slice(2, 4)).toEqual(['AT+CGMI recorded', 'AT+CGMM family']);
  });

  it('Nokia N79: init stops at AT+CNMI, which the phone refuses in every form recorded (AT+CNMI=?, AT+CNMI=2,1,0,2)', async () => {
    const { modem, transport } = await rig(fakeModemSession('NokiaN79'));
    const err = await transport.start().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AtError);
    expect(err).toMatchObject({ code: 'M2S_AT_ERROR', command: 'AT+CNMI=2,1,0,1,0', message: 'AT+CNMI=2,1,0,1,0 answered ERROR', temporary: true, cms: undefined, cme: undefined });
    expect(transport.health()).toEqual({ ready: false, state: 'failed', detail: 'AT+CNMI=2,1,0,1,0 answered ERROR' });
    expect(modem.sent()).toEqual([...INIT_HEAD, 'AT+CNMI=2,1,0,1,0 refusal']);
  });

  it('Wavecom without its profile: the generic driver waits for an OK the modem never sends after +CPIN: READY', async () => {
    const { modem, transport, event } = await rig(fakeModemSession('WavecomMultiband900E1800'), []);
    const err = await transport.start().then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'M2S_AT_TIMEOUT', command: 'AT+CPIN?', message: 'no answer to AT+CPIN? in 600 ms', temporary: true });
    expect(event('modem.profile')).toEqual([]);
    expect(modem.sent()).toEqual(['AT default', 'ATE0 default', 'AT+CMEE=1 default', 'AT+CPIN? recorded']);
  });
});

/** Registration answers recorded from real devices, each given to AT+CREG? of the Qualcomm session. */
const REGISTRATION = [
  { dump: 'at-creg/huawei.dump', stat: 1 },
  { dump: 'at-creg/siemens.dump', stat: 1 },
  { dump: 'at-creg/sierra312u.dump', stat: 5 },
  { dump: 'at-creg/telit.dump', stat: 1 },
  { dump: 'at-creg-corner/empty-lac.dump', stat: 1 },
  { dump: 'at-creg-corner/single-quote.dump', stat: 1 },
  // Gammu refuses this reply (ERR_MOREMEMORY); the <stat> field still reads 1.
  { dump: 'at-creg-corner/mismatched-quotes.dump', stat: 1 },
];

describe('replayed registration answers (Gammu tests/at-creg dumps) in the init', () => {
  const session = (dump: string): ReplaySession =>
    withEntries(fakeModemSession('QualcommM6280'), [{ command: 'AT+CREG?', replies: [gammuDumpReply(dump)], kind: 'spliced', source: `gammu tests/${dump}` }]);

  it.each(REGISTRATION)('$dump gives registration $stat', async ({ dump, stat }) => {
    const { transport, event } = await rig(session(dump));
    await transport.start();
    expect(event('modem.ready')).toEqual([expect.objectContaining({ registration: stat, rssi: 18 })]);
  });

  it.each([
    { dump: 'at-creg/none.dump', detail: 'not registered yet (stat 0: not registered, not searching)' },
    { dump: 'at-creg/empty.dump', detail: 'not registered yet (no +CREG/+CEREG answer)' },
  ])('$dump: init polls AT+CREG?/AT+CEREG? for the registration time, then the route waits in no-network', async ({ dump, detail }) => {
    // Only the clock the deadline is read from is frozen; it passes as the fourth poll goes out,
    // so the count does not depend on how fast this machine is.
    let asked = 0;
    const { modem, transport } = await startReplayRig(session(dump), {
      timeouts: FAST, profiles: PROFILES,
      onLine: (l) => {
        if (l['event'] === 'at.tx' && l['at'] === 'AT+CREG?' && (asked += 1) === 4) vi.setSystemTime(Date.now() + FAST.registration!);
      },
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    await transport.start();
    expect(transport.health()).toEqual({ ready: false, state: 'no-network', detail });
    const polls = modem.sent().slice(modem.sent().indexOf('AT+CEREG=1 default') + 1, modem.sent().indexOf('AT+CSQ suite'));
    // The Qualcomm accepted AT+CEREG=1, so each poll asks both; none after the deadline.
    expect(polls).toEqual(Array.from({ length: 4 }, () => ['AT+CREG? spliced', 'AT+CEREG? default']).flat());
  });
});

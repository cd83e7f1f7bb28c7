/*
 * The bench-test verdict (probe-report.ts): which findings block sending, in which order, and
 * the readable report whose last line is the verdict.
 */
import { describe, expect, it } from 'vitest';
import { formatProbeReport, judgeProbe, type ProbeReport, type Step } from '../../../src/transports/modem/probe-report.js';

function ok<T>(command: string, value: T): Step<T> {
  return { command, ok: true, value, lines: [] };
}
function err<T>(command: string, error: string): Step<T> {
  return { command, ok: false, error };
}

const READY: ProbeReport = {
  path: '/dev/ttyUSB2',
  baudsTried: [115200],
  baud: 115200,
  identity: { manufacturer: ok('AT+CGMI', 'Quectel'), model: ok('AT+CGMM', 'EC25'), firmware: ok('AT+CGMR', 'EC25EFAR06A06M4G'), imei: ok('AT+CGSN', '867698040000000') },
  sim: { pin: ok('AT+CPIN?', 'READY'), imsi: ok('AT+CIMI', '234150000000000'), iccid: ok('AT+CCID', '8944100000000000000') },
  network: { creg: ok('AT+CREG?', 1), cereg: err('AT+CEREG?', 'ERROR'), operator: ok('AT+COPS?', { mode: 0, name: 'Vodafone UK', act: 7 }) },
  signal: ok('AT+CSQ', { rssi: 20, ber: 99, dbm: -73, bars: 4 }),
  smsc: ok('AT+CSCA?', { address: '+447785016005', type: 145 }),
  pdu: { modes: ok('AT+CMGF=?', [0, 1]), select: ok('AT+CMGF=0', true as const) },
};

describe('the probe verdict', () => {
  it('is OK when nothing blocks, and the report ends with the verdict line', () => {
    const j = judgeProbe(READY);
    expect(j).toEqual({ ready: true, blocking: [], warnings: [], verdict: 'OK — ready to send SMS' });
    const text = formatProbeReport(READY, j);
    expect(text.trimEnd().split('\n').at(-1)).toBe('VERDICT: OK — ready to send SMS');
    expect(text).toContain('Signal:           -73 dBm, 4/5 bars (+CSQ: 20,99)');
    expect(text).toContain('Operator:         Vodafone UK, E-UTRAN (automatic)');
    expect(text).toContain('LTE registration: ? (AT+CEREG?: ERROR)');
  });

  it.each<[string, ProbeReport, string]>([
    ['the port does not open', { path: '/dev/x', baudsTried: [115200], openError: 'cannot open /dev/x: ENOENT' }, 'cannot open /dev/x: ENOENT'],
    ['no rate answers', { path: '/dev/x', baudsTried: [115200, 9600] }, 'no answer to AT at any baud rate tried (115200, 9600)'],
    ['the SIM wants its PIN', { ...READY, sim: { ...READY.sim!, pin: ok('AT+CPIN?', 'SIM PIN') }, network: { ...READY.network!, creg: ok('AT+CREG?', 0) } }, 'SIM PIN required'],
    ['the SIM wants its PUK', { ...READY, sim: { ...READY.sim!, pin: ok('AT+CPIN?', 'SIM PUK') } }, 'SIM PUK required (the SIM is locked after wrong PINs)'],
    ['registration was denied', { ...READY, network: { ...READY.network!, creg: ok('AT+CREG?', 3) } }, 'not registered on a network (registration denied)'],
    ['the modem is still searching', { ...READY, network: { ...READY.network!, creg: ok('AT+CREG?', 2), cereg: ok('AT+CEREG?', 2) } }, 'not registered on a network (not registered, searching)'],
    ['PDU mode is refused', { ...READY, pdu: { modes: ok('AT+CMGF=?', [1]), select: err('AT+CMGF=0', '+CME ERROR: 4') } }, 'PDU mode not supported (AT+CMGF=0: +CME ERROR: 4)'],
    ['the SIM has no SMSC', { ...READY, smsc: ok('AT+CSCA?', { address: '', type: 129 }) }, 'no SMSC address on the SIM (set it with AT+CSCA)'],
    ['the test SMS was refused', { ...READY, send: { to: '+447700900123', outcome: 'failed', diagnostic: '+CMS ERROR: 331 (no network service)' } }, 'test SMS to +447700900123 failed: +CMS ERROR: 331 (no network service)'],
  ])('is NOT READY when %s, naming the reason', (_case, report, reason) => {
    const j = judgeProbe(report);
    expect(j.ready).toBe(false);
    expect(j.blocking[0]).toBe(reason);
    expect(j.verdict).toBe(`NOT READY — ${reason}`);
    expect(formatProbeReport(report, j).trimEnd().split('\n').at(-1)).toBe(`VERDICT: NOT READY — ${reason}`);
  });

  it('counts LTE registration when +CREG says not registered (EPS-only modem)', () => {
    const lteOnly: ProbeReport = { ...READY, network: { ...READY.network!, creg: ok('AT+CREG?', 0), cereg: ok('AT+CEREG?', 1) } };
    expect(judgeProbe(lteOnly).ready).toBe(true);
  });

  it('warns of a weak signal, a missing status report and an undelivered one without blocking', () => {
    const weak: ProbeReport = { ...READY, signal: ok('AT+CSQ', { rssi: 4, ber: 0, dbm: -105, bars: 1 }), send: { to: '+447700900123', outcome: 'sent', mr: 7, statusReport: null, reportWaitMs: 30_000 } };
    expect(judgeProbe(weak)).toMatchObject({ ready: true, warnings: ['no status report within 30 s', 'weak signal (-105 dBm, 1/5 bars (+CSQ: 4,0))'] });
    const failedReport: ProbeReport = { ...READY, send: { to: '+447700900123', outcome: 'sent', mr: 7, statusReport: { mr: 7, recipient: '+447700900123', status: 0x41, meaning: 'permanent error, the SMSC gave up', delivered: false } } };
    expect(judgeProbe(failedReport)).toMatchObject({ ready: true, warnings: ['status report: permanent error, the SMSC gave up'] });
  });

  it('shows a test SMS skipped because the modem is not ready', () => {
    const r: ProbeReport = { ...READY, sim: { ...READY.sim!, pin: ok('AT+CPIN?', 'SIM PIN') }, send: { to: '+447700900123', outcome: 'skipped', diagnostic: 'not sent: SIM PIN required' } };
    expect(formatProbeReport(r)).toContain('Test SMS:         skipped (+447700900123): not sent: SIM PIN required');
    expect(judgeProbe(r).blocking).toEqual(['SIM PIN required']);
  });
});

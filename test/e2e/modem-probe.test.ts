/*
 * `mail2sms modem probe PATH` as a technician runs it (SPEC 11, 12): the built CLI against
 * `mail2sms sim --pty` in its own process. Readable report and --json, the verdict line, the
 * test SMS the sim receives, and the exit codes: 0 ready, 1 not ready, 2 bad usage.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/daemon.js';
import { startSimPty, type SimProcess } from '../helpers/sim-pty.js';

const sims: SimProcess[] = [];
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.stop();
});

async function sim(args: readonly string[] = []): Promise<SimProcess> {
  const s = await startSimPty(join(tempDir(), 'modem'), args);
  sims.push(s);
  return s;
}

async function probe(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const p = runCli(['modem', 'probe', ...args]);
  const { code } = await p.exited;
  return { code, out: p.stdout.join('\n'), err: p.stderr.join('\n') };
}

describe('mail2sms modem probe', () => {
  it('prints a readable report of a ready modem and exits 0 with verdict OK', async () => {
    const s = await sim();
    const r = await probe([s.path]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`Port:             ${s.path}`);
    expect(lines).toEqual(expect.arrayContaining([
      'Baud:             115200 (answered AT)',
      'Manufacturer:     mail2sms',
      'Model:            SIM-1',
      'Firmware:         1.0.0',
      'IMEI:             356938035643809',
      'SIM:              READY — SIM ready (no PIN needed)',
      'IMSI:             001010123456789',
      'ICCID:            8988211000000000001',
      'Registration:     registered, home network (+CREG stat 1)',
      'Operator:         SIMNET, E-UTRAN (automatic)',
      'Signal:           -73 dBm, 4/5 bars (+CSQ: 20,99)',
      'SMSC:             +447785016005 (type 145)',
      'PDU mode:         supported (AT+CMGF=0 OK; AT+CMGF=? lists (0,1))',
    ]));
    expect(lines.at(-1)).toBe('VERDICT: OK — ready to send SMS');
    expect(s.received).toHaveLength(0);
  });

  it('prints every field with --json', async () => {
    const s = await sim();
    const r = await probe([s.path, '--json', '--baud', '115200']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Record<string, unknown>;
    expect(report).toMatchObject({
      path: s.path,
      baud: 115200,
      baudsTried: [115200],
      identity: { manufacturer: { ok: true, value: 'mail2sms' }, model: { value: 'SIM-1' }, firmware: { value: '1.0.0' }, imei: { value: '356938035643809' } },
      sim: { pin: { value: 'READY' }, imsi: { value: '001010123456789' }, iccid: { value: '8988211000000000001' } },
      network: { creg: { command: 'AT+CREG?', value: 1, lines: ['+CREG: 0,1'] }, operator: { value: { mode: 0, name: 'SIMNET', act: 7 } } },
      signal: { value: { rssi: 20, ber: 99, dbm: -73, bars: 4 } },
      smsc: { value: { address: '+447785016005', type: 145 } },
      pdu: { modes: { value: [0, 1] }, select: { ok: true } },
      ready: true,
      blocking: [],
      verdict: 'OK — ready to send SMS',
    });
  });

  it('sends a test SMS with --send that the sim receives, asking for a status report', async () => {
    const s = await sim();
    const r = await probe([s.path, '--send', '+447700900123', '--report-timeout-ms', '300']);
    expect(r.code).toBe(0);
    await s.waitForCount(1);
    expect(s.received[0]).toMatchObject({ destination: '+447700900123', encoding: 'gsm7', text: 'mail2sms modem probe: test message', statusReport: true });
    expect(r.out).toContain(`Test SMS:         sent to +447700900123, message reference ${s.received[0]!.mr}`);
    // `mail2sms sim` sends no status reports, so the probe says so and still passes.
    expect(r.out).toContain('Status report:    none within 0.3 s');
    expect(r.out).toContain('WARNING: no status report within 0.3 s');
    expect(r.out.split('\n').at(-1)).toBe('VERDICT: OK — ready to send SMS');
  });

  it('waits for the status report of the test SMS and shows it when the modem sends one (sim --fault status-report)', async () => {
    const s = await sim(['--fault', 'status-report']);
    const r = await probe([s.path, '--send', '+447700900123', '--report-timeout-ms', '5000', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { send: { outcome: string; mr: number; statusReport: { mr: number; delivered: boolean } | null }; warnings: string[] };
    expect(report.send).toMatchObject({ outcome: 'sent', statusReport: { delivered: true } });
    expect(report.send.statusReport?.mr).toBe(report.send.mr);
    expect(report.warnings).toEqual([]);
  });

  it('refuses an unknown sim fault, naming it and the ones there are', async () => {
    const r = runCli(['sim', '--pty', '--fault', 'explode']);
    expect((await r.exited).code).toBe(2);
    expect(r.stderr.join('\n')).toMatch(/--fault "explode" is not one of hang-after-prompt, .*status-report.*cms-error:N/);
  });

  it('says SIM PIN required and exits 1 when the SIM is locked', async () => {
    const s = await sim(['--pin', '1234']);
    const r = await probe([s.path, '--send', '+447700900123']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('SIM:              SIM PIN — SIM PIN required');
    expect(r.out).toContain('Test SMS:         skipped (+447700900123): not sent: SIM PIN required');
    expect(r.out.split('\n').at(-1)).toBe('VERDICT: NOT READY — SIM PIN required');
    expect(s.received).toHaveLength(0);
    const json = await probe([s.path, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as { ready: boolean; blocking: string[]; verdict: string };
    expect([report.ready, report.blocking[0], report.verdict]).toEqual([false, 'SIM PIN required', 'NOT READY — SIM PIN required']);
  });

  it('issue 15: a PIN-locked SIM refusing AT+CMGF=0 with +CMS ERROR 311 is said as a SIM needing its PIN, not as no PDU mode', async () => {
    const s = await sim(['--pin', '1234']);
    const r = await probe([s.path]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('PDU mode:         not known: the SIM needs its PIN first (AT+CMGF=0 +CMS ERROR: 311; AT+CMGF=? lists (0,1))');
    expect(r.out).not.toContain('NOT supported');
    const report = JSON.parse((await probe([s.path, '--json'])).out) as { blocking: string[]; pdu: { select: { ok: boolean; cms?: number } } };
    expect(report.blocking).toEqual(['SIM PIN required', 'not registered on a network (not registered, not searching)']);
    expect(report.pdu.select).toMatchObject({ ok: false, cms: 311 });
  });

  it('exits 1 naming a port that does not exist', async () => {
    const path = join(tempDir(), 'no-such-modem');
    const r = await probe([path]);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').at(-1)).toMatch(new RegExp(`^VERDICT: NOT READY — cannot open ${path}`));
  });

  it.each([
    [['/dev/ttyUSB0', '--baud', 'fast'], '--baud must be one of'],
    [['/dev/ttyUSB0', '--baud', '12345'], 'not "12345"'],
    [['/dev/ttyUSB0', '--send', 'alice'], '--send must be a phone number'],
    [[], 'give exactly one serial port PATH'],
  ])('exits 2 for bad usage %j', async (args, message) => {
    const r = await probe(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
  });
});

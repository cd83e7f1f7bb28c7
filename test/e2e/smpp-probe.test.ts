/*
 * `mail2sms smpp probe HOST:PORT --system-id ID` as a technician runs it (issue 13 item 7): the
 * built CLI against the test SMSC over real TCP (and TLS). The readable report and --json, the
 * verdict line naming the first reason, the PDUs the SMSC received, and the exit codes: 0 ready,
 * 1 not ready, 2 bad usage.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { TestSmsc } from '../helpers/smsc.js';
import { hasOpenssl, selfSignedCertificate } from '../helpers/tls.js';

const ESME_RINVPASWD = 0x0e;
const ESME_RINVDSTADR = 0x0b;

const smscs: TestSmsc[] = [];
afterEach(async () => {
  for (const s of smscs.splice(0)) await s.close();
});

async function smsc(options: Parameters<typeof TestSmsc.start>[0] = {}): Promise<TestSmsc> {
  const s = await TestSmsc.start(options);
  smscs.push(s);
  return s;
}

function passwordFile(text: string): string {
  const path = join(tempDir(), 'password');
  writeFileSync(path, text);
  return path;
}

async function probe(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; lines: string[]; out: string; err: string }> {
  const p = runCli(['smpp', 'probe', ...args], env);
  const { code } = await p.exited;
  return { code, lines: p.stdout, out: p.stdout.join('\n'), err: p.stderr.join('\n') };
}

describe('mail2sms smpp probe', () => {
  it('binds, gets enquire_link answered, unbinds, and exits 0 with verdict OK', async () => {
    const s = await smsc();
    s.faults.password = 'secret';
    const r = await probe([`${s.host}:${s.port}`, '--system-id', 'gw1', '--password-file', passwordFile('secret\n'), '--system-type', 'alerts', '--timeout-ms', '2000']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines.slice(0, 3)).toEqual([
      `SMSC:         ${s.host}:${s.port} (plain TCP)`,
      'Bind:         bind_transceiver as system_id "gw1", system_type "alerts"',
      'Bind result:  bound; the SMSC answered system_id "test-smsc"',
    ]);
    expect(r.lines[3]).toMatch(/^enquire_link: answered in \d+(\.\d)? ms$/);
    expect(r.lines.at(-1)).toBe('VERDICT: OK — bound and answering enquire_link');
    expect(r.lines).toHaveLength(5);
    expect(s.received('bind_transceiver')[0]).toMatchObject({ system_id: 'gw1', password: 'secret', system_type: 'alerts' });
    expect(s.received('enquire_link')).toHaveLength(1);
    expect(s.received('unbind')).toHaveLength(1);
    expect(s.received('submit_sm')).toHaveLength(0);
  });

  it('names ESME_RINVPASWD and exits 1 when the password is wrong', async () => {
    const s = await smsc();
    s.faults.password = 'secret';
    const r = await probe([`${s.host}:${s.port}`, '--system-id', 'gw1', '--password-file', passwordFile('wrong'), '--timeout-ms', '2000']);
    expect(r.code).toBe(1);
    expect(r.lines).toContain('Bind result: refused: ESME_RINVPASWD (0x0000000E): Invalid Password');
    expect(r.lines.at(-1)).toBe('VERDICT: NOT READY — bind refused: ESME_RINVPASWD (0x0000000E): Invalid Password');
    expect(s.received('bind_transceiver')[0]).toMatchObject({ password: 'wrong' });
    expect(s.received('enquire_link')).toHaveLength(0);
  });

  it('binds as a transmitter with --mode transmitter and an empty password without --password-file', async () => {
    const s = await smsc();
    s.faults.password = '';
    const r = await probe([`${s.host}:${s.port}`, '--system-id', 'gw1', '--mode', 'transmitter', '--timeout-ms', '2000']);
    expect(r.code).toBe(0);
    expect(r.lines[1]).toBe('Bind:         bind_transmitter as system_id "gw1"');
    expect(s.received('bind_transmitter')[0]).toMatchObject({ system_id: 'gw1', password: '' });
    expect(s.received('bind_transceiver')).toHaveLength(0);
  });

  it('exits 1 when enquire_link is not answered, and sends no test submit_sm after it', async () => {
    const s = await smsc();
    s.faults.answerEnquireLink = false;
    const r = await probe([`${s.host}:${s.port}`, '--system-id', 'gw1', '--send', '+447700900123', '--timeout-ms', '300']);
    expect(r.code).toBe(1);
    expect(r.lines).toContain('enquire_link:   unanswered: no answer within 300 ms');
    expect(r.lines).toContain('Test submit_sm: to +447700900123: not sent (an earlier step failed)');
    expect(r.lines.at(-1)).toBe('VERDICT: NOT READY — enquire_link unanswered: no answer within 300 ms');
    expect(s.received('enquire_link')).toHaveLength(1);
    expect(s.received('submit_sm')).toHaveLength(0);
  });

  it('sends a test submit_sm with --send that the SMSC takes, and exits 0', async () => {
    const s = await smsc();
    const r = await probe([`${s.host}:${s.port}`, '--system-id', 'gw1', '--send', '447700900123', '--timeout-ms', '2000']);
    expect(r.code).toBe(0);
    const [submit] = s.received('submit_sm');
    expect(submit).toMatchObject({ destination_addr: '447700900123', dest_addr_ton: 1, dest_addr_npi: 1, data_coding: 0, registered_delivery: 0 });
    expect(s.received('submit_sm')).toHaveLength(1);
    const messageId = /message_id (\w+)$/.exec(r.lines.find((l) => l.startsWith('Test submit_sm:')) ?? '')?.[1];
    expect(r.lines).toContain(`Test submit_sm: to +447700900123: ESME_ROK (0x00000000): No Error, message_id ${messageId}`);
    expect(s.binds[0]?.pdus.find((p) => p.dir === 'out' && p.pdu.command === 'submit_sm_resp')?.pdu).toMatchObject({ message_id: messageId });
    expect(r.lines.at(-1)).toBe('VERDICT: OK — bound and answering enquire_link; test submit_sm taken');
  });

  it('names the command_status and exits 1 when the SMSC refuses the test submit_sm', async () => {
    const s = await smsc();
    s.faults.statusByDestination = { '447700900666': ESME_RINVDSTADR };
    const r = await probe([`${s.host}:${s.port}`, '--system-id', 'gw1', '--send', '+447700900666', '--timeout-ms', '2000']);
    expect(r.code).toBe(1);
    expect(r.lines).toContain('Test submit_sm: to +447700900666: ESME_RINVDSTADR (0x0000000B): Invalid Dest Addr');
    expect(r.lines.at(-1)).toBe('VERDICT: NOT READY — test submit_sm to +447700900666 refused: ESME_RINVDSTADR (0x0000000B): Invalid Dest Addr');
  });

  it('exits 1 when the SMSC never answers the test submit_sm (black hole)', async () => {
    const s = await smsc();
    s.faults.blackHole = true;
    const r = await probe([`${s.host}:${s.port}`, '--system-id', 'gw1', '--send', '+447700900123', '--timeout-ms', '300']);
    expect(r.code).toBe(1);
    expect(r.lines.at(-1)).toBe('VERDICT: NOT READY — test submit_sm to +447700900123 unanswered: no answer within 300 ms');
    expect(s.received('submit_sm')).toHaveLength(1);
  });

  it('says unreachable and exits 1 when nothing listens on the port', async () => {
    const port = await freePort();
    const r = await probe([`127.0.0.1:${port}`, '--system-id', 'gw1', '--timeout-ms', '2000']);
    expect(r.code).toBe(1);
    expect(r.lines).toContain(`Bind result: not connected: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(r.lines.at(-1)).toBe(`VERDICT: NOT READY — unreachable: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('says the bind went unanswered when the SMSC hangs up on the bind', async () => {
    const s = await smsc();
    s.faults.hangUpOnBind = true;
    const r = await probe([`${s.host}:${s.port}`, '--system-id', 'gw1', '--timeout-ms', '2000']);
    expect(r.code).toBe(1);
    expect(r.lines.at(-1)).toMatch(/^VERDICT: NOT READY — bind_transceiver unanswered: /);
  });

  it('prints one JSON object with --json: every step and the verdict', async () => {
    const s = await smsc();
    s.faults.password = 'secret';
    const r = await probe([`${s.host}:${s.port}`, '--system-id', 'gw1', '--password-file', passwordFile('secret'), '--send', '+447700900123', '--json', '--timeout-ms', '2000']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Record<string, unknown>;
    expect(report).toEqual({
      address: `${s.host}:${s.port}`,
      tls: false,
      mode: 'transceiver',
      systemId: 'gw1',
      systemType: '',
      sendTo: '+447700900123',
      connected: true,
      bind: { outcome: 'bound', smscSystemId: 'test-smsc' },
      enquireLink: { answered: true, roundTripMs: expect.any(Number) },
      submit: { to: '+447700900123', answered: true, commandStatus: 0, statusName: 'ESME_ROK', messageId: expect.stringMatching(/^[0-9a-f]+$/) },
      ready: true,
      verdict: 'OK — bound and answering enquire_link; test submit_sm taken',
    });
    expect(JSON.stringify(report)).not.toContain('secret');
  });

  it('puts the refusal in --json as command_status and name', async () => {
    const s = await smsc();
    s.faults.refuseBind = ESME_RINVPASWD;
    const r = await probe([`${s.host}:${s.port}`, '--system-id', 'gw1', '--json', '--timeout-ms', '2000']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      bind: { outcome: 'refused', commandStatus: ESME_RINVPASWD, statusName: 'ESME_RINVPASWD' },
      ready: false,
      reason: 'bind refused: ESME_RINVPASWD (0x0000000E): Invalid Password',
    });
  });

  it.skipIf(!hasOpenssl)('binds over TLS with --tls when the certificate is trusted, and says why when it is not', async () => {
    const cert = selfSignedCertificate('localhost');
    const s = await smsc({ tls: cert });
    const caFile = join(tempDir(), 'ca.pem');
    writeFileSync(caFile, cert.cert);
    const trusted = await probe([`localhost:${s.port}`, '--system-id', 'gw1', '--tls', '--timeout-ms', '2000'], { NODE_EXTRA_CA_CERTS: caFile });
    expect(trusted.code).toBe(0);
    expect(trusted.lines[0]).toBe(`SMSC:         localhost:${s.port} (TLS)`);
    const untrusted = await probe([`localhost:${s.port}`, '--system-id', 'gw1', '--tls', '--timeout-ms', '2000']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.lines.at(-1)).toBe('VERDICT: NOT READY — unreachable: self-signed certificate');
    expect(s.received('bind_transceiver')).toHaveLength(1);
  });

  it.each([
    [['smsc.example.net'], '"smsc.example.net" is not HOST:PORT'],
    [[':2775'], '":2775" is not HOST:PORT'],
    [['smsc.example.net:0'], 'port 0 of "smsc.example.net:0" is out of range (1 to 65535)'],
    [['smsc.example.net:70000'], 'port 70000 of "smsc.example.net:70000" is out of range (1 to 65535)'],
    [['127.0.0.1:2775', '--send', '07700-900123'], '--send must be a phone number (+ and 3 to 15 digits), not "07700-900123"'],
    [['127.0.0.1:2775', '--password-file', '/nonexistent/smpp-password'], '--password-file /nonexistent/smpp-password cannot be read: ENOENT'],
    [['127.0.0.1:2775', '--mode', 'receiver'], '--mode must be transceiver or transmitter, not "receiver"'],
    [['127.0.0.1:2775', '--timeout-ms', 'soon'], '--timeout-ms must be a whole number of at least 100, not "soon"'],
  ])('exits 2 for bad usage %j, naming the bad value', async (args, message) => {
    const r = await probe([...args, '--system-id', 'gw1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
  });

  it('exits 2 without --system-id', async () => {
    const r = await probe(['127.0.0.1:2775']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('give --system-id ID');
  });
});

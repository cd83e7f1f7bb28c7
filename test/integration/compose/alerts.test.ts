/*
 * alerts.test.ts - issue 11 "How it is shown": real alert mails of the monitoring tools on-call
 * staff receive (test/fixtures/mail/alerts, see SOURCES.md there: made by the tools from Debian's
 * packages, or from their published default templates where a tool cannot run here), through the
 * same draft as SMTP intake (parse -> condense -> compose -> encode), on the default account.
 * Per mail: the strings an on-call engineer must read in SMS part 1 (what, where, state,
 * severity), the segment count the issue sets as target, and that nothing is refused for length.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT } from '../../../src/accounts/index.js';
import { parseMail } from '../../../src/parse/index.js';
import { planSms, type SmsDraft } from '../../../src/pipeline.js';

const DIR = join(import.meta.dirname, '../../fixtures/mail/alerts');

async function draftOf(file: string, account = DEFAULT_ACCOUNT): Promise<SmsDraft> {
  const parsed = await parseMail(readFileSync(join(DIR, file)));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.reason}`);
  const r = planSms(parsed.mail, account);
  if (!r.ok) throw new Error(`${file}: refused ${r.error.responseCode} ${r.error.message}`);
  return r.draft;
}

/** file, most segments (the target), strings part 1 must show. */
const SINGLE: ReadonlyArray<readonly [string, number, readonly string[]]> = [
  ['alertmanager-firing-html.eml', 1, ['FIRING', 'DiskFull', 'db1.example.lan', 'critical', '97% full']],
  ['alertmanager-firing-text.eml', 1, ['FIRING', 'DiskFull', 'db1.example.lan', 'critical', '97% full']],
  ['alertmanager-resolved.eml', 1, ['RESOLVED', 'DiskFull', 'db1.example.lan']],
  ['alertmanager-resolved-text.eml', 1, ['RESOLVED', 'DiskFull', 'db1.example.lan']],
  ['icinga2-service-critical.eml', 1, ['PROBLEM', 'disk /var', 'db1', 'CRITICAL', '310 MB', '3%']],
  ['icinga2-host-down.eml', 1, ['PROBLEM', 'db1', 'DOWN', 'lost 100%']],
  ['nagios-service-critical.eml', 1, ['PROBLEM', 'db1.example.lan', 'Disk /var', 'CRITICAL', '310 MB', '3%']],
  ['nagios-host-down.eml', 1, ['PROBLEM', 'web3', 'DOWN', 'Host Unreachable']],
  ['monit-nonexist.eml', 1, ['Does not exist', 'nginx', 'db1.example.lan', 'process is not running']],
  ['monit-space.eml', 1, ['Resource limit matched', 'var', 'space usage 8.7%', 'db1.example.lan']],
  ['monit-port-failed.eml', 1, ['Connection failed', 'pg-db1', '5432', 'Connection refused']],
  ['monit-exists.eml', 1, ['Exists', 'nginx', 'pid 8453']],
  ['monit-instance-started.eml', 1, ['Monit instance changed', 'db1.example.lan', 'started']],
  // The tool's own subject (95 characters) plus the two output lines exceed one SMS.
  ['cron-backup-failed.eml', 2, ['Cron <root@db1>', 'backup-to-nas', 'rsync']],
  ['smartd-pending.eml', 1, ['CurrentPendingSector', 'db1', '/dev/sda', '8 Currently unreadable (pending) sectors']],
  ['mdadm-fail.eml', 1, ['Fail', '/dev/md0', 'db1', '/dev/sdb1']],
  ['apcupsd-onbattery.eml', 1, ['Power Failure', 'db1', 'ONBATT', 'TIMELEFT']],
  ['apcupsd-offbattery.eml', 1, ['Power has returned', 'db1', 'ONLINE']],
  ['apcupsd-commfailure.eml', 1, ['Communications with UPS ups1 lost', 'db1']],
  ['zabbix-problem.eml', 1, ['Problem', '/var', 'Disk space is critically low', 'db1.example.lan', 'High', '96.97 %']],
  ['zabbix-resolved.eml', 1, ['Resolved', '/var', 'db1.example.lan']],
  ['grafana-firing.eml', 1, ['FIRING', 'HighCPU', 'web3.example.lan', 'critical', '97%']],
  ['nut-onbatt.eml', 1, ['on battery']],
];

describe('alert mails of real monitoring tools, as the phone shows them (issue 11)', () => {
  it.each(SINGLE)('%s fits in %i SMS with what, where, state and severity in part 1', async (file, most, mustRead) => {
    const d = await draftOf(file);
    expect(d.parts.length).toBeLessThanOrEqual(most);
    expect(d.truncated).toBeUndefined();
    for (const s of mustRead) expect(d.parts[0]).toContain(s);
    expect(d.text).not.toMatch(/https?:\/\//);
  });

  it.each(['alertmanager-group3.eml', 'alertmanager-group3-text.eml'])('%s: a group of 3 alerts in at most 3 SMS, naming every instance, the alert and its state in part 1', async (file) => {
    const d = await draftOf(file);
    expect(d.parts.length).toBeLessThanOrEqual(3);
    expect(d.truncated).toBeUndefined();
    for (const host of ['db1.example.lan', 'db2.example.lan', 'web3.example.lan']) expect(d.text).toContain(host);
    for (const s of ['FIRING:3', 'DiskFull', 'critical']) expect(d.parts[0]).toContain(s);
    for (const full of ['97% full', '96% full', '98% full']) expect(d.text).toContain(full);
  });

  it('the Alertmanager HTML mail loses its link targets and "Sent by Alertmanager", and says which recogniser and rules did it', async () => {
    const d = await draftOf('alertmanager-firing-html.eml');
    expect(d.text).not.toContain('Sent by');
    expect(d.condensed?.recogniser).not.toBeNull();
    expect(d.condensed?.dropped.some((x) => x.text.includes('http'))).toBe(true);
  });

  it('with condense off the same mail goes as parsed: more segments, the summary later', async () => {
    const on = await draftOf('alertmanager-firing-html.eml');
    const off = await draftOf('alertmanager-firing-html.eml', { ...DEFAULT_ACCOUNT, condense: 'off' });
    expect(off.condensed).toBeUndefined();
    expect(off.parts.length).toBeGreaterThan(on.parts.length);
  });

  it('nothing is refused for length under the default settings, every mail of the folder', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(DIR).filter((f) => f.endsWith('.eml'));
    expect(files.length).toBeGreaterThanOrEqual(SINGLE.length + 2);
    for (const file of files) await expect(draftOf(file)).resolves.toBeDefined();
  });
});

/*
 * Condensing the real alert mails in test/fixtures/mail/alerts/ (see SOURCES.md there): per
 * mail, the recogniser that claims it, the strings an on-call engineer must read in the first
 * SMS (what, where, state, severity), the noise that must be gone, and how many SMS
 * `(subject) body` takes (issue 11 targets: 1 for a single alert, 2 where the tool's own subject
 * and summary exceed one, at most 3 for an Alertmanager group of 3).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { condenseMail, type CondenseResult } from '../../../src/condense/index.js';
import { claimsMail } from '../../../src/condense/recognise.js';
import { RECOGNISERS } from '../../../src/condense/recognisers.js';
import { gsm7CharCost, gsm7SeptetCount } from '../../../src/encode/index.js';
import { parseMail, type ParsedMail } from '../../../src/parse/index.js';

const DIR = join(import.meta.dirname, '../../fixtures/mail/alerts');

interface Expected {
  readonly recogniser: string | null;
  /** Must all be in the first SMS. */
  readonly read: readonly string[];
  /** Must be nowhere in the condensed text. */
  readonly gone: readonly string[];
  readonly sms: number;
}

const AM_NOISE = ['http', 'Sent by Alertmanager', 'View in Alertmanager', 'alertname', 'Labels', 'Annotations', 'Source'];
const AM_ONE = ['DiskFull', 'db1.example.lan:9100', '/var', '97% full', 'critical'];
const AM_GROUP = ['FIRING:3', 'DiskFull', 'critical', 'db1.example.lan:9100 is 97% full', 'db2.example.lan:9100 is 96% full', 'web3.example.lan:9100 is 98% full'];
const ICINGA_NOISE = ['*****', 'Monitoring on', 'http', 'When:'];
const ICINGA_HOST = ['PROBLEM', 'db1', 'DOWN', 'CRITICAL', 'lost 100%', 'db1.example.lan', '192.0.2.11'];
const ICINGA_SERVICE = ['PROBLEM', 'disk /var', 'db1', 'CRITICAL', '/var 310 MB (3%', 'db1.example.lan', '192.0.2.11'];
const MONIT_NOISE = ['Your faithful employee', 'monit alert --', 'Date:', 'Service nginx'];
const APC_NOISE = ['SERIALNO', 'FIRMWARE', 'VERSION', 'END APC', 'STARTTIME'];

const EXPECTED: Readonly<Record<string, Expected>> = {
  'alertmanager-firing-html.eml': { recogniser: 'alertmanager', read: ['FIRING:1', ...AM_ONE], gone: AM_NOISE, sms: 1 },
  'alertmanager-firing-text.eml': { recogniser: 'alertmanager', read: ['FIRING:1', ...AM_ONE], gone: AM_NOISE, sms: 1 },
  'alertmanager-resolved.eml': { recogniser: 'alertmanager', read: ['RESOLVED', ...AM_ONE], gone: AM_NOISE, sms: 1 },
  'alertmanager-resolved-text.eml': { recogniser: 'alertmanager', read: ['RESOLVED', ...AM_ONE], gone: AM_NOISE, sms: 1 },
  'alertmanager-group3.eml': { recogniser: 'alertmanager', read: AM_GROUP.slice(0, 4), gone: [...AM_NOISE, 'description'], sms: 2 },
  'alertmanager-group3-text.eml': { recogniser: 'alertmanager', read: AM_GROUP.slice(0, 4), gone: [...AM_NOISE, 'description'], sms: 2 },
  'grafana-firing.eml': { recogniser: 'grafana', read: ['FIRING:1', 'HighCPU', 'web3.example.lan:9100', 'critical', 'is 97%'], gone: ['http', 'Sent by Grafana', '---', 'You have 1 firing'], sms: 1 },
  'icinga2-host-down.eml': { recogniser: 'icinga2', read: ICINGA_HOST, gone: ICINGA_NOISE, sms: 1 },
  'icinga2-host-down-mailutils.eml': { recogniser: 'icinga2', read: ICINGA_HOST, gone: ICINGA_NOISE, sms: 1 },
  'icinga2-service-critical.eml': { recogniser: 'icinga2', read: ICINGA_SERVICE, gone: ICINGA_NOISE, sms: 1 },
  'icinga2-service-critical-mailutils.eml': { recogniser: 'icinga2', read: ICINGA_SERVICE, gone: ICINGA_NOISE, sms: 1 },
  'nagios-host-down.eml': { recogniser: 'nagios', read: ['PROBLEM', 'web3', 'DOWN', 'Host Unreachable', '192.0.2.13'], gone: ['*****', 'Nagios', 'Date/Time'], sms: 1 },
  'nagios-service-critical.eml': { recogniser: 'nagios', read: ['PROBLEM', 'db1.example.lan', 'Disk /var', 'CRITICAL', '/var 310 MB (3%', '192.0.2.11'], gone: ['*****', 'Nagios', 'Date/Time', 'Additional Info'], sms: 1 },
  'monit-exists.eml': { recogniser: 'monit', read: ['Exists nginx', 'running with pid 8453', 'db1.example.lan'], gone: MONIT_NOISE, sms: 1 },
  'monit-instance-started.eml': { recogniser: 'monit', read: ['Monit instance changed db1.example.lan', 'Monit 5.33.0 started'], gone: MONIT_NOISE, sms: 1 },
  'monit-nonexist.eml': { recogniser: 'monit', read: ['Does not exist nginx', 'process is not running', 'db1.example.lan', 'restart'], gone: MONIT_NOISE, sms: 1 },
  'monit-port-failed.eml': { recogniser: 'monit', read: ['Connection failed pg-db1', '[PGSQL] at [127.0.0.1]:5432', 'Connection refused', 'db1.example.lan'], gone: MONIT_NOISE, sms: 1 },
  'monit-space.eml': { recogniser: 'monit', read: ['Resource limit matched var', 'space usage 8.7%', 'db1.example.lan'], gone: MONIT_NOISE, sms: 1 },
  'smartd-pending.eml': { recogniser: 'smartd', read: ['SMART error (CurrentPendingSector)', 'db1', '/dev/sda', '8 Currently unreadable (pending) sectors'], gone: ['This message was generated', 'smartctl utility', 'SYSLOG', 'Device info'], sms: 1 },
  'mdadm-fail.eml': { recogniser: 'mdadm', read: ['Fail event on /dev/md0:db1', '/dev/sdb1', 'sdb1[1](F)', '[2/1] [U_]'], gone: ['automatically generated', 'Faithfully yours', 'Personalities', 'P.S.'], sms: 1 },
  'apcupsd-onbattery.eml': { recogniser: 'apcupsd', read: ['db1 UPS ups1 Power Failure', 'ONBATT', 'BCHARGE : 96.0 Percent', 'TIMELEFT : 38.0 Minutes'], gone: APC_NOISE, sms: 1 },
  'apcupsd-offbattery.eml': { recogniser: 'apcupsd', read: ['db1 UPS ups1 Power has returned', 'ONLINE', '100.0 Percent'], gone: APC_NOISE, sms: 1 },
  'apcupsd-commfailure.eml': { recogniser: 'apcupsd', read: ['db1 Communications with UPS ups1 lost'], gone: [], sms: 1 },
  'apcupsd-onbattery-nodaemon.eml': { recogniser: 'apcupsd', read: ['db1 UPS db1 Power Failure'], gone: [], sms: 1 },
  'nut-onbatt.eml': { recogniser: 'nut', read: ['UPS', 'on battery'], gone: [], sms: 1 },
  'cron-backup-failed.eml': { recogniser: 'cron', read: ['Cron <root@db1>', 'backup-to-nas', 'nas1.example.lan', '(failed)', 'rsync error', 'code 12'], gone: ['/usr/local/sbin/'], sms: 2 },
  'zabbix-problem.eml': { recogniser: 'zabbix', read: ['Problem', 'Disk space is critically low', 'db1.example.lan', 'Severity: High', '96.97 %'], gone: ['Problem name', 'Problem started at'], sms: 1 },
  'zabbix-resolved.eml': { recogniser: 'zabbix', read: ['Resolved in 30s', 'Disk space is critically low', 'db1.example.lan', 'Severity: High'], gone: ['Problem name', 'resolved at'], sms: 1 },
};

/** `(subject) body`, as compose writes it in its default mode (SPEC 5). */
function smsText(mail: ParsedMail): string {
  return mail.subject !== undefined && mail.text !== undefined ? `(${mail.subject}) ${mail.text}` : (mail.subject ?? mail.text ?? '');
}

/** SMS count of a GSM 7-bit text: 160 septets alone, 153 per part when concatenated (SPEC 6). */
function smsCount(text: string): number {
  const septets = gsm7SeptetCount(text) ?? Number.NaN;
  return septets <= 160 ? 1 : Math.ceil(septets / 153);
}

/** The text the first SMS shows. */
function firstSms(text: string): string {
  const room = smsCount(text) === 1 ? 160 : 153;
  let used = 0;
  let out = '';
  for (const char of text) {
    used += gsm7CharCost(char);
    if (used > room) break;
    out += char;
  }
  return out;
}

async function load(file: string): Promise<ParsedMail> {
  const parsed = await parseMail(readFileSync(join(DIR, file)));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.reason}`);
  return parsed.mail;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.eml')).sort();

describe('condensing the real alert mails (issue 11)', () => {
  it('has expectations for every fixture mail', () => {
    expect(files.filter((f) => EXPECTED[f] === undefined)).toEqual([]);
  });

  describe.each(files.filter((f) => EXPECTED[f] !== undefined))('%s', (file) => {
    const expected = EXPECTED[file]!;
    let mail: ParsedMail;
    let result: CondenseResult;
    const setup = async (): Promise<void> => {
      mail = await load(file);
      result = condenseMail(mail);
    };

    it(`is claimed by ${expected.recogniser ?? 'no recogniser'}, and by no other`, async () => {
      await setup();
      expect(result.recogniser).toBe(expected.recogniser);
      expect(RECOGNISERS.filter((r) => claimsMail(r, mail)).map((r) => r.name)).toEqual(expected.recogniser ? [expected.recogniser] : []);
    });

    it('shows what an on-call engineer must read in the first SMS', async () => {
      await setup();
      const first = firstSms(smsText(result.mail));
      for (const wanted of expected.read) expect(first, wanted).toContain(wanted);
    });

    it('leaves out the noise', async () => {
      await setup();
      for (const noise of expected.gone) expect(smsText(result.mail), noise).not.toContain(noise);
    });

    it(`takes ${expected.sms} SMS as (subject) body`, async () => {
      await setup();
      expect(smsCount(smsText(result.mail))).toBe(expected.sms);
    });

    it('changes nothing when condensed again', async () => {
      await setup();
      const again = condenseMail(result.mail);
      expect(again.mail).toEqual(result.mail);
    });
  });
});

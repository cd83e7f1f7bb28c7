/*
 * Recognisers (src/condense/recognisers.ts, recognise.ts, alert-list.ts) on the cases the
 * fixture mails do not show: mixed alert groups, alerts without a summary, claims that must not
 * hold, and the interpreter's own promises on a declaration made up for the test (the code
 * tests what a recogniser declares, never a tool's name).
 */
import { describe, expect, it } from 'vitest';
import { condenseMail } from '../../../src/condense/index.js';
import { DropLog, toLines, fromLines } from '../../../src/condense/lines.js';
import { applyRecogniser, claimsMail, type Recogniser } from '../../../src/condense/recognise.js';
import { RECOGNISERS } from '../../../src/condense/recognisers.js';
import { mailOf } from './mail.js';

/** An alert as Alertmanager's default HTML reads once made text (parse/html-text.ts). */
function htmlAlert(labels: Record<string, string>, annotations: Record<string, string>): string {
  const pairs = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k} = ${v}`);
  return ['Labels', ...pairs(labels), 'Annotations', ...pairs(annotations), 'Source (http://prom1.example.lan:9090/graph?g0.expr=up)', ''].join('\n');
}

describe('Alertmanager alert lists', () => {
  it('a group mixing firing and resolved alerts names each state', () => {
    const text = [
      '3 alerts for alertname=InstanceDown',
      '[2] Firing',
      htmlAlert({ alertname: 'InstanceDown', instance: 'db1.example.lan:9100' }, { summary: 'db1.example.lan:9100 down' }),
      htmlAlert({ alertname: 'InstanceDown', instance: 'db2.example.lan:9100' }, { summary: 'db2.example.lan:9100 down' }),
      '[1] Resolved',
      htmlAlert({ alertname: 'InstanceDown', instance: 'web3.example.lan:9100' }, { summary: 'web3.example.lan:9100 down' }),
      'Sent by Alertmanager (http://prom1.example.lan:9093)',
    ].join('\n');
    const result = condenseMail(mailOf({ subject: '[FIRING:2] InstanceDown', text }));
    expect(result.mail.text).toBe('Firing: db1.example.lan:9100 down\nFiring: db2.example.lan:9100 down\nResolved: web3.example.lan:9100 down');
  });

  it('a group whose summaries do not name the instance puts the instance first', () => {
    const text = [
      '2 alerts for alertname=HighLoad',
      '[2] Firing',
      htmlAlert({ alertname: 'HighLoad', instance: 'db1.example.lan:9100', severity: 'warning' }, { summary: 'Load above 8', description: 'long text' }),
      htmlAlert({ alertname: 'HighLoad', instance: 'db2.example.lan:9100', severity: 'warning' }, { summary: 'Load above 12' }),
    ].join('\n');
    const result = condenseMail(mailOf({ subject: '[FIRING:2] HighLoad (warning)', text }));
    expect(result.mail.text).toBe('db1.example.lan:9100: Load above 8\ndb2.example.lan:9100: Load above 12');
    expect(result.dropped).toContainEqual({ rule: 'alertmanager:annotation', text: 'description = long text' });
  });

  it('an alert without a summary is headed by its description', () => {
    const text = ['1 alert for alertname=Watchdog', '[1] Firing', htmlAlert({ alertname: 'Watchdog' }, { description: 'The alerting pipeline is alive 24/7' })].join('\n');
    expect(condenseMail(mailOf({ subject: '[FIRING:1] Watchdog', text })).mail.text).toBe('The alerting pipeline is alive 24/7');
  });

  it('a single alert keeps a description that still fits one SMS, and labels the subject lacks', () => {
    const text = ['1 alert for alertname=Up', '[1] Firing', htmlAlert({ alertname: 'Up', job: 'node', zone: 'b' }, { summary: 'Target down', description: 'Gone 5 minutes' })].join('\n');
    expect(condenseMail(mailOf({ subject: '[FIRING:1] Up (node)', text })).mail.text).toBe('Target down\nzone=b\nGone 5 minutes');
  });

  it('a text that needs UCS-2 has 70 characters per SMS, so a description that would not fit goes', () => {
    const text = ['1 alert for alertname=Up', '[1] Firing', htmlAlert({ alertname: 'Up' }, { summary: 'サーバー停止', description: 'db1.example.lan に 5 分間接続できません。確認してください。ネットワークを調べてください。' })].join('\n');
    const result = condenseMail(mailOf({ subject: '[FIRING:1] Up', text }));
    expect(result.mail.text).toBe('サーバー停止');
  });

  it('the text template (" - name = value") reads the same', () => {
    const text = ['Labels:', ' - alertname = Up', ' - instance = db1.example.lan:9100', 'Annotations:', ' - summary = Target down', 'Source: http://prom1.example.lan:9090/graph'].join('\n');
    const result = condenseMail(mailOf({ subject: '[FIRING:1] Up (db1.example.lan:9100)', text: text.replace(/^ /gm, '') }));
    expect(result.recogniser).toBe('alertmanager');
    expect(result.mail.text).toBe('Target down');
  });
});

describe('claims', () => {
  it('a recogniser claims only when all its claims hold: Monit X-Mailer without its mail format', () => {
    const mail = mailOf({ subject: 'monit alert -- custom', text: 'Custom format by the admin', headers: { 'x-mailer': 'Monit 5.33.0' } });
    expect(RECOGNISERS.filter((r) => claimsMail(r, mail))).toEqual([]);
  });

  it('an ordinary mail is claimed by none', () => {
    const mail = mailOf({ subject: 'Lunch at 12?', text: 'Shall we meet at the canteen?\n\nBest regards,\nAnna' });
    const result = condenseMail(mail);
    expect(result.recogniser).toBeNull();
    expect(result.mail.text).toBe('Shall we meet at the canteen?');
  });

  it('NUT upsmon default messages are claimed', () => {
    const result = condenseMail(mailOf({ subject: 'UPS event', text: 'UPS ups1@localhost on battery' }));
    expect(result.recogniser).toBe('nut');
    expect(result.mail.text).toBe('UPS ups1@localhost on battery');
  });

  it('an Icinga 2 comment stays, after what matters', () => {
    const text = '***** Host Monitoring on mon1.example.lan *****\n\ndb1 is DOWN!\n\nInfo: PING CRITICAL\n\nWhen: 2026-12-02 06:38:14 +0000\nHost: db1.example.lan\n\nComment by [admin]:\nrebooting for kernel 6.1.0-27';
    const result = condenseMail(mailOf({ subject: '[PROBLEM] Host db1 is DOWN!', text }));
    expect(result.mail.text).toBe('PING CRITICAL\nHost: db1.example.lan\nComment by [admin]:\nrebooting for kernel 6.1.0-27');
  });
});

describe('the recogniser interpreter does what a declaration says', () => {
  const PUMP: Recogniser = {
    name: 'pumpctl',
    claims: { header: { name: 'x-pumpctl', value: /^v2/ }, body: /^=== PUMPCTL ===$/m },
    subject: [{ pattern: /^PUMPCTL: /, replace: '' }],
    drop: [
      { what: 'banner', line: /^=== PUMPCTL ===$/ },
      { what: 'in-subject', line: /^Pump:\s*(.+)$/, saidBySubject: {} },
      { what: 'legal', line: /^Legal:$/, withBlock: true },
    ],
    keep: [{ under: /^Reason:$/ }, { line: /^Level:\s+/, as: { replace: '', what: 'label' } }, { line: /^Site:\s*(\S+)\.example\.lan$/, as: { replace: 'Site: $1', what: 'domain' } }],
  };
  const body = '=== PUMPCTL ===\nPump: 3\nSite: tank2.example.lan\nLevel: 4%\n\nReason:\nfloat switch stuck\n\nLegal:\nCopyright 2026 Pumps Ltd\nAll rights reserved\n\nCall +44 20 7946 0000';
  const mail = mailOf({ subject: 'PUMPCTL: Pump 3 stopped', text: body, headers: { 'x-pumpctl': 'v2.1' } });

  it('claims by every declared claim', () => {
    expect(claimsMail(PUMP, mail)).toBe(true);
    expect(claimsMail(PUMP, { ...mail, headers: new Map() })).toBe(false);
  });

  it('drops, keeps in order, rewrites, and keeps what it does not name last', () => {
    const log = new DropLog();
    const out = applyRecogniser(PUMP, mail, toLines(body), log);
    expect(out.subject).toBe('Pump 3 stopped');
    // The Site rewrite would lose a host name, so it is not made.
    expect(fromLines(out.lines)).toBe('float switch stuck\n4%\nSite: tank2.example.lan\nCall +44 20 7946 0000');
    expect(log.inMailOrder().map((d) => `${d.rule} ${d.text}`)).toEqual([
      'pumpctl:subject PUMPCTL:',
      'pumpctl:banner === PUMPCTL ===',
      'pumpctl:in-subject Pump: 3',
      'pumpctl:label Level:',
      'pumpctl:heading Reason:',
      'pumpctl:legal Legal:',
      'pumpctl:legal Copyright 2026 Pumps Ltd',
      'pumpctl:legal All rights reserved',
    ]);
  });

  it('does not make a subject edit that would lose a host name', () => {
    const edit: Recogniser = { ...PUMP, subject: [{ pattern: / on \S+$/, replace: '' }] };
    const out = applyRecogniser(edit, { ...mail, subject: 'PUMPCTL: Pump 3 stopped on tank2.example.lan' }, [], new DropLog());
    expect(out.subject).toBe('PUMPCTL: Pump 3 stopped on tank2.example.lan');
  });
});

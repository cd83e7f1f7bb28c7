/*
 * The generic condensing rules (SPEC 5; src/condense/rules.ts), on mails no recogniser claims:
 * what each drops, under which name, and what each must leave alone.
 */
import { describe, expect, it } from 'vitest';
import { condenseMail, RULE } from '../../../src/condense/index.js';
import { mailOf } from './mail.js';

const DATE = 'Wed, 02 Dec 2026 06:39:49 +0000';

function condensed(text: string, subject = 'Pump 3 alarm', date = DATE) {
  return condenseMail(mailOf({ subject, text, headers: { date } }));
}

describe('rule names are stable (preview, the verdict@ reply and docs show them)', () => {
  it('names each generic rule', () => {
    expect(Object.values(RULE)).toEqual(['link-target', 'url', 'banner', 'footer', 'sign-off', 'date-restated', 'subject-repeat', 'repeated-line', 'empty-heading']);
  });
});

describe('generic rules drop what carries nothing', () => {
  it.each([
    ['a link target goes and its link text stays', 'Pump 3 stopped, see dashboard (https://grafana.example/d/1?x=2)', 'Pump 3 stopped, see dashboard', RULE.linkTarget, '(https://grafana.example/d/1?x=2)'],
    ['a bare URL goes from a line that says more', 'Pump 3 stopped https://scada.example/p/3 at tank 2', 'Pump 3 stopped at tank 2', RULE.url, 'https://scada.example/p/3'],
    ['a bare URL goes from a line of words, the words stay', 'Tank 2\nPump stopped https://scada.example/p', 'Tank 2\nPump stopped', RULE.url, 'https://scada.example/p'],
    ['a line that is a label and a URL goes whole', 'Pump 3 stopped\nRunbook: https://wiki.example/runbooks/pump', 'Pump 3 stopped', RULE.url, 'Runbook: https://wiki.example/runbooks/pump'],
    ['sentence punctuation after a URL stays', 'Pump 3 stopped (see https://scada.example/p/3).', 'Pump 3 stopped (see ).', RULE.url, 'https://scada.example/p/3'],
    ['a banner of stars goes', '*****\nPump 3 stopped', 'Pump 3 stopped', RULE.banner, '*****'],
    ['a banner of dashes goes', 'Pump 3 stopped\n-----------', 'Pump 3 stopped', RULE.banner, '-----------'],
    ['a banner of equals signs goes', '==========\nPump 3 stopped', 'Pump 3 stopped', RULE.banner, '=========='],
    ['"Sent by …" goes', 'Pump 3 stopped\nSent by Alertmanager', 'Pump 3 stopped', RULE.footer, 'Sent by Alertmanager'],
    ['"Sent by" with a version goes', 'Pump 3 stopped\nSent by Grafana v10.4.1 (c) 2026 Grafana Labs', 'Pump 3 stopped', RULE.footer, 'Sent by Grafana v10.4.1 (c) 2026 Grafana Labs'],
    ['an unsubscribe line goes', 'Pump 3 stopped\nTo unsubscribe from these alerts, reply STOP', 'Pump 3 stopped', RULE.footer, 'To unsubscribe from these alerts, reply STOP'],
    ['an automatic-mail notice that names nothing goes', 'This is an automatically generated mail message\nPump 3 stopped', 'Pump 3 stopped', RULE.footer, 'This is an automatically generated mail message'],
    ['"Your faithful employee," and the name under it go', 'Pump 3 stopped\n\nYour faithful employee,\nMonit', 'Pump 3 stopped', RULE.signOff, 'Your faithful employee,'],
    ['"Faithfully yours, etc." goes', 'Pump 3 stopped\n\nFaithfully yours, etc.', 'Pump 3 stopped', RULE.signOff, 'Faithfully yours, etc.'],
    ['a Date: line restating the Date header goes', 'Pump 3 stopped\nDate: Wed, 02 Dec 2026 06:39:49', 'Pump 3 stopped', RULE.dateRestated, 'Date: Wed, 02 Dec 2026 06:39:49'],
    ['a When: line in ISO form and another zone restating it goes', 'Pump 3 stopped\nWhen: 2026-12-02 07:40:02 +0100', 'Pump 3 stopped', RULE.dateRestated, 'When: 2026-12-02 07:40:02 +0100'],
    ['a first line repeating the subject goes', 'Pump 3 alarm!\nTank 2 level 4%', 'Tank 2 level 4%', RULE.subjectRepeat, 'Pump 3 alarm!'],
    ['a line repeating an earlier one goes', 'Tank 2 level 4%\nPump 3 stopped\nTank 2 level 4%', 'Tank 2 level 4%\nPump 3 stopped', RULE.repeatedLine, 'Tank 2 level 4%'],
    ['a heading with nothing under it goes', 'Pump 3 stopped\n\nComments:\n\nDetails:\nTank 2 level 4%', 'Pump 3 stopped\n\nDetails:\nTank 2 level 4%', RULE.emptyHeading, 'Comments:'],
  ])('%s', (_name, text, expected, rule, dropped) => {
    const result = condensed(text);
    expect(result.mail.text).toBe(expected);
    expect(result.dropped).toContainEqual({ rule, text: dropped });
    expect(result.recogniser).toBeNull();
  });

  it('runs of blank lines left by drops shrink to one', () => {
    expect(condensed('Pump 3 stopped\n\n*****\n\nTank 2 level 4%').mail.text).toBe('Pump 3 stopped\n\nTank 2 level 4%');
  });

  it('reports what it dropped in mail order', () => {
    const result = condensed('*****\nPump 3 stopped (https://scada.example/p/3)\nSent by SCADA');
    expect(result.dropped.map((d) => d.rule)).toEqual([RULE.banner, RULE.linkTarget, RULE.footer]);
  });
});

describe('generic rules leave alone what only looks like noise', () => {
  it.each([
    ['a line of digits and dashes is not a banner', '--- 3 ---\nPump 3 stopped'],
    ['a rule line with a word is not a banner', '===== Pump 3 ====='],
    ['a host:port is not a URL', 'Target db1.example.lan:9100 is down'],
    ['a www name without a scheme is not a URL', 'Check www.example.org now'],
    ['an automatic-mail notice that names a host is kept', 'This is an automatically generated mail message from db1.example.lan'],
    ['a Date: line that is far from the Date header is kept', 'Pump 3 stopped\nDate: Wed, 02 Dec 2026 05:10:00 +0000'],
    ['a Date: line with more than a date is kept', 'Pump 3 stopped\nDate: Wed, 02 Dec 2026 06:39:49, pump restarted'],
    ['a heading with text under it is kept', 'Details:\nTank 2 level 4%'],
    ['a "Sent by" sentence is kept', 'Pump 3 stopped\nSent by the operator of tank 2 after the inspection of the valves and pipes'],
    ['a sign-off word inside a sentence is kept', 'Pump 3 stopped, thanks to the new relay'],
    ['a line about an alert that says "unsubscribe" is kept', 'Queue unsubscribe-events on mq1.example.lan has 5000 messages'],
    ['a "Sent by" line naming a host is kept', 'Pump 3 stopped\nSent by scada1.example.lan'],
    ['a second line repeating the subject is kept when the first did not', 'Tank 2 level 4%\nPump 3 alarm'],
  ])('%s', (_name, text) => {
    const result = condensed(text);
    expect(result.mail.text).toBe(text);
    expect(result.dropped).toEqual([]);
  });

  it('a Date: line is kept when the mail has no Date header', () => {
    const result = condenseMail(mailOf({ subject: 'Pump 3 alarm', text: 'Pump 3 stopped\nDate: Wed, 02 Dec 2026 06:39:49 +0000' }));
    expect(result.mail.text).toBe('Pump 3 stopped\nDate: Wed, 02 Dec 2026 06:39:49 +0000');
  });
});

describe('condensing never empties a mail', () => {
  it('a body with nothing left goes on uncondensed, and no drop is reported', () => {
    const result = condensed('Pump 3 alarm\n*****');
    expect(result.mail.text).toBe('Pump 3 alarm\n*****');
    expect(result.dropped).toEqual([]);
  });

  it('a mail without a body keeps its subject', () => {
    const result = condenseMail(mailOf({ subject: 'Pump 3 alarm' }));
    expect(result.mail.subject).toBe('Pump 3 alarm');
    expect(result.mail.text).toBeUndefined();
  });

  it('leaves every other field of the mail as parsed', () => {
    const input = mailOf({ subject: 'Pump 3 alarm', text: 'Pump 3 stopped\n*****', headers: { date: DATE, 'x-priority': '1' }, from: 'scada@site.example' });
    const { mail } = condenseMail(input);
    expect({ ...mail, text: input.text }).toEqual(input);
  });
});

/*
 * recognisers.ts - the alert formats on-call staff receive, as data (SPEC 5; STYLE 3: like the
 * modem profiles, each entry says which mails it claims and what it keeps, in that order, and is
 * tested on real mails of its tool, test/fixtures/mail/alerts/).
 *
 * Promise: the first entry whose claims all hold claims the mail (recognise.ts); no two entries
 * claim the same fixture mail (tested), so the order matters only for mails not yet seen. Each
 * claim is a signature of the tool's stock template (header, subject, body line), so a mail from
 * a customised template falls to the generic rules only. Senders are not claimed on: every one of
 * these tools lets the admin set From, and several (mail(1), cron, mdadm) leave it to the MTA.
 * What an entry drops is named `<name>:<what>`; a line it does not name is kept. Generic rules
 * (rules.ts) run after every entry.
 */
import type { Recogniser } from './recognise.js';

/** Takes the label off a line that goes first: what it is, is clear from its place. */
const LABEL = { replace: '', what: 'label' } as const;

/** `Label: value` lines of notification scripts whose value the subject already says. */
const inSubject = (labels: string): RegExp => new RegExp(String.raw`^(?:${labels}):\s*(.+)$`, 'i');

export const RECOGNISERS: readonly Recogniser[] = [
  {
    // Grafana unified alerting, default e-mail template (text part): "(1) FIRING", "Labels:",
    // "name = value", then annotations as "Summary: …", links as "Source: <url>". Its subject
    // has Alertmanager's shape; the body tells them apart. Limit: Grafana is not in Debian, so
    // its fixture is rendered from the published template, not captured.
    name: 'grafana',
    claims: { subject: /^\[(?:FIRING:\d+|RESOLVED)\] /, body: /^You have \d+ firing alert\(s\), and \d+ resolved alert\(s\) for /m },
    drop: [{ what: 'count', line: /^You have \d+ firing alert\(s\), and \d+ resolved alert\(s\) for / }],
    alerts: {
      labels: /^Labels:$/,
      labelPair: /^([A-Za-z_][A-Za-z0-9_]*) = (.*)$/,
      annotationPair: /^([A-Z][A-Za-z ]{0,30}): (.+)$/,
      end: /^(?:Source|Silence|Dashboard|Panel): /,
      section: /^\(\d+\) (FIRING|RESOLVED)$/,
      headline: ['summary', 'description', 'message'],
    },
  },
  {
    // Prometheus Alertmanager, email.default.subject with email.default.html (mailparser gives
    // the HTML as text: "[1] Firing", "Labels", "alertname = X") or a __text_alert_list text
    // body ("Labels:", " - alertname = X"). Its subject already lists the common labels.
    name: 'alertmanager',
    // The HTML opens with "N alert(s) for <group labels>", the text lists labels as " - name = value".
    claims: { subject: /^\[(?:FIRING:\d+|RESOLVED)\] /, body: /^(?:\d+ alerts? for \S|- alertname = \S)/m },
    drop: [
      { what: 'count', line: /^\d+ alerts? for \S+$/ }, // "1 alert for alertname=DiskFull": the subject says it
      { what: 'link', line: /^View in Alertmanager\b/ },
    ],
    alerts: {
      labels: /^Labels:?$/,
      annotations: /^Annotations:?$/,
      labelPair: /^(?:- )?([A-Za-z_][A-Za-z0-9_]*) = (.*)$/,
      annotationPair: /^(?:- )?([A-Za-z_][A-Za-z0-9_]*) = (.*)$/,
      end: /^Source\b/,
      section: /^\[\d+\] (Firing|Resolved)$/,
      headline: ['summary', 'description', 'message'],
    },
  },
  {
    // Icinga 2 mail-host-notification.sh / mail-service-notification.sh (icinga2-common).
    name: 'icinga2',
    claims: { subject: /^\[[A-Z]+\] /, body: /^\*{5} (?:Service|Host) Monitoring on \S+ \*{5}$/m },
    drop: [
      { what: 'banner', line: /^\*{5} (?:Service|Host) Monitoring on \S+ \*{5}$/ },
      // $icinga.long_date_time$: when the script ran, that is when the mail was sent; the phone
      // stamps the SMS with the time the SMS centre took it.
      { what: 'when', line: /^When:\s/ },
      { what: 'in-subject', line: inSubject('Host|Service'), saidBySubject: {} },
    ],
    // The check output goes first, so its "Info:" label adds nothing.
    keep: [{ line: /^Info:\s+/, as: LABEL }, { line: /^Host:\s/ }, { line: /^IPv[46]:\s/ }, { line: /^Service:\s/ }],
  },
  {
    // Nagios 4 (and Icinga 1) notify-host-by-email / notify-service-by-email commands.
    name: 'nagios',
    claims: { subject: /^\*\* [A-Z]+ (?:Host|Service) Alert: .+ \*\*$/, body: /^\*{5} (?:Nagios|Icinga) \*{5}$/m },
    subject: [{ pattern: /^\*\* (.+) \*\*$/, replace: '$1' }],
    drop: [
      { what: 'banner', line: /^\*{5} (?:Nagios|Icinga) \*{5}$/ },
      { what: 'when', line: /^Date\/Time:\s/ }, // $LONGDATETIME$, the sending time (as Icinga 2's When)
      { what: 'in-subject', line: inSubject('Notification Type|Host|State|Service'), saidBySubject: {} },
    ],
    keep: [{ under: /^Additional Info:$/ }, { line: /^Info:\s+/, as: LABEL }, { line: /^Host:\s/ }, { line: /^Address:\s/ }],
  },
  {
    // Monit 5 default mail-format: "monit alert -- $EVENT $SERVICE", "$EVENT Service $SERVICE",
    // Date/Action/Host/Description lines, "Your faithful employee,".
    name: 'monit',
    claims: { header: { name: 'x-mailer', value: /^Monit\b/ }, body: /^Your faithful employee,?$/m },
    subject: [{ pattern: /^monit alert --\s+/i, replace: '' }],
    drop: [
      { what: 'event', line: /^.+ Service .+$/, saidBySubject: { filler: ['service'] } },
      { what: 'in-subject', line: inSubject('Host'), saidBySubject: {} },
    ],
    keep: [{ line: /^Description:\s+/, as: LABEL }, { line: /^Host:\s/ }, { line: /^Action:\s/ }],
  },
  {
    // smartmontools smartd_warning.sh (Debian /usr/share/smartmontools).
    name: 'smartd',
    claims: { subject: /^SMART error \(\w+\) detected on host: \S+/, body: /^This message was generated by the smartd daemon\b/m },
    drop: [
      { what: 'notice', line: /^This message was generated by the smartd daemon\b/ },
      { what: 'notice', line: /^For details see host's SYSLOG\.?$/ },
      { what: 'notice', line: /^You can also use the smartctl utility\b/ },
      { what: 'notice', line: /^No additional messages about this problem will be sent\.?$/ },
      { what: 'notice', line: /^Another message will be sent in \d+ hours? if the problem persists\.?$/ },
      { what: 'in-subject', line: /^host name:\s*(\S+)$/, saidBySubject: {} },
      // Model, serial number, WWN, firmware: for the disk swap, not for the page; the device is in the warning.
      { what: 'device-info', line: /^Device info:$/, withBlock: true },
    ],
    keep: [{ under: /^The following warning\/error was logged by the smartd daemon:$/ }, { line: /^DNS domain:\s/ }],
  },
  {
    // mdadm --monitor (Monitor.c alert()): "<Event> event on <md>:<host>".
    name: 'mdadm',
    claims: { subject: /^\w+ event on \S+:\S+$/, body: /^This is an automatically generated mail message from mdadm$/m },
    drop: [
      { what: 'notice', line: /^This is an automatically generated mail message from mdadm$/ },
      { what: 'in-subject', line: /^running on (\S+)$/, saidBySubject: {} },
      { what: 'event', line: /^An? \w+ event had been detected on md device \S+$/, saidBySubject: { filler: ['a', 'an', 'had', 'been', 'detected', 'md', 'device'] } },
      { what: 'mdstat', line: /^P\.S\. The \/proc\/mdstat file currently contains the following:$/ },
      { what: 'mdstat', line: /^(?:Personalities :|unused devices:|bitmap:)/ },
    ],
    keep: [
      { line: /^It could be related to component device (\S+?)\.?$/, as: { replace: 'component device $1', what: 'wording' } },
      { line: /^md\d+ : / },
      { line: /^\d+ blocks\b/ },
    ],
  },
  {
    // Zabbix 6/7 default "Email" media type messages (problem, recovery, update; text or HTML).
    name: 'zabbix',
    claims: { body: /^Original problem ID: \d+$/m },
    drop: [
      { what: 'in-subject', line: inSubject('Problem name'), saidBySubject: {} },
      // {EVENT.TIME} on {EVENT.DATE} (server time, no zone): the moment the mail was sent.
      { what: 'date', line: /^Problem (?:started|has been resolved) at (\d{1,2}:\d{2}:\d{2}) on (\d{4}\.\d{2}\.\d{2})$/, restatesDate: '$2 $1' },
    ],
    keep: [
      { line: /^Host:\s/ },
      { line: /^Severity:\s/ },
      { line: /^Operational data:\s/ },
      { line: /^Problem (?:started|has been resolved) at / },
      { line: /^Problem duration:\s/ },
    ],
  },
  {
    // apcupsd apccontrol event scripts (onbattery, offbattery, commfailure, commok, changeme):
    // the subject "$HOSTNAME UPS $1 Power Failure !!!" again as the first body line, then
    // `apcaccess status` when the daemon answers: of its forty fields, the ones that say how long
    // the power lasts.
    name: 'apcupsd',
    claims: {
      subject: /^\S+ (?:UPS \S+ (?:Power Failure !!!|Power has returned|battery needs changing NOW\.)|Communications with UPS \S+ (?:lost|restored))$/,
      body: /^\S+ (?:UPS \S+ |Communications with UPS )/m,
    },
    drop: [{ what: 'status-field', line: /^(?!(?:STATUS|BCHARGE|TIMELEFT|LOADPCT|LINEV) ?:)[A-Z][A-Z0-9]*(?: [A-Z0-9]+)? ?: / }],
    keep: [{ line: /^STATUS ?: / }, { line: /^BCHARGE ?: / }, { line: /^TIMELEFT ?: / }, { line: /^LOADPCT ?: / }, { line: /^LINEV ?: / }],
  },
  {
    // NUT (nut-client): upsmon's default NOTIFYMSG texts (upsmon.c) as a NOTIFYCMD script mails
    // them, and the text of the upssched-cmd example ("UPS monitor"). The text is the message:
    // there is nothing to leave out, the entry only names the format.
    name: 'nut',
    claims: {
      body: /^(?:UPS \S+ (?:on line power|on battery|battery is low|forced shutdown in progress|battery needs to be replaced|is unavailable)|Communications with UPS \S+ (?:established|lost)|Auto logout and shutdown proceeding|The UPS has been on battery for awhile)$/m,
    },
  },
  {
    // Cron MAILTO mail (Debian cron adds X-Cron-Env; its exit-status patch ends the subject
    // "(failed)"): the subject says which job on which host, the body is the job's output and is
    // what matters. Its error lines come first (a failing job's last words are usually the reason,
    // after progress lines); the command's directory goes from the subject (the name says the job).
    name: 'cron',
    claims: { header: { name: 'x-cron-env', value: /./ }, subject: /^Cron <[^>]+> /, body: /[^]/ },
    subject: [{ pattern: /^(Cron <[^>]+> )\/(?:[\w.+-]+\/)+(?=[\w.+-]+(?:\s|$))/, replace: '$1' }],
    keep: [{ line: /\b(?:error|fatal|failed|failure)\b/i }],
  },
];

/** The recognisers' names, in the order they are tried (for docs and preview). */
export const RECOGNISER_NAMES: readonly string[] = RECOGNISERS.map((r) => r.name);

/*
 * readDate / restatesDate (src/condense/dates.ts): the date forms alert mails write, read without
 * the clock or the machine's zone.
 */
import { describe, expect, it } from 'vitest';
import { readDate, restatesDate } from '../../../src/condense/dates.js';

const HEADER = 'Wed, 02 Dec 2026 06:39:49 +0000';

describe('readDate reads the forms alert mails write', () => {
  it.each([
    ['RFC 5322 with a zone', 'Wed, 02 Dec 2026 06:39:49 +0000', Date.UTC(2026, 11, 2, 6, 39, 49), 0],
    ["RFC 5322 without a zone (Monit's $DATE)", 'Wed, 02 Dec 2026 06:39:49', Date.UTC(2026, 11, 2, 6, 39, 49), null],
    ['ISO 8601 with an offset (Icinga long_date_time)', '2026-12-02 06:38:13 +0000', Date.UTC(2026, 11, 2, 6, 38, 13), 0],
    ['ISO 8601 with T and Z', '2026-12-02T06:38:13Z', Date.UTC(2026, 11, 2, 6, 38, 13), 0],
    ['ctime with UTC (Nagios LONGDATETIME)', 'Wed Dec 2 06:38:51 UTC 2026', Date.UTC(2026, 11, 2, 6, 38, 51), 0],
    ["Zabbix's dotted date", '2026.12.02 06:47:38', Date.UTC(2026, 11, 2, 6, 47, 38), null],
    ['a negative offset', '2026-12-02 01:38:13 -0500', Date.UTC(2026, 11, 2, 1, 38, 13), -300],
    ['a zone name is read as no zone', 'Wed, 02 Dec 2026 07:39:49 CET', Date.UTC(2026, 11, 2, 7, 39, 49), null],
  ])('%s', (_name, text, wall, offset) => {
    expect(readDate(text)).toEqual({ wall, offset });
  });

  it.each([['words after the date', 'Wed, 02 Dec 2026 06:39:49 +0000 pump restarted'], ['a time alone', '06:39:49'], ['no date', 'yesterday'], ['a month that is not one', '2026-13-02 06:39:49']])(
    'is null for %s',
    (_name, text) => {
      expect(readDate(text)).toBeNull();
    },
  );
});

describe('restatesDate: the same moment as the Date header, give or take 5 minutes', () => {
  it.each([
    ['the same time', 'Wed, 02 Dec 2026 06:39:49 +0000', true],
    ['the same moment in another zone', '2026-12-02 07:39:49 +0100', true],
    ['a wall clock without zone, equal to the header', 'Wed, 02 Dec 2026 06:39:49', true],
    ['four minutes before', '2026-12-02 06:35:49 +0000', true],
    ['ten minutes before', '2026-12-02 06:29:49 +0000', false],
    ['another day', '2026-12-01 06:39:49 +0000', false],
  ])('%s: %s', (_name, text, expected) => {
    expect(restatesDate(text, HEADER)).toBe(expected);
  });

  it('is false without a Date header', () => {
    expect(restatesDate('Wed, 02 Dec 2026 06:39:49 +0000', undefined)).toBe(false);
  });

  it('reads a header with a trailing zone comment', () => {
    expect(restatesDate('2026-12-02 06:39:49 +0000', 'Wed, 2 Dec 2026 06:39:49 +0000 (UTC)')).toBe(true);
  });
});

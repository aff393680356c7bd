import { parseRetryAfter } from '../retryAfter';

const DAY_MS = 24 * 60 * 60 * 1000;
const now = Date.UTC(2026, 0, 1, 0, 0, 0);
const httpDate = (offsetMs: number) => new Date(now + offsetMs).toUTCString();

describe('parseRetryAfter', () => {
  test.each<[string, unknown, number | undefined]>([
    // numbers (seconds)
    ['0', 0, 0],
    ['a fraction', 1.5, 1500],
    ['rounded to the millisecond', 0.0004, 0],
    ['exactly one day', 86_400, DAY_MS],
    ['just over one day: one day (the retry link caps it again)', 86_400.001, DAY_MS],
    ['27 hours: one day', 27 * 3600, DAY_MS],
    ['negative', -1, undefined],
    ['NaN', NaN, undefined],
    ['Infinity', Infinity, undefined],
    // delta-seconds strings
    ['"5"', '5', 5000],
    ['padded', '  12 ', 12_000],
    ['"1.5"', '1.5', 1500],
    ['"86400"', '86400', DAY_MS],
    ['"97200" (27 h): one day', '97200', DAY_MS],
    ['"1." is not a number', '1.', undefined],
    ['".5" is not a number', '.5', undefined],
    ['"+5" is not a number', '+5', undefined],
    ['"-1"', '-1', undefined],
    ['100 characters', `${'0'.repeat(99)}5`, 5000],
    ['101 characters', `${'0'.repeat(100)}5`, undefined],
    ['empty', '', undefined],
    ['blank', '   ', undefined],
    // HTTP-dates
    ['a date 30 s ahead', httpDate(30_000), 30_000],
    ['a date in the past', httpDate(-30_000), 0],
    ['a date exactly one day ahead', httpDate(DAY_MS), DAY_MS],
    ['a date one day and one second ahead: one day', httpDate(DAY_MS + 1000), DAY_MS],
    ['a date 27 hours ahead: one day', httpDate(27 * 3600 * 1000), DAY_MS],
    ['an invalid date', 'Wed, 99 Foo 2026 99:99:99 GMT', undefined],
    ['words', 'later please', undefined],
    ['a date without letters is not an HTTP-date', '2026-01-01 00:00:30', undefined],
    // other types
    ['null', null, undefined],
    ['undefined', undefined, undefined],
    ['an object', { seconds: 5 }, undefined],
    ['a boolean', true, undefined],
  ])('%s', (_name, value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  test('dates are measured from the real clock by default', () => {
    jest.useFakeTimers({ now });
    try {
      expect(parseRetryAfter(httpDate(45_000))).toBe(45_000);
    } finally {
      jest.useRealTimers();
    }
  });
});

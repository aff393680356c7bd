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
    ['just over one day', 86_400.001, undefined],
    ['27 hours', 27 * 3600, undefined],
    ['negative', -1, undefined],
    ['NaN', NaN, undefined],
    ['Infinity', Infinity, undefined],
    // delta-seconds strings
    ['"5"', '5', 5000],
    ['padded', '  12 ', 12_000],
    ['"1.5"', '1.5', 1500],
    ['"86400"', '86400', DAY_MS],
    ['"97200" (27 h)', '97200', undefined],
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
    ['a date one day and one second ahead', httpDate(DAY_MS + 1000), undefined],
    ['a date 27 hours ahead', httpDate(27 * 3600 * 1000), undefined],
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

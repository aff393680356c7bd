// A very long server message costs bounded time: every rule (user rules and profiles, `{ message }`
// matchers, function matchers, `classify` functions) sees the message cut to a bounded length, so no
// pattern can take quadratic time on it (a 100 kB message once froze the event loop for seconds).
import { classifyError } from '../../classify/classifyError';
import type { ClassificationRule } from '../../classify/types';
import { ion } from '..';
import { ac4ServerError } from './shapes';

const pad = ' '.repeat(100_000);

function timed(status: number, message: string) {
  const start = performance.now();
  const c = classifyError(ac4ServerError(status, { errors: [{ message }] }), { profiles: [ion] });
  return { c, ms: performance.now() - start };
}

test.each([
  ['ion/permission', 403, `User does not have permission to perform READ on Files${pad}x`, 'missing-permission'],
  ['ion/domain-rule', 422, `PartInventory quantity must be greater than 0${pad}x`, 'domain-rule'],
  ['ion/cross-org', 403, `${'token '.repeat(20_000)}x`, 'insufficient-permissions'],
  ['ion/cross-org, the phrase first', 403, `Your token belongs to a different org${pad}x`, 'cross-org-token'],
])('%s on a 100 kB message finishes in bounded time', (_rule, status, message, reason) => {
  const { c, ms } = timed(status, message);
  expect(ms).toBeLessThan(500);
  expect(c.reason).toBe(reason);
  // What the classification shows stays sensible: the start of the message, cut and marked.
  expect(c.message.startsWith(message.slice(0, 20))).toBe(true);
  expect(c.message).toContain('[truncated');
});

test('function matchers and classify functions see a bounded message', () => {
  const lengths: number[] = [];
  const rule: ClassificationRule = {
    id: 'mine',
    match: (f) => (lengths.push(f.message.length), true),
    classify: (f) => (lengths.push(f.message.length), { category: 'server' }),
  };
  const start = performance.now();
  const c = classifyError({ message: `boom${pad}x` }, { rules: [rule] });
  expect(performance.now() - start).toBeLessThan(500);
  expect(c.category).toBe('server');
  expect(lengths).toHaveLength(2);
  for (const length of lengths) expect(length).toBeLessThanOrEqual(4000);
});

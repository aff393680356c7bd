import type { Category, Classification } from '../../classify/types';
import { isQueueable, queueAfterFailure, replayVerdict } from '../outboxDecisions';

const c = (category: Category, reason?: string): Classification => ({
  category,
  ...(reason !== undefined ? { reason } : {}),
  message: 'm',
  retryable: false,
  refreshable: false,
  remediation: 'r',
});

describe('isQueueable', () => {
  test.each([
    ['mutation', 'Save', {}, ['Save'], true],
    ['mutation', 'Save', {}, 'all', true],
    ['mutation', 'Other', {}, ['Save'], false],
    ['mutation', undefined, {}, ['Save'], false],
    ['mutation', undefined, {}, 'all', true],
    ['mutation', 'Save', { outbox: false }, ['Save'], false],
    ['mutation', 'Save', { outbox: false }, 'all', false],
    ['mutation', 'Save', { outbox: true }, ['Save'], true],
    ['query', 'Save', {}, 'all', false],
    ['subscription', 'Save', {}, 'all', false],
  ] as const)('%s %s context %j, mutations %j → %s', (type, name, context, mutations, expected) => {
    expect(isQueueable(type, name, context, mutations)).toBe(expected);
  });
});

describe('queueAfterFailure', () => {
  test.each([
    // No answer arrived: kept, online or not.
    ['network', 'connection-refused', true, true],
    ['network', 'dns', true, true],
    ['network', 'fetch-failed', true, true],
    ['network', 'timeout', true, true],
    ['network', 'connection-reset', true, true],
    // Any network failure while offline.
    ['network', 'something-new', false, true],
    ['network', undefined, false, true],
    ['network', 'something-new', true, false],
    ['network', undefined, true, false],
    // Cancelled, or the app's own deadline: never.
    ['network', 'aborted', false, false],
    ['network', 'deadline-exceeded', false, false],
    ['network', 'aborted', true, false],
    // The request never left: the circuit is open.
    ['server', 'circuit-open', true, true],
    // The server answered: the caller sees it.
    ['server', 'internal-server-error', true, false],
    ['server', 'service-unavailable', false, false],
    ['rate-limited', undefined, true, false],
    ['validation', undefined, false, false],
    ['conflict', 'etag-mismatch', true, false],
    ['unauthenticated', 'token-expired', true, false],
    ['unknown', 'link-error', false, false],
  ] as const)('%s/%s, online %s → %s', (category, reason, online, expected) => {
    expect(queueAfterFailure(c(category, reason), online)).toBe(expected);
  });
});

describe('replayVerdict', () => {
  test.each([
    ['network', 'connection-refused', 'unreachable'],
    ['network', 'aborted', 'unreachable'],
    ['server', 'service-unavailable', 'unreachable'],
    ['server', 'circuit-open', 'unreachable'],
    ['rate-limited', undefined, 'unreachable'],
    ['unauthenticated', 'refresh-failed', 'unreachable'],
    ['unknown', 'link-disposed', 'unreachable'],
    ['unknown', 'link-error', 'rejected'],
    ['unknown', undefined, 'rejected'],
    ['validation', undefined, 'rejected'],
    ['forbidden', 'missing-permission', 'rejected'],
    ['not-found', undefined, 'rejected'],
    ['conflict', 'etag-mismatch', 'rejected'],
    ['bad-request', 'outbox-entry-unreadable', 'rejected'],
  ] as const)('%s/%s → %s', (category, reason, expected) => {
    expect(replayVerdict(c(category, reason))).toBe(expected);
  });
});

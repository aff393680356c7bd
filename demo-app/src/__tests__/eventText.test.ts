/// <reference types="jest" />
// The event log's texts are built from each event's own fields: every line below is an event as
// the links emit it and the sentence a person reads.
import type { ResilienceEvent } from 'apollo-link-resilience';
import { closedCircuit, nextCircuit } from '../circuit';
import { eventText, plural, probeDueAt, seconds } from '../eventText';

const AT = 1_000_000;
// Events as the links emit them; typed loosely so a case can also hold fields a future event may add.
const ev = (
  type: string,
  details: Record<string, unknown> = {},
  operationName: string | undefined = 'PurchaseOrders',
): ResilienceEvent => ({ type, operationName, at: AT, ...details }) as unknown as ResilienceEvent;
const c503 = {
  category: 'server',
  reason: 'service-unavailable',
  status: 503,
  message: '503',
  retryable: true,
  refreshable: false,
  remediation: 'x',
};
const c502 = { ...c503, reason: 'bad-gateway', status: 502 };
const circuitRejection = {
  category: 'server',
  reason: 'circuit-open',
  message: 'm',
  retryable: true,
  refreshable: false,
  remediation: 'r',
  details: { retryAfterMs: 7000 },
};
const conflict = {
  category: 'conflict',
  reason: 'etag-mismatch',
  status: 409,
  message: 'm',
  retryable: false,
  refreshable: false,
  remediation: 'r',
};

describe('eventText', () => {
  test.each<[string, ResilienceEvent, number, string]>([
    // retry: `attempt` is the attempt about to be sent, `delayMs` the backoff before it
    [
      'a retry still waiting',
      ev('retry', { attempt: 2, delayMs: 1200, classification: c502 }),
      AT + 400,
      'attempt 2 in 0.8 s (backoff 1.2 s; attempt 1: server · bad-gateway (502))',
    ],
    [
      'a retry whose wait is over',
      ev('retry', { attempt: 2, delayMs: 1200, classification: c502 }),
      AT + 1500,
      'attempt 2 sent after waiting 1.2 s (attempt 1: server · bad-gateway (502))',
    ],
    [
      'a long backoff in whole seconds',
      ev('retry', { attempt: 4, delayMs: 16_400, classification: c503 }),
      AT,
      'attempt 4 in 16 s (backoff 16 s; attempt 3: server · service-unavailable (503))',
    ],
    // give-up: never "0 attempt(s)", never "retried" after giving up
    [
      'give-up after the last attempt',
      ev('give-up', { attempt: 4, reason: 'max-attempts', classification: c503 }),
      AT,
      'gave up after 4 attempts; the last one: server · service-unavailable (503)',
    ],
    [
      'rejected by an open circuit, probe pending',
      ev('give-up', { attempt: 0, reason: 'circuit-open', classification: circuitRejection }),
      AT + 2000,
      'not sent: the circuit is open, next probe in 5.0 s',
    ],
    [
      'rejected by an open circuit, read later',
      ev('give-up', { attempt: 0, reason: 'circuit-open', classification: circuitRejection }),
      AT + 9000,
      'not sent: the circuit was open',
    ],
    [
      'stopped because the circuit opened meanwhile',
      ev('give-up', { attempt: 2, reason: 'circuit-open', classification: c503 }),
      AT,
      'stopped after 2 attempts: the circuit opened meanwhile (last failure: server · service-unavailable (503))',
    ],
    [
      'a failure that is not retried',
      ev('give-up', {
        attempt: 2,
        reason: 'not-retryable',
        classification: { ...c503, category: 'not-found', reason: 'not-found', status: 404 },
      }),
      AT,
      'stopped after 2 attempts: not-found · not-found (404) is not retried',
    ],
    [
      'a mutation that may have run',
      ev('give-up', { attempt: 1, reason: 'unsafe-mutation', classification: c502 }, 'UpdatePurchaseOrder'),
      AT,
      'not retried: the mutation may already have run on the server (server · bad-gateway (502), no idempotency key)',
    ],
    [
      'the deadline',
      ev('give-up', { attempt: 3, reason: 'deadline', classification: c503 }),
      AT,
      'stopped after 3 attempts: the next wait would pass the deadline',
    ],
    [
      'the deadline during an attempt',
      ev('give-up', { attempt: 1, reason: 'deadline-passed', classification: c503 }),
      AT,
      'stopped after 1 attempt: the deadline passed during the last attempt',
    ],
    [
      'the retry budget',
      ev('give-up', { attempt: 1, reason: 'budget-exhausted', classification: c503 }),
      AT,
      'stopped after 1 attempt: the retry budget is spent (too many retries across operations)',
    ],
    [
      'an unknown reason',
      ev('give-up', { attempt: 1, reason: 'something-new' }),
      AT,
      'stopped after 1 attempt (something-new)',
    ],
    [
      'the etag link running out of rounds',
      ev('give-up', { attempt: 3, reason: 'max-attempts', classification: conflict }, 'UpdatePurchaseOrder'),
      AT,
      'gave up after 3 re-apply rounds: the record kept changing',
    ],
    [
      'a conflict left to the server’s version',
      ev('give-up', { attempt: 1, reason: 'abort', conflicts: ['notes'] }, 'UpdatePurchaseOrder'),
      AT,
      "not re-sent: the server's notes kept",
    ],
    // the circuit
    [
      'the circuit opening, probe pending',
      ev('circuit-open', { state: 'open', previous: 'closed', cooldownMs: 10_000 }, undefined),
      AT + 2500,
      'circuit open (operations kept failing): new requests fail fast; next probe in 7.5 s',
    ],
    [
      'the circuit opening, read later',
      ev('circuit-open', { state: 'open', previous: 'closed', cooldownMs: 10_000 }, undefined),
      AT + 60_000,
      'circuit open (operations kept failing): new requests fail fast; probe due 10 s after opening',
    ],
    [
      'a failed probe',
      ev('circuit-open', { state: 'open', previous: 'half-open', cooldownMs: 10_000 }, undefined),
      AT,
      'circuit open (the probe failed): new requests fail fast; next probe in 10 s',
    ],
    [
      'a probe schedule the event names',
      ev('circuit-open', { state: 'open', previous: 'closed', cooldownMs: 30_000, nextProbeAt: AT + 1000 }, undefined),
      AT,
      'circuit open (operations kept failing): new requests fail fast; next probe in 1.0 s',
    ],
    [
      'half-open',
      ev('circuit-half-open', { state: 'half-open', previous: 'open' }, undefined),
      AT,
      'circuit half-open: the next request is the probe',
    ],
    [
      'closed after a probe',
      ev('circuit-close', { state: 'closed', previous: 'half-open' }, undefined),
      AT,
      'circuit closed: the probe succeeded, requests flow again',
    ],
    // auth
    [
      'a refresh after a 401',
      ev('refresh-start', { reason: 'rejected', waiting: 3 }),
      AT,
      'token refresh started: the server rejected the token (3 operations waiting)',
    ],
    [
      'a refresh before expiry',
      ev('refresh-start', { reason: 'expiring', waiting: 1 }),
      AT,
      'token refresh started: the token expires soon (1 operation waiting)',
    ],
    [
      'a refresh before the first request',
      ev('refresh-start', { reason: 'missing', waiting: 0 }),
      AT,
      'token refresh started: no token yet',
    ],
    [
      'a token from another tab',
      ev('refresh-success', { reason: 'rejected', source: 'other-tab', durationMs: 310 }),
      AT,
      'token refreshed by another tab in 310 ms',
    ],
    [
      'a failed refresh',
      ev('refresh-failure', { reason: 'rejected', durationMs: 90 }),
      AT,
      'token refresh failed after 90 ms',
    ],
    // etag
    [
      'a 409',
      ev('conflict', { attempt: 1, classification: conflict }, 'UpdatePurchaseOrder'),
      AT,
      '409 on try 1: someone else changed the record',
    ],
    [
      'the re-read',
      ev('reread', { attempt: 1, durationMs: 12, updatedBy: 'alice@acme.test' }, 'UpdatePurchaseOrder'),
      AT,
      're-read the record (last changed by alice@acme.test)',
    ],
    [
      'a merge',
      ev('reapply', { attempt: 1, keptTheirs: ['quantity'], conflicts: [] }, 'UpdatePurchaseOrder'),
      AT,
      're-applied your change on theirs, kept their quantity',
    ],
    [
      'a re-apply with nothing of theirs kept',
      ev('reapply', { attempt: 1, keptTheirs: [], conflicts: ['notes'] }, 'UpdatePurchaseOrder'),
      AT,
      're-applied your change on the latest version',
    ],
  ])('%s', (_name, event, now, text) => {
    expect(eventText(event, now)).toBe(text);
  });

  test('no text says "0 attempt(s)", "(s)", or that something is retried after a give-up', () => {
    for (const reason of [
      'max-attempts',
      'circuit-open',
      'not-retryable',
      'unsafe-mutation',
      'deadline',
      'budget-exhausted',
      'abort',
      'other',
    ]) {
      for (const attempt of [0, 1, 4]) {
        const text = eventText(ev('give-up', { attempt, reason, classification: c503 }), AT);
        expect(text).not.toMatch(/\(s\)|\b0 attempts?\b|is retried|retried with/);
      }
    }
  });

  test('plural and seconds', () => {
    expect([plural(0, 'attempt'), plural(1, 'attempt'), plural(2, 'attempt')]).toEqual([
      '0 attempts',
      '1 attempt',
      '2 attempts',
    ]);
    expect([seconds(0), seconds(-5), seconds(800), seconds(9_949), seconds(12_400)]).toEqual([
      '0.0 s',
      '0.0 s',
      '0.8 s',
      '9.9 s',
      '12 s',
    ]);
  });
});

describe('the circuit as the page shows it', () => {
  test('opens with the probe time the event gives, takes fresher estimates from rejections, closes', () => {
    let view = nextCircuit(
      closedCircuit,
      ev('circuit-open', { state: 'open', previous: 'closed', cooldownMs: 10_000 }, undefined),
    );
    expect(view).toEqual({ state: 'open', since: AT, nextProbeAt: AT + 10_000, openings: 1 });
    view = nextCircuit(view, {
      ...ev('give-up', { attempt: 0, reason: 'circuit-open', classification: circuitRejection }),
      at: AT + 4000,
    });
    expect(view.nextProbeAt).toBe(AT + 11_000);
    expect(nextCircuit(view, ev('retry', { attempt: 2, delayMs: 1000 }))).toBe(view);
    view = nextCircuit(view, ev('circuit-half-open', { state: 'half-open', previous: 'open' }, undefined));
    expect(view.state).toBe('half-open');
    view = nextCircuit(
      view,
      ev('circuit-open', { state: 'open', previous: 'half-open', cooldownMs: 10_000 }, undefined),
    );
    expect(view.openings).toBe(2);
    view = nextCircuit(view, ev('circuit-close', { state: 'closed', previous: 'half-open' }, undefined));
    expect(view).toEqual({ state: 'closed', since: AT, openings: 0 });
  });

  test('a give-up that is not a circuit rejection leaves the view alone', () => {
    const open = nextCircuit(closedCircuit, ev('circuit-open', { cooldownMs: 10_000 }, undefined));
    expect(nextCircuit(open, ev('give-up', { attempt: 4, reason: 'max-attempts', classification: c503 }))).toBe(open);
    expect(
      nextCircuit(
        closedCircuit,
        ev('give-up', { attempt: 0, reason: 'circuit-open', classification: circuitRejection }),
      ),
    ).toBe(closedCircuit);
  });

  test('probeDueAt reads only the event', () => {
    expect(probeDueAt(ev('circuit-open', {}, undefined))).toBeUndefined();
    expect(probeDueAt(ev('retry', { delayMs: 5 }))).toBeUndefined();
    expect(probeDueAt(ev('circuit-open', { cooldownMs: 10_000, probeInMs: 1000 }, undefined))).toBe(AT + 1000);
  });
});

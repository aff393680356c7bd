import { ApolloLink } from '@apollo/client/core/index.js';
import { context, metrics, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Context, ContextManager } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AuthRefreshLink } from '../../auth/AuthRefreshLink';
import type { ResilienceEvent } from '../../events';
import { RetryBackoffLink } from '../../retry/RetryBackoffLink';
import { FaultLink } from '../../testing/FaultLink';
import { execute, flush, scripted } from '../../__testUtils__/harness';
import { OTEL_METRICS, otelListener } from '../otelListener';

/** Synchronous context propagation, enough to make a span active around a call. */
class SyncContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

/** A pull reader: `collect()` on demand, no export timer. */
class TestMetricReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

let spans: InMemorySpanExporter;
let tracerProvider: BasicTracerProvider;
let reader: TestMetricReader;
let meterProvider: MeterProvider;

beforeAll(() => context.setGlobalContextManager(new SyncContextManager()));
afterAll(() => context.disable());
beforeEach(() => {
  spans = new InMemorySpanExporter();
  tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  reader = new TestMetricReader();
  meterProvider = new MeterProvider({ readers: [reader] });
});
afterEach(async () => {
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
});

const tracer = () => tracerProvider.getTracer('test');
const meter = () => meterProvider.getMeter('test');
const event = (
  type: string,
  details: Record<string, unknown> = {},
  operationName: string | null = 'PurchaseOrder',
): ResilienceEvent =>
  ({ type, operationName: operationName ?? undefined, at: 1_700_000_000_000, ...details }) as ResilienceEvent;
const c503 = {
  category: 'server',
  reason: 'service-unavailable',
  status: 503,
  code: 'SERVICE_UNAVAILABLE',
  message: 'Service Unavailable',
  retryable: true,
  refreshable: false,
  remediation: 'Try again later.',
};

/** Runs `fn` with a recording span active, ends it, returns it as exported. */
function insideSpan(fn: () => void) {
  const span = tracer().startSpan('operation');
  context.with(trace.setSpan(context.active(), span), fn);
  span.end();
  return spans.getFinishedSpans().find((s) => s.name === 'operation')!;
}

async function collected() {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  const out: Record<string, Array<DataPoint<number | Histogram>>> = {};
  for (const scope of resourceMetrics.scopeMetrics)
    for (const m of scope.metrics) out[m.descriptor.name] = m.dataPoints as Array<DataPoint<number | Histogram>>;
  return out;
}
const sum = (points: Array<DataPoint<number | Histogram>> | undefined) =>
  (points ?? []).reduce((n, p) => n + (p.value as number), 0);

describe('otelListener', () => {
  test('an event becomes a span event on the active span, with the operation name and classification', () => {
    const listener = otelListener({ tracer: tracer(), meter: meter() });
    const span = insideSpan(() => listener(event('retry', { attempt: 2, delayMs: 1000, classification: c503 })));
    expect(span.events).toHaveLength(1);
    const [e] = span.events;
    expect(e!.name).toBe('resilience.retry');
    expect(e!.time).toEqual([1_700_000_000, 0]);
    expect(e!.attributes).toEqual({
      'graphql.operation.name': 'PurchaseOrder',
      'resilience.category': 'server',
      'resilience.reason': 'service-unavailable',
      'http.response.status_code': 503,
      'resilience.code': 'SERVICE_UNAVAILABLE',
      'resilience.attempt': 2,
      'resilience.delay_ms': 1000,
    });
    expect(spans.getFinishedSpans()).toHaveLength(1); // no span of its own
  });

  test('without an active span, the event is a short span of its own; tracer: false drops it', () => {
    otelListener({ tracer: tracer(), meter: false })(
      event('circuit-open', { state: 'open', previous: 'closed', cooldownMs: 30000 }, null),
    );
    expect(spans.getFinishedSpans().map((s) => [s.name, s.attributes])).toEqual([
      [
        'resilience.circuit-open',
        { 'resilience.state': 'open', 'resilience.previous_state': 'closed', 'resilience.cooldown_ms': 30000 },
      ],
    ]);
    otelListener({ tracer: false, meter: false })(event('circuit-close', { state: 'closed' }, null));
    expect(spans.getFinishedSpans()).toHaveLength(1);
  });

  test('metrics: retries, give-ups, conflicts, auth failures, refresh duration and circuit state', async () => {
    const listener = otelListener({ tracer: false, meter: meter() });
    listener(event('retry', { attempt: 2, delayMs: 1000, classification: c503 }));
    listener(event('retry', { attempt: 3, delayMs: 2000, classification: c503 }));
    listener(event('give-up', { attempt: 4, reason: 'max-attempts', classification: c503 }));
    listener(
      event(
        'conflict',
        { attempt: 1, classification: { category: 'conflict', reason: 'etag-mismatch', status: 409 } },
        'UpdatePurchaseOrder',
      ),
    );
    listener(event('auth-failure', { classification: { category: 'unauthenticated', reason: 'invalid-client' } }));
    listener(event('refresh-start', { reason: 'expired', waiting: 3 }));
    listener(event('refresh-success', { reason: 'expired', source: 'this-tab', durationMs: 120, waiting: 3 }));
    listener(
      event('refresh-failure', {
        reason: 'expired',
        durationMs: 30000,
        classification: { category: 'unauthenticated', reason: 'refresh-timeout' },
      }),
    );
    listener(event('circuit-open', { state: 'open', previous: 'closed' }, null));
    let m = await collected();
    expect(m[OTEL_METRICS.circuitOpen]!.map((p) => p.value)).toEqual([1]);
    listener(event('circuit-half-open', { state: 'half-open', previous: 'open' }, null));
    m = await collected();
    expect(sum(m[OTEL_METRICS.circuitOpen])).toBe(1);
    listener(event('circuit-close', { state: 'closed', previous: 'half-open' }, null));
    m = await collected();

    expect(m[OTEL_METRICS.retries]!.map((p) => [p.attributes, p.value])).toEqual([
      [
        {
          'graphql.operation.name': 'PurchaseOrder',
          'resilience.category': 'server',
          'resilience.reason': 'service-unavailable',
          'http.response.status_code': 503,
          'resilience.code': 'SERVICE_UNAVAILABLE',
        },
        2,
      ],
    ]);
    expect(m[OTEL_METRICS.giveUps]!.map((p) => [p.attributes['resilience.event_reason'], p.value])).toEqual([
      ['max-attempts', 1],
    ]);
    expect(m[OTEL_METRICS.conflicts]!.map((p) => [p.attributes, p.value])).toEqual([
      [
        {
          'graphql.operation.name': 'UpdatePurchaseOrder',
          'resilience.category': 'conflict',
          'resilience.reason': 'etag-mismatch',
          'http.response.status_code': 409,
        },
        1,
      ],
    ]);
    expect(sum(m[OTEL_METRICS.authFailures])).toBe(1);
    const refresh = m[OTEL_METRICS.refreshDuration]!.map((p) => [
      p.attributes['resilience.outcome'],
      (p.value as Histogram).count,
      (p.value as Histogram).sum,
    ]);
    expect(refresh).toEqual(
      expect.arrayContaining([
        ['success', 1, 120],
        ['failure', 1, 30000],
      ]),
    );
    expect(sum(m[OTEL_METRICS.circuitOpen])).toBe(0);
    expect(m[OTEL_METRICS.circuitTransitions]!.map((p) => [p.attributes['resilience.state'], p.value])).toEqual([
      ['open', 1],
      ['half-open', 1],
      ['closed', 1],
    ]);
  });

  test('never a token, a message, a header or free text in span names, attributes or metric attributes', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MX0.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw';
    const secret = 'opaque-secret-token-123';
    const leaky = {
      attempt: 2,
      token: secret,
      failedToken: jwt,
      headers: { Authorization: `Bearer ${secret}` },
      message: `Token ${jwt} is expired`,
      reason: secret,
      source: `Bearer ${secret}`,
      state: secret.toUpperCase(),
      previous: secret,
      updatedBy: 'alice@example.com',
      classification: {
        category: 'unauthenticated',
        reason: 'token-expired',
        code: jwt,
        status: 401,
        retryAfterMs: secret,
        message: `Bearer ${secret} rejected`,
        details: { token: secret },
      },
      conflicts: [secret],
    };
    const listener = otelListener({ tracer: tracer(), meter: meter() });
    const active = insideSpan(() => {
      for (const type of ['retry', 'give-up', 'refresh-failure', 'auth-failure', 'conflict', 'circuit-open', 'reapply'])
        listener(event(type, { ...leaky, durationMs: 5 }, `Bearer ${secret}`));
    });
    listener(event('refresh-success', { ...leaky, durationMs: 5 }, jwt)); // no active span: a span of its own
    const exported = JSON.stringify({
      spans: spans.getFinishedSpans().map((s) => ({
        name: s.name,
        attributes: s.attributes,
        events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
      })),
      metrics: await collected(),
    });
    expect(active.events).toHaveLength(7);
    for (const needle of [secret, secret.toUpperCase(), jwt, 'eyJ', 'Bearer', 'alice', 'rejected', 'secret'])
      expect(exported).not.toContain(needle);
    expect(active.events[0]!.attributes).toMatchObject({
      'resilience.category': 'unauthenticated',
      'resilience.reason': 'token-expired',
      'http.response.status_code': 401,
    });
  });

  test('ignores what is not an event and never throws', () => {
    const listener = otelListener({ tracer: tracer(), meter: meter() });
    for (const bad of [null, undefined, 42, 'retry', {}, { type: 'has spaces' }, { type: 7 }])
      expect(() => listener(bad as unknown as ResilienceEvent)).not.toThrow();
    expect(spans.getFinishedSpans()).toEqual([]);
  });

  test('the defaults use the global providers, also ones registered after the listener was made', async () => {
    const listener = otelListener();
    listener(event('retry', { attempt: 2, classification: c503 })); // nothing registered yet: no-ops
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    try {
      listener(event('retry', { attempt: 3, classification: c503 }));
      expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['resilience.retry']);
      expect(sum((await collected())[OTEL_METRICS.retries])).toBe(1);
    } finally {
      trace.disable();
      metrics.disable();
    }
  });

  describe('with the links and a FaultLink (fake timers)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => {
      expect(jest.getTimerCount()).toBe(0);
      jest.useRealTimers();
    });
    const ok = { data: { po: { id: '1' } } };
    const server = () =>
      scripted((sink) => {
        sink.next(ok);
        sink.complete();
      });

    test('a 503 burst: two retries counted with their classification, no give-up', async () => {
      const onEvent = otelListener({ tracer: tracer(), meter: meter() });
      const faults = new FaultLink([{ fault: { kind: 'status', status: 503 }, times: 2 }]);
      const out = execute(
        ApolloLink.from([
          new RetryBackoffLink({ jitter: false, budget: false, circuitBreaker: false, onEvent }),
          faults,
          server().link,
        ]),
      );
      await jest.advanceTimersByTimeAsync(1000 + 2000);
      await out.done;
      expect(out.next).toEqual([ok]);
      const m = await collected();
      expect(
        m[OTEL_METRICS.retries]!.map((p) => [
          p.attributes['graphql.operation.name'],
          p.attributes['resilience.reason'],
          p.attributes['http.response.status_code'],
          p.value,
        ]),
      ).toEqual([['Q', 'service-unavailable', 503, 2]]);
      expect(m[OTEL_METRICS.giveUps]).toBeUndefined();
      expect(spans.getFinishedSpans().map((s) => [s.name, s.attributes['resilience.attempt']])).toEqual([
        ['resilience.retry', 2],
        ['resilience.retry', 3],
      ]);
    });

    test('a 401: the refresh is timed; the token appears nowhere', async () => {
      const onEvent = otelListener({ tracer: tracer(), meter: meter() });
      let token = 'tok-old-7f3a9c';
      const faults = new FaultLink([{ fault: { kind: 'token-expired' }, times: 1 }]);
      const out = execute(
        ApolloLink.from([
          new AuthRefreshLink({ getToken: () => token, refresh: async () => (token = 'tok-new-2b8e1d'), onEvent }),
          faults,
          server().link,
        ]),
      );
      await flush(6);
      await out.done;
      expect(out.next).toEqual([ok]);
      const m = await collected();
      expect(
        m[OTEL_METRICS.refreshDuration]!.map((p) => [p.attributes['resilience.outcome'], (p.value as Histogram).count]),
      ).toEqual([['success', 1]]);
      const exported = JSON.stringify({
        spans: spans.getFinishedSpans().map((s) => [s.name, s.attributes, s.events]),
        m,
      });
      expect(spans.getFinishedSpans().map((s) => s.name)).toEqual([
        'resilience.refresh-start',
        'resilience.refresh-success',
      ]);
      expect(exported).not.toContain('tok-');
    });
  });
});

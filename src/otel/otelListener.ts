import { metrics, trace } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Meter, MeterProvider, Tracer, UpDownCounter } from '@opentelemetry/api';
import type { ResilienceEvent } from '../events.js';

export declare namespace otelListener {
  interface Options {
    /**
     * Records an event that happens outside any span (a circuit change, or a retry fired from a
     * timer where the context did not follow) as a short span of its own, `resilience.<type>`.
     * `false`: such events only count in the metrics.
     * @defaultValue `trace.getTracer('apollo-link-resilience')` (a no-op until an SDK is registered)
     */
    tracer?: Tracer | false;
    /**
     * Where the metrics go. `false`: span events only.
     * @defaultValue `metrics.getMeter('apollo-link-resilience')` of the global provider at the time of each event
     */
    meter?: Meter | false;
  }
}

/** The instrument names, for dashboards and tests. */
export const OTEL_METRICS = {
  retries: 'apollo_link_resilience.retries',
  giveUps: 'apollo_link_resilience.give_ups',
  refreshDuration: 'apollo_link_resilience.refresh.duration',
  circuitOpen: 'apollo_link_resilience.circuit.open',
  circuitTransitions: 'apollo_link_resilience.circuit.transitions',
  conflicts: 'apollo_link_resilience.conflicts',
  authFailures: 'apollo_link_resilience.auth_failures',
} as const;

interface Instruments {
  retries: Counter;
  giveUps: Counter;
  refreshDuration: Histogram;
  circuitOpen: UpDownCounter;
  circuitTransitions: Counter;
  conflicts: Counter;
  authFailures: Counter;
}

function createInstruments(meter: Meter): Instruments {
  return {
    retries: meter.createCounter(OTEL_METRICS.retries, {
      description: 'Retries scheduled by RetryBackoffLink',
      unit: '{retry}',
    }),
    giveUps: meter.createCounter(OTEL_METRICS.giveUps, {
      description: 'Operations a link gave up on (retries exhausted, budget, deadline, conflict aborted)',
      unit: '{operation}',
    }),
    refreshDuration: meter.createHistogram(OTEL_METRICS.refreshDuration, {
      description: 'Token refresh duration, by outcome',
      unit: 'ms',
    }),
    circuitOpen: meter.createUpDownCounter(OTEL_METRICS.circuitOpen, {
      description: 'Circuit breakers not closed (open or half-open)',
      unit: '{circuit}',
    }),
    circuitTransitions: meter.createCounter(OTEL_METRICS.circuitTransitions, {
      description: 'Circuit breaker state changes, by new state',
      unit: '{transition}',
    }),
    conflicts: meter.createCounter(OTEL_METRICS.conflicts, {
      description: 'Etag conflicts met by EtagConflictLink',
      unit: '{conflict}',
    }),
    authFailures: meter.createCounter(OTEL_METRICS.authFailures, {
      description: 'Authentication failures handed to onAuthFailure',
      unit: '{failure}',
    }),
  };
}

// Attribute values come from allow-lists and narrow patterns only: never free text, never a token.
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;
const CATEGORIES = [
  'unauthenticated',
  'forbidden',
  'not-found',
  'conflict',
  'validation',
  'rate-limited',
  'server',
  'network',
  'bad-request',
  'unknown',
];
const CIRCUIT_STATES = ['closed', 'open', 'half-open'];
const SOURCES = ['this-tab', 'other-tab'];
/** Reasons are kebab-case words (`token-expired`, `max-attempts`); no digits, no capitals, as no token is. */
const REASON = /^[a-z]{1,24}(?:-[a-z]{1,24}){0,5}$/;
/** Codes: `UNAUTHENTICATED`, `invalid_grant`, `RATE_LIMITED`, `E11000`; one case per code, short segments. */
const CODE = /^(?:[A-Z][A-Z0-9]{0,23}(?:[_.-][A-Z0-9]{1,24}){0,5}|[a-z][a-z0-9]{0,23}(?:[_.-][a-z0-9]{1,24}){0,5})$/;

const oneOf = (values: readonly string[], value: unknown): string | undefined =>
  typeof value === 'string' && values.includes(value) ? value : undefined;
const matching = (pattern: RegExp, value: unknown): string | undefined =>
  typeof value === 'string' && pattern.test(value) ? value : undefined;
/** The event's `type`: a kebab-case word list, as every link's event types are. */
const label = (value: unknown): string | undefined => matching(REASON, value);

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function put(attributes: Attributes, key: string, value: string | number | boolean | undefined): void {
  if (value !== undefined) attributes[key] = value;
}

/**
 * The attributes of an event: the operation name and the classification's category/reason/status/code,
 * plus the numeric and enumerated details. Read field by field from an allow-list, so that a message,
 * a header or a token can never become an attribute, whatever an event carries.
 */
function attributesOf(event: Record<string, unknown>, forMetrics: boolean): Attributes {
  const attributes: Attributes = {};
  const name = event.operationName;
  put(attributes, 'graphql.operation.name', typeof name === 'string' && GRAPHQL_NAME.test(name) ? name : undefined);
  const c = event.classification;
  if (typeof c === 'object' && c !== null) {
    const { category, reason, status, code } = c as Record<string, unknown>;
    put(attributes, 'resilience.category', oneOf(CATEGORIES, category));
    put(attributes, 'resilience.reason', matching(REASON, reason));
    put(
      attributes,
      'http.response.status_code',
      typeof status === 'number' && Number.isInteger(status) && status >= 100 && status < 600 ? status : undefined,
    );
    put(attributes, 'resilience.code', matching(CODE, code));
  }
  put(attributes, 'resilience.event_reason', matching(REASON, event.reason));
  put(attributes, 'resilience.source', oneOf(SOURCES, event.source));
  if (forMetrics) return attributes;
  put(attributes, 'resilience.state', oneOf(CIRCUIT_STATES, event.state));
  put(attributes, 'resilience.previous_state', oneOf(CIRCUIT_STATES, event.previous));
  put(attributes, 'resilience.attempt', count(event.attempt));
  put(attributes, 'resilience.delay_ms', count(event.delayMs));
  put(attributes, 'resilience.duration_ms', count(event.durationMs));
  put(attributes, 'resilience.waiting', count(event.waiting));
  put(attributes, 'resilience.cooldown_ms', count(event.cooldownMs));
  if (Array.isArray(event.conflicts)) put(attributes, 'resilience.conflict_fields', event.conflicts.length);
  return attributes;
}

/**
 * An `onEvent` listener that reports the links' events to OpenTelemetry: each event becomes a span
 * event `resilience.<type>` on the active span (the operation's, when your instrumentation propagates
 * context into the link chain), and the metrics in {@link OTEL_METRICS} count retries, give-ups,
 * conflicts and auth failures, time token refreshes and track circuit breakers. Attributes: the
 * operation name and the classification's category, reason, HTTP status and code; never a message,
 * a header or a token. One listener can serve every client of a process.
 *
 * @example
 * ```ts
 * createResilienceLink({ onEvent: otelListener() });
 * ```
 */
export function otelListener(options: otelListener.Options = {}): (event: ResilienceEvent) => void {
  const tracer = options.tracer ?? trace.getTracer('apollo-link-resilience');
  const ownMeter = options.meter;
  let instruments: Instruments | undefined;
  let instrumentsOf: Meter | MeterProvider | undefined;
  let lastCircuitState = 'closed';

  const currentInstruments = (): Instruments | undefined => {
    if (ownMeter === false) return undefined;
    // The global provider may be registered after this listener was made: follow it.
    const source = ownMeter ?? metrics.getMeterProvider();
    if (source !== instrumentsOf) {
      instruments = createInstruments(ownMeter ?? metrics.getMeter('apollo-link-resilience'));
      instrumentsOf = source;
    }
    return instruments;
  };

  const record = (type: string, event: Record<string, unknown>): void => {
    const m = currentInstruments();
    if (!m) return;
    const attributes = attributesOf(event, true);
    switch (type) {
      case 'retry':
        return m.retries.add(1, attributes);
      case 'give-up':
        return m.giveUps.add(1, attributes);
      case 'conflict':
        return m.conflicts.add(1, attributes);
      case 'auth-failure':
        return m.authFailures.add(1, attributes);
      case 'refresh-success':
      case 'refresh-failure': {
        const duration = count(event.durationMs);
        if (duration !== undefined)
          m.refreshDuration.record(duration, {
            ...attributes,
            'resilience.outcome': type === 'refresh-success' ? 'success' : 'failure',
          });
        return;
      }
      case 'circuit-open':
      case 'circuit-half-open':
      case 'circuit-close': {
        const state = type === 'circuit-open' ? 'open' : type === 'circuit-close' ? 'closed' : 'half-open';
        const previous = oneOf(CIRCUIT_STATES, event.previous) ?? lastCircuitState;
        lastCircuitState = state;
        const delta = (state === 'closed' ? 0 : 1) - (previous === 'closed' ? 0 : 1);
        if (delta !== 0) m.circuitOpen.add(delta);
        m.circuitTransitions.add(1, { 'resilience.state': state });
        return;
      }
    }
  };

  return (event: ResilienceEvent): void => {
    const fields = event as unknown as Record<string, unknown>;
    if (typeof fields !== 'object' || fields === null) return;
    const type = label(fields.type);
    if (!type) return;
    const name = `resilience.${type}`;
    const at = typeof fields.at === 'number' && Number.isFinite(fields.at) ? fields.at : undefined;
    const span = trace.getActiveSpan();
    if (span) {
      span.addEvent(name, attributesOf(fields, false), at);
    } else if (tracer) {
      const own = tracer.startSpan(name, { attributes: attributesOf(fields, false), startTime: at });
      own.end(at);
    }
    record(type, fields);
  };
}

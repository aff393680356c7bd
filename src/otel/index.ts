export { otelListener, OTEL_METRICS } from './otelListener.js';

export { classifyError, classifyErrors } from './classifyError.js';
export { ErrorClassifyLink } from './ErrorClassifyLink.js';
export { getClassifications } from './getClassifications.js';
export { ResilienceError } from './annotations.js';
export { redact } from './redact.js';
export { parseRetryAfter } from './retryAfter.js';
export { coreRules } from './core.js';
export type {
  Category,
  Classification,
  ClassificationDetails,
  ClassificationPatch,
  ClassificationProfile,
  ClassificationRule,
  ClassifyOptions,
  ErrorFacts,
  Reason,
  Remediation,
  Remediations,
  RuleMatcher,
} from './types.js';

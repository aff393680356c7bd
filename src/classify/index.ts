export { classifyError, classifyErrors, classifyFacts, primaryClassification, readAnnotations } from './classifyError.js';
export { quickClassify } from './quickClassify.js';
export { ErrorClassifyLink } from './ErrorClassifyLink.js';
export { getClassifications } from './getClassifications.js';
export { annotateError, annotateResult, ResilienceError } from './annotate.js';
export { redact } from './redact.js';
export { parseRetryAfter } from './retryAfter.js';
export { builtInRules, graphqlCodeRules, httpStatusRules, ionRules, networkRules, oauthRules, restEnvelopeRules } from './rules.js';
export type { Category, Classification, ClassificationDetails, ClassificationPatch, ClassificationRule, ClassifyOptions, ErrorFacts, RuleMatcher } from './types.js';

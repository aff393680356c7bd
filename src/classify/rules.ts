import { graphqlCodeRules } from './profiles/graphqlCodes.js';
import { httpStatusRules } from './profiles/httpStatus.js';
import { ionRules } from './profiles/ion.js';
import { networkRules } from './profiles/network.js';
import { oauthRules } from './profiles/oauth.js';
import { restEnvelopeRules } from './profiles/restEnvelope.js';
import type { ClassificationRule } from './types.js';

export { graphqlCodeRules, httpStatusRules, ionRules, networkRules, oauthRules, restEnvelopeRules };

/**
 * The built-in table, most specific first: transport facts, token endpoint and REST envelopes,
 * the message tables (which know more than a code), `extensions.code`, then the bare HTTP status.
 * User rules run before all of these.
 */
export const builtInRules: ReadonlyArray<ClassificationRule> = [
  ...networkRules,
  ...oauthRules,
  ...restEnvelopeRules,
  ...ionRules,
  ...graphqlCodeRules,
  ...httpStatusRules,
];

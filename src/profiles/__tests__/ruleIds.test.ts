// A rule's `id` is documented as a stable name (ClassificationRule.id): an app filters or logs by it, and
// a profile's rules are public (`ion.rules`). Renaming one is a breaking change this test makes visible.
import { apolloServer } from '../apolloServer';
import { appSync } from '../appSync';
import { github } from '../github';
import { graphqlCodes } from '../graphqlCodes';
import { hasura } from '../hasura';
import { ion } from '../ion';
import { restEnvelope } from '../restEnvelope';
import { shopify } from '../shopify';
import type { ClassificationProfile } from '../../classify/types';

describe('profile rule ids: stable, unique, in order', () => {
  test.each<[string, ClassificationProfile, string[]]>([
    [
      'apolloServer',
      apolloServer,
      [
        'apollo/downstream',
        'apollo/router-rate-limited',
        'apollo/pq-not-supported',
        'apollo/variable-coercion',
        'apollo/introspection-disabled',
        'apollo/too-complex',
        'apollo/csrf',
        'apollo/context-failed',
      ],
    ],
    [
      'appSync',
      appSync,
      [
        'appsync/unauthorized-exception',
        'appsync/unauthorized',
        'appsync/condition-failed',
        'appsync/conflict-unhandled',
        'appsync/throttled',
        'appsync/timeout',
        'appsync/lambda-unhandled',
        'appsync/resolver-bug',
        'appsync/bad-request',
        'appsync/missing-auth-header',
        'appsync/validation-error',
      ],
    ],
    [
      'github',
      github,
      [
        'github/rate_limited',
        'github/rate-limit-headers',
        'github/secondary-rate-limit',
        'github/insufficient_scopes',
        'github/forbidden',
        'github/not_found',
        'github/unprocessable',
        'github/max_node_limit_exceeded',
        'github/static-validation',
        'github/query-timeout',
      ],
    ],
    [
      'graphqlCodes',
      graphqlCodes,
      [
        'code/unauthenticated',
        'code/forbidden',
        'code/not-found',
        'code/conflict',
        'code/bad-user-input',
        'code/validation-error',
        'code/rate-limited',
        'code/graphql-parse-failed',
        'code/persisted-query-not-found',
        'code/service-unavailable',
        'code/internal-server-error',
      ],
    ],
    [
      'hasura',
      hasura,
      [
        'hasura/check-violation',
        'hasura/role-not-allowed',
        'hasura/invalid-jwt',
        'hasura/invalid-headers',
        'hasura/access-denied',
        'hasura/jwt-invalid-claims',
        'hasura/permission-denied',
        'hasura/constraint-violation',
        'hasura/data-exception',
        'hasura/already-exists',
        'hasura/validation-failed',
        'hasura/parse-failed',
        'hasura/not-exists',
        'hasura/concurrent-update',
        'hasura/postgres-max-connections-error',
        'hasura/remote-schema-error',
        'hasura/unexpected',
        'hasura/jwt-expired',
        'hasura/jwt-audience',
        'hasura/admin-secret',
        'hasura/permission-check',
        'hasura/unique',
        'hasura/foreign-key',
        'hasura/not-null',
        'hasura/restrict',
        'hasura/not-in-role-schema',
      ],
    ],
    [
      'ion',
      ion,
      [
        'ion/deactivated',
        'ion/login-domain',
        'ion/etag',
        'ion/permission',
        'ion/read-only-org',
        'ion/read-only-schema',
        'ion/approval',
        'ion/scope',
        'ion/feature',
        'ion/cross-org',
        'ion/not-visible',
        'ion/not-found',
        'ion/domain-rule',
        'ion/rate-limit',
      ],
    ],
    [
      'restEnvelope',
      restEnvelope,
      [
        'rest/two-factor-required',
        'rest/sso-required',
        'rest/sso-invalid-value',
        'rest/authorization-too-short',
        'rest/authorization-scheme',
        'rest/authorization-invalid',
        'rest/required-header',
        'rest/invalid-value',
      ],
    ],
    [
      'shopify',
      shopify,
      [
        'shopify/throttled',
        'shopify/max-cost-exceeded',
        'shopify/access-denied',
        'shopify/shop-inactive',
        'shopify/402-423',
        'shopify/request-id',
      ],
    ],
  ])('%s', (_, profile, ids) => {
    expect(profile.rules.map((r) => r.id)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

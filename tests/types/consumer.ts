// A consumer's client factory, type-checked against the built .d.ts and each Apollo major's types.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client/core/index.js';
import {
  classifyError,
  createResilienceLink,
  ErrorClassifyLink,
  getClassifications,
  type Classification,
  type ClassificationRule,
} from 'apollo-link-resilience';

const rules: ClassificationRule[] = [
  { id: 'acme/maintenance', match: { code: 'MAINTENANCE' }, classify: { category: 'server', reason: 'maintenance' } },
];
const link: ApolloLink = createResilienceLink({
  classify: { rules },
  onEvent: (event) => console.log(event.type, event.operationName),
}).concat(new HttpLink({ uri: '/graphql' }));
export const client = new ApolloClient({ link, cache: new InMemoryCache() });
export const classify: ApolloLink = new ErrorClassifyLink({ rules });
const c: Classification = classifyError(new Error('x'));
export const category: 'network' | string = c.category;
export const list: Classification[] = getClassifications(undefined);
// @ts-expect-error: categories are a closed union
export const wrong: Classification['category'] = 'teapot';

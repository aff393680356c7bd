// A fresh CommonJS consumer of the built package (run by tests/package.test.ts in a temp project).
const { ApolloClient, ApolloLink, InMemoryCache, Observable, gql } = require('@apollo/client/core');
const { createResilienceLink, getClassifications, classifyError } = require('apollo-link-resilience');
const { ErrorClassifyLink } = require('apollo-link-resilience/classify');
const { ion } = require('apollo-link-resilience/profiles');

const terminating = new ApolloLink(
  () =>
    new Observable((o) => {
      o.next({
        data: { po: { id: '1', __typename: 'PO', rating: null } },
        errors: [{ message: 'Token is expired', path: ['po', 'rating'] }],
      });
      o.complete();
    }),
);
const link = createResilienceLink().concat(terminating);
const client = new ApolloClient({ link, cache: new InMemoryCache() });
(async () => {
  const result = await client.query({
    query: gql`
      query Q {
        po {
          id
          rating
        }
      }
    `,
    errorPolicy: 'all',
  });
  const error = result.error ?? { name: 'ApolloError', graphQLErrors: result.errors };
  console.log(
    JSON.stringify({
      sameApolloLink: link instanceof ApolloLink && new ErrorClassifyLink() instanceof ApolloLink,
      data: result.data,
      categories: getClassifications(error).map((c) => c.reason),
      direct: classifyError(
        { errors: [{ message: 'PartInventory quantity must be greater than 0.' }] },
        { profiles: [ion] },
      ).details,
    }),
  );
})();

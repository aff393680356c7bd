// Each profile is public data: its `name` is what an app logs or picks profiles by.
import * as profiles from '..';

test.each([
  ['graphqlCodes', profiles.graphqlCodes],
  ['restEnvelope', profiles.restEnvelope],
  ['apolloServer', profiles.apolloServer],
  ['hasura', profiles.hasura],
  ['appSync', profiles.appSync],
  ['shopify', profiles.shopify],
  ['github', profiles.github],
])('%s is named as it is exported', (name, profile) => {
  expect(profile.name).toBe(name);
  expect(profile.rules.length).toBeGreaterThan(0);
});

// A result with a huge `errors` list costs bounded time: ErrorClassifyLink classifies the first
// MAX_ERRORS (50), as classifyErrors and getClassifications do, and they agree on what it recorded.
import { ion } from '../../profiles';
import { annotateResult } from '../annotate';
import { MAX_ERRORS } from '../annotations';
import { classifyErrors } from '../classifyError';
import { getClassifications } from '../getClassifications';

const many = (n: number) => ({
  data: { a: 1 },
  errors: Array.from({ length: n }, (_, i) => ({
    message: `User does not have permission to perform READ on Files ${i}.`,
    extensions: { code: 'FORBIDDEN' },
  })),
});

test('100k errors with the ion profile: under a second, the first 50 classified', () => {
  const result = many(100_000);
  const start = performance.now();
  const { classifications } = annotateResult(result, { profiles: [ion] });
  expect(performance.now() - start).toBeLessThan(1000);
  expect(classifications).toHaveLength(MAX_ERRORS);
  expect(getClassifications(result)).toEqual(classifications);
  expect(classifyErrors(result)).toEqual(classifications);
  expect(classifications[49]!.details?.resource).toBe('Files 49');
});

test('errors that are not objects, beyond the bound: the result records the same bounded list', () => {
  const result = { data: null, errors: [...many(60).errors, 'boom'] as unknown[] };
  const { classifications } = annotateResult(result as never);
  expect(classifications).toHaveLength(MAX_ERRORS);
  expect(getClassifications(result)).toEqual(classifications);
});

// An explicit extensions.code decides (DESIGN §5 "Precedence") whatever the error's `message` is: missing,
// null, a number, an object. The same body reads the same as a 200 result and as an AC4 ServerError.
import { ac4ServerError } from '../../profiles/__tests__/shapes';
import { classifyError } from '../classifyError';
import { getClassifications } from '../getClassifications';

const MESSAGES: Array<[string, Record<string, unknown>]> = [
  ['missing', {}],
  ['undefined', { message: undefined }],
  ['null', { message: null }],
  ['42', { message: 42 }],
  ['{ text }', { message: { text: 'nope' } }],
];
const CODES: Array<[string, string, boolean]> = [
  ['UNAUTHENTICATED', 'unauthenticated', false],
  ['INTERNAL_SERVER_ERROR', 'server', true],
  ['FORBIDDEN', 'forbidden', false],
];

describe.each(CODES)('extensions.code %s', (code, category, retryable) => {
  test.each(MESSAGES)('message %s', (_name, message) => {
    const error = { ...message, extensions: { code } };
    const body = { data: null, errors: [error] };
    for (const input of [body, error, ac4ServerError(200, body)]) {
      const c = classifyError(input);
      expect(c).toMatchObject({ category, code, retryable });
      expect(typeof c.message).toBe('string');
      expect(c.message.length).toBeGreaterThan(0);
    }
    expect(getClassifications(body)[0]).toMatchObject({ category, code });
  });
});

test('without a code, an error whose message is not a string is still an unexpected shape', () => {
  expect(classifyError({ data: null, errors: [{ message: 42 }] })).toMatchObject({ category: 'bad-request' });
  expect(classifyError({ data: null, errors: [{ extensions: { code: 42 } }] })).toMatchObject({
    category: 'bad-request',
  });
});

// classifyError never throws (DESIGN §2): a getter that throws anywhere in what it reads makes that one
// fact absent, and the rest still decides. ErrorClassifyLink passes such a result or error on unchanged,
// data included.
import { ApolloLink, Observable } from '@apollo/client/core/index.js';
import { execute, flush } from '../../__testUtils__/harness';
import { classifyError, classifyErrors } from '../classifyError';
import { ErrorClassifyLink } from '../ErrorClassifyLink';
import { getClassifications } from '../getClassifications';

const boom = (): never => {
  throw new Error('boom');
};
/** `target` with a getter at `key` that throws. */
const throwingAt = <T extends object>(target: T, key: string): T =>
  Object.defineProperty(target, key, { get: boom, enumerable: true });
const revoked = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

describe('a throwing getter makes its fact absent, the rest still decides', () => {
  test.each<[string, unknown, string]>([
    ['extensions.field', { message: 'bad', extensions: throwingAt({ code: 'BAD_USER_INPUT' }, 'field') }, 'validation'],
    [
      'extensions.field, as a result',
      { data: null, errors: [{ message: 'bad', extensions: throwingAt({ code: 'BAD_USER_INPUT' }, 'field') }] },
      'validation',
    ],
    ['extensions.code', { message: 'Token has expired', extensions: throwingAt({}, 'code') }, 'unauthenticated'],
    [
      'extensions.retryAfterMs',
      { message: 'slow down', extensions: throwingAt({ code: 'RATE_LIMITED' }, 'retryAfterMs') },
      'rate-limited',
    ],
    ['extensions.http', { message: 'x', extensions: throwingAt({ code: 'FORBIDDEN' }, 'http') }, 'forbidden'],
    [
      "a result's extensions",
      throwingAt({ data: { a: 1 }, errors: [{ message: 'x', extensions: { code: 'NOT_FOUND' } }] }, 'extensions'),
      'not-found',
    ],
    [
      "a result's status",
      throwingAt({ data: { a: 1 }, errors: [{ message: 'x', extensions: { code: 'NOT_FOUND' } }] }, 'status'),
      'not-found',
    ],
    ['a revoked proxy as extensions', { message: 'x', extensions: revoked() }, 'unknown'],
    ['a revoked proxy as the error', { errors: [revoked()] }, 'bad-request'],
    ['a revoked proxy', revoked(), 'bad-request'],
  ])('%s', (_name, input, category) => {
    expect(() => classifyErrors(input)).not.toThrow();
    expect(() => getClassifications(input)).not.toThrow();
    expect(classifyError(input).category).toBe(category);
  });
});

describe('ErrorClassifyLink passes a hostile result or error on unchanged', () => {
  const emitting = (fn: (o: { next(v: unknown): void; error(e: unknown): void; complete(): void }) => void) =>
    new ApolloLink(() => new Observable((o: unknown) => fn(o as Parameters<typeof fn>[0])) as never);

  test.each<[string, () => Record<string, unknown>]>([
    [
      'a throwing extensions.field',
      () => ({
        data: { a: 1 },
        errors: [{ message: 'x', extensions: throwingAt({ code: 'BAD_USER_INPUT' }, 'field') }],
      }),
    ],
    ['a throwing result extensions', () => throwingAt({ data: { a: 1 }, errors: [{ message: 'x' }] }, 'extensions')],
    ['a throwing error entry', () => ({ data: { a: 1 }, errors: throwingAt([{ message: 'x' }], '0') })],
  ])('%s: same result, data kept, completes', async (_name, make) => {
    const sent = make();
    const out = execute(
      ApolloLink.from([
        new ErrorClassifyLink(),
        emitting((o) => {
          o.next(sent);
          o.complete();
        }),
      ]),
    );
    await flush();
    expect(out.error).toBeUndefined();
    expect(out.next).toHaveLength(1);
    expect(out.next[0]).toBe(sent);
    expect((out.next[0] as { data: unknown }).data).toEqual({ a: 1 });
    expect(out.complete).toBe(true);
  });

  test('a thrown error with a throwing getter reaches the app as the same error', async () => {
    const error = throwingAt(
      Object.assign(new Error('x'), { extensions: throwingAt({ code: 'FORBIDDEN' }, 'field') }),
      'cause',
    );
    const out = execute(ApolloLink.from([new ErrorClassifyLink(), emitting((o) => o.error(error))]));
    await flush();
    expect(out.error).toBe(error);
  });
});

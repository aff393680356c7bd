import { ApolloLink, Observable } from '@apollo/client/core/index.js';
import { execute, flush } from '../../__testUtils__/harness';
import { ErrorClassifyLink } from '../ErrorClassifyLink';
import { getClassifications } from '../getClassifications';
import { ion } from '../../profiles';

async function runLink(link: ApolloLink, terminating: ApolloLink) {
  const out = execute(ApolloLink.from([link, terminating]));
  await flush();
  return { out, sub: { unsubscribe: out.unsubscribe } };
}

const emitting = (
  fn: (o: { next(v: unknown): void; error(e: unknown): void; complete(): void }) => void | (() => void),
) => new ApolloLink(() => new Observable((o: unknown) => fn(o as Parameters<typeof fn>[0])) as never);

describe('ErrorClassifyLink', () => {
  test('passes the result, its data and its error objects on as they are; getClassifications reads them', async () => {
    const original = {
      message: 'Supplier service unavailable',
      path: ['po', 'supplier'],
      locations: [{ line: 1, column: 20 }],
      extensions: { code: 'INTERNAL_SERVER_ERROR', traceId: 't-1' },
    };
    const data = { po: { id: '1', supplier: null } };
    const sent = { data, errors: [original], extensions: { cost: 3 } };
    const before = JSON.stringify(sent);
    const { out } = await runLink(
      new ErrorClassifyLink(),
      emitting((o) => {
        o.next(sent);
        o.complete();
      }),
    );
    expect(out.complete).toBe(true);
    expect(out.next[0]).toBe(sent);
    expect(JSON.stringify(out.next[0])).toBe(before);
    expect(Object.keys(original.extensions)).toEqual(['code', 'traceId']);
    expect(getClassifications(out.next[0])[0]).toMatchObject({
      category: 'server',
      retryable: true,
      path: ['po', 'supplier'],
    });
    expect(getClassifications({ name: 'CombinedGraphQLErrors', errors: [original] })[0]).toMatchObject({
      category: 'server',
    });
  });

  test('profiles and remediations apply to what the link records', async () => {
    const link = new ErrorClassifyLink({
      profiles: [ion],
      remediations: {
        'forbidden/missing-permission': (c) =>
          `Bitte ${String(c.details?.action)} auf ${String(c.details?.resource)} freischalten lassen.`,
      },
    });
    const error = { message: 'User does not have permission to perform UPDATE on Purchase Order.' };
    const { out } = await runLink(
      link,
      emitting((o) => {
        o.next({ data: null, errors: [error] });
        o.complete();
      }),
    );
    expect(getClassifications(out.next[0])[0]).toMatchObject({
      reason: 'missing-permission',
      remediation: 'Bitte UPDATE auf Purchase Order freischalten lassen.',
    });
  });

  test('a result whose errors is not an array is passed on untouched, and still classified', async () => {
    const sent = { data: { po: { id: '1' } }, errors: 'boom' };
    const { out } = await runLink(
      new ErrorClassifyLink(),
      emitting((o) => {
        o.next(sent);
        o.complete();
      }),
    );
    expect(out.next[0]).toBe(sent);
    expect(sent.errors).toBe('boom');
    expect(getClassifications(out.next[0])[0]!.category).toBe('bad-request');
  });

  test('errors: [null] stays [null] (no invented message), and is classified', async () => {
    const sent = { data: null, errors: [null] };
    const { out } = await runLink(
      new ErrorClassifyLink(),
      emitting((o) => {
        o.next(sent);
        o.complete();
      }),
    );
    expect(out.next[0]).toEqual({ data: null, errors: [null] });
    expect(getClassifications(out.next[0])[0]!.category).toBe('bad-request');
  });

  test('network errors: the same error object, no enumerable field added', async () => {
    const error = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    const keys = Object.keys(error);
    const { out } = await runLink(
      new ErrorClassifyLink(),
      emitting((o) => o.error(error)),
    );
    expect(out.error).toBe(error);
    expect(Object.keys(error)).toEqual(keys);
    expect(JSON.stringify(error)).not.toContain('classification');
    expect(getClassifications(out.error)).toEqual([
      expect.objectContaining({ category: 'network', reason: 'connection-reset' }),
    ]);
  });

  test('a frozen error comes back as itself, classified through a side table', async () => {
    const error = Object.freeze(new Error('frozen'));
    const { out } = await runLink(
      new ErrorClassifyLink({
        rules: [{ id: 'frozen', match: { message: /^frozen$/ }, classify: { category: 'server', reason: 'frozen' } }],
      }),
      emitting((o) => o.error(error)),
    );
    expect(out.error).toBe(error);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'server', reason: 'frozen' });
  });

  test('AC3 order — result first, then the ServerError — passes both through annotated', async () => {
    const serverError = Object.assign(new Error('Response not successful: Received status code 409'), {
      name: 'ServerError',
      statusCode: 409,
      result: { data: { po: null }, errors: [{ message: 'Concurrent modification detected — etag mismatch.' }] },
    });
    const { out } = await runLink(
      new ErrorClassifyLink(),
      emitting((o) => {
        o.next(serverError.result);
        o.error(serverError);
      }),
    );
    expect(out.next).toHaveLength(1);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'conflict', status: 409 });
  });

  test('user rules run first', async () => {
    const link = new ErrorClassifyLink({
      rules: [
        {
          id: 'acme/locked',
          match: { message: /locked by/ },
          classify: {
            category: 'conflict',
            reason: 'record-locked',
            remediation: 'Someone is editing this record; try again when they are done.',
          },
        },
      ],
    });
    const { out } = await runLink(
      link,
      emitting((o) => {
        o.next({ data: null, errors: [{ message: 'PO locked by bob' }] });
        o.complete();
      }),
    );
    expect(getClassifications(out.next[0])[0]).toMatchObject({ reason: 'record-locked' });
  });

  test('unsubscribing tears down the inner subscription', async () => {
    const teardown = jest.fn();
    const { out, sub } = await runLink(
      new ErrorClassifyLink(),
      emitting(() => teardown),
    );
    sub.unsubscribe();
    expect(teardown).toHaveBeenCalledTimes(1);
    expect(out.next).toHaveLength(0);
  });

  test('getClassifications returns each classification once, for every error shape', async () => {
    const error = { message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    const { out } = await runLink(
      new ErrorClassifyLink(),
      emitting((o) => {
        o.next({ data: null, errors: [error, error] });
        o.complete();
      }),
    );
    expect(
      getClassifications({ name: 'CombinedGraphQLErrors', errors: (out.next[0] as { errors: unknown[] }).errors }),
    ).toHaveLength(1);
    expect(
      getClassifications({ name: 'ApolloError', graphQLErrors: [{ message: 'Token is expired' }], networkError: null }),
    ).toEqual([expect.objectContaining({ reason: 'token-expired' })]);
    expect(getClassifications(undefined)).toEqual([]);
  });

  test('a classification a server sends in extensions is not taken for ours', () => {
    const forged = {
      message: 'x',
      extensions: {
        code: 'FORBIDDEN',
        classification: {
          category: 'server',
          retryable: true,
          refreshable: false,
          remediation: 'Retry later please.',
          message: 'x',
        },
      },
    };
    expect(getClassifications({ errors: [forged] })[0]).toMatchObject({ category: 'forbidden', retryable: false });
  });
});

import { ApolloLink, Observable } from '@apollo/client/core/index.js';
import { execute, flush } from '../../__testUtils__/harness';
import { ErrorClassifyLink } from '../ErrorClassifyLink';
import { getClassifications } from '../getClassifications';
import type { Classification } from '../types';


async function runLink(link: ApolloLink, terminating: ApolloLink) {
  const out = execute(ApolloLink.from([link, terminating]));
  await flush();
  return { out, sub: { unsubscribe: out.unsubscribe } };
}

const emitting = (fn: (o: { next(v: unknown): void; error(e: unknown): void; complete(): void }) => void | (() => void)) =>
  new ApolloLink(() => new Observable((o: unknown) => fn(o as Parameters<typeof fn>[0])) as never);

describe('ErrorClassifyLink', () => {
  test('keeps data and every field of each error, and adds extensions.classification', async () => {
    const original = { message: 'Supplier service unavailable', path: ['po', 'supplier'], locations: [{ line: 1, column: 20 }], extensions: { code: 'INTERNAL_SERVER_ERROR', traceId: 't-1' } };
    const data = { po: { id: '1', supplier: null } };
    const { out } = await runLink(new ErrorClassifyLink(), emitting((o) => { o.next({ data, errors: [original], extensions: { cost: 3 } }); o.complete(); }));
    expect(out.complete).toBe(true);
    const result = out.next[0] as { data: unknown; errors: Array<typeof original & { extensions: { classification: Classification } }>; extensions: unknown };
    expect(result.data).toBe(data);
    expect(result.extensions).toEqual({ cost: 3 });
    expect(result.errors[0]).toMatchObject({ message: original.message, path: original.path, locations: original.locations, extensions: { code: 'INTERNAL_SERVER_ERROR', traceId: 't-1' } });
    expect(result.errors[0]!.extensions.classification).toMatchObject({ category: 'server', retryable: true, path: ['po', 'supplier'] });
    expect(original.extensions).not.toHaveProperty('classification');
  });

  test('a result whose errors is not an array keeps its data and gets a classified error', async () => {
    const { out } = await runLink(new ErrorClassifyLink(), emitting((o) => { o.next({ data: { po: { id: '1' } }, errors: 'boom' }); o.complete(); }));
    const result = out.next[0] as { data: unknown; errors: Array<{ extensions: { classification: Classification } }> };
    expect(result.data).toEqual({ po: { id: '1' } });
    expect(result.errors[0]!.extensions.classification.category).toBe('bad-request');
  });

  test('network errors get a classification property on the same error object', async () => {
    const error = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    const { out } = await runLink(new ErrorClassifyLink(), emitting((o) => o.error(error)));
    expect(out.error).toBe(error);
    expect((error as unknown as { classification: Classification }).classification).toMatchObject({ category: 'network', reason: 'connection-reset' });
    expect(getClassifications(out.error)).toHaveLength(1);
  });

  test('a frozen error is wrapped, with the original as cause', async () => {
    const error = Object.freeze(new Error('frozen'));
    const { out } = await runLink(new ErrorClassifyLink(), emitting((o) => o.error(error)));
    expect((out.error as { cause: unknown }).cause).toBe(error);
    expect(getClassifications(out.error)[0]!.category).toBe('unknown');
  });

  test('AC3 order — result first, then the ServerError — passes both through annotated', async () => {
    const serverError = Object.assign(new Error('Response not successful: Received status code 409'), { name: 'ServerError', statusCode: 409, result: { data: { po: null }, errors: [{ message: 'Concurrent modification detected — etag mismatch.' }] } });
    const { out } = await runLink(new ErrorClassifyLink(), emitting((o) => { o.next(serverError.result); o.error(serverError); }));
    expect(out.next).toHaveLength(1);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'conflict', status: 409 });
  });

  test('user rules run first', async () => {
    const link = new ErrorClassifyLink({ rules: [{ id: 'acme/locked', match: { message: /locked by/ }, classify: { category: 'conflict', reason: 'record-locked', remediation: 'Someone is editing this record; try again when they are done.' } }] });
    const { out } = await runLink(link, emitting((o) => { o.next({ data: null, errors: [{ message: 'PO locked by bob' }] }); o.complete(); }));
    expect(getClassifications(out.next[0])[0]).toMatchObject({ reason: 'record-locked' });
  });

  test('unsubscribing tears down the inner subscription', async () => {
    const teardown = jest.fn();
    const { out, sub } = await runLink(new ErrorClassifyLink(), emitting(() => teardown));
    sub.unsubscribe();
    expect(teardown).toHaveBeenCalledTimes(1);
    expect(out.next).toHaveLength(0);
  });

  test('getClassifications returns each classification once, for every error shape', async () => {
    const annotated = { message: 'x', extensions: { classification: { category: 'server', retryable: true, refreshable: false, remediation: 'Retry later please.', message: 'x' } } };
    expect(getClassifications({ name: 'CombinedGraphQLErrors', errors: [annotated, annotated] })).toHaveLength(1);
    expect(getClassifications({ name: 'ApolloError', graphQLErrors: [{ message: 'Token is expired' }], networkError: null })).toEqual([expect.objectContaining({ reason: 'token-expired' })]);
    expect(getClassifications(undefined)).toEqual([]);
  });
});

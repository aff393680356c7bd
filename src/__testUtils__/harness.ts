// Test-only helpers for driving a link with a scripted terminating link, on AC3 and AC4.
import { ApolloLink, Observable } from '@apollo/client/core/index.js';
import type { DocumentNode } from 'graphql';
import { parse } from 'graphql';

export const QUERY = parse('query Q($id: ID) { po(id: $id) { id supplier } }');
export const MUTATION = parse('mutation M($id: ID) { updatePo(id: $id) { id } }');

export interface Observed {
  next: unknown[];
  error?: unknown;
  complete: boolean;
  /** Resolves when the stream errors or completes. */
  done: Promise<void>;
  unsubscribe(): void;
}

type Sink = { next(v: unknown): void; error(e: unknown): void; complete(): void };

/** A terminating link whose behaviour per request is scripted; records every request. */
export function scripted(
  handler: (
    sink: Sink,
    attempt: number,
    operation: { getContext(): Record<string, unknown>; variables: Record<string, unknown>; operationName?: string },
  ) => void | (() => void),
) {
  const requests: Array<{ context: Record<string, unknown>; variables: Record<string, unknown> }> = [];
  const teardowns = { count: 0 };
  const link = new ApolloLink(
    (operation) =>
      new Observable((sink: Sink) => {
        requests.push({
          context: { ...(operation.getContext() as Record<string, unknown>) },
          variables: { ...operation.variables },
        });
        const cleanup = handler(sink, requests.length, operation as never);
        return () => {
          teardowns.count += 1;
          if (typeof cleanup === 'function') cleanup();
        };
      }) as never,
  );
  return { link, requests, teardowns };
}

/** Runs `link` like a client would: AC4 gets `client`, AC3 gets the cache in the context. */
export function execute(
  link: ApolloLink,
  request: {
    query?: DocumentNode;
    variables?: Record<string, unknown>;
    context?: Record<string, unknown>;
    operationName?: string;
  } = {},
  client: object = {},
): Observed {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const observed: Observed = { next: [], complete: false, done, unsubscribe: () => undefined };
  const observable = ApolloLink.execute(
    link,
    {
      query: request.query ?? QUERY,
      variables: request.variables ?? {},
      context: {
        ...((client as { cache?: unknown }).cache ? { cache: (client as { cache?: unknown }).cache } : {}),
        ...request.context,
      },
    } as never,
    { client } as never,
  ) as unknown as { subscribe(o: Sink): { unsubscribe(): void } };
  const sub = observable.subscribe({
    next: (v) => observed.next.push(v),
    error: (e) => {
      observed.error = e;
      resolve();
    },
    complete: () => {
      observed.complete = true;
      resolve();
    },
  });
  observed.unsubscribe = () => sub.unsubscribe();
  return observed;
}

/** Lets AC3's asynchronous Observable delivery run (works with real and fake timers). */
export async function flush(times = 3): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve();
  if (jest.isMockFunction(setTimeout) || (setTimeout as unknown as { clock?: unknown }).clock)
    await jest.advanceTimersByTimeAsync(0);
  else await new Promise((r) => setTimeout(r, 0));
}

/** Fake timers for every test of the file, and the teardown check: no timer may survive a test. */
export function useFakeTimersAndCheckTeardown(): void {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    expect(jest.getTimerCount()).toBe(0);
    jest.useRealTimers();
  });
}

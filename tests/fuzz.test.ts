// A fixed-seed slice of the fuzz campaign (the full 10,000 cases run in `npm run soak`).
import fc from 'fast-check';
import { anythingWithTokens, classifyAnything, runThroughChain, serverAnswer } from './fuzz/serverAnswers';
import { APOLLO_MAJOR } from './helpers';

const describeAc4 = APOLLO_MAJOR === 4 ? describe : describe.skip;

describe('fuzz: classifyError on anything', () => {
  test('never throws, always classifies, never leaks a token (1,000 cases, seed 42)', () => {
    fc.assert(
      fc.property(anythingWithTokens, (value) => {
        const { ok, leak } = classifyAnything(value);
        return ok && !leak;
      }),
      { seed: 42, numRuns: 1000 },
    );
  });
});

describeAc4('fuzz: generated server answers through the full chain and a real HttpLink', () => {
  let unhandled = 0;
  const onUnhandled = () => {
    unhandled++;
  };
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));

  test('every case ends in exactly one terminal event, classified, with no token leak (200 cases, seed 7)', async () => {
    await fc.assert(
      fc.asyncProperty(
        serverAnswer,
        fc.constantFrom('query', 'mutation') as fc.Arbitrary<'query' | 'mutation'>,
        async (answer, kind) => {
          const o = await runThroughChain(answer, kind);
          if (o.threw) throw new Error(`threw: ${o.threw}`);
          if (o.hung) throw new Error('hung');
          if (o.terminalEvents !== 1) throw new Error(`${o.terminalEvents} terminal events`);
          if (o.unclassified > 0) throw new Error(`${o.unclassified} unclassified errors`);
          if (o.leaks.length > 0) throw new Error(`leaked ${o.leaks.join(', ')}`);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
    expect(unhandled).toBe(0);
  }, 120_000);
});

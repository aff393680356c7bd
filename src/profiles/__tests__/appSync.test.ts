// AWS AppSync: `errorType` is a top-level field of each error (not in extensions).
import { classifyError } from '../../classify/classifyError';
import { appSync, ion } from '..';
import { MISLEADING, expectClassified, shapes200, shapesHttp, type Expect } from './shapes';

const typed = (errorType: string, message: string, data: unknown = null) => ({
  data: { updatePost: null },
  errors: [
    {
      path: ['updatePost'],
      data,
      errorType,
      errorInfo: null,
      locations: [{ line: 2, column: 3, sourceName: null }],
      message,
    },
  ],
});

const ROWS: Array<[string, string, Expect]> = [
  [
    'Unauthorized',
    'Not Authorized to access updatePost on type Mutation',
    {
      category: 'forbidden',
      reason: 'missing-permission',
      refreshable: false,
      details: { field: 'updatePost', resource: 'Mutation' },
    },
  ],
  [
    'DynamoDB:ConditionalCheckFailedException',
    'The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: ABC)',
    { category: 'conflict', reason: 'precondition-failed', retryable: false },
  ],
  [
    'ConditionalCheckFailedException',
    'The conditional request failed',
    { category: 'conflict', reason: 'precondition-failed' },
  ],
  ['ConflictUnhandled', 'Conflict resolver rejects mutation.', { category: 'conflict', reason: 'edit-conflict' }],
  [
    'DynamoDB:ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded.',
    { category: 'rate-limited', retryable: true },
  ],
  [
    'DynamoDB:ThrottlingException',
    'Rate of requests exceeds the allowed throughput.',
    { category: 'rate-limited', retryable: true },
  ],
  ['Lambda:TooManyRequestsException', 'Rate Exceeded.', { category: 'rate-limited', retryable: true }],
  ['Lambda:Unhandled', 'Order 42 not found', { category: 'server', reason: 'resolver-error', retryable: true }],
  [
    'Lambda:IllegalArgument',
    'Payload size exceeded',
    { category: 'server', reason: 'resolver-error', retryable: false },
  ],
  [
    'MappingTemplate',
    "Value for field '$[operation]' not found.",
    { category: 'server', reason: 'resolver-error', retryable: false },
  ],
  ['ExecutionTimeout', 'Execution timed out.', { category: 'server', reason: 'gateway-timeout', retryable: true }],
];

describe('appSync profile', () => {
  describe.each(ROWS)('errorType %s: "%s"', (errorType, message, expected) => {
    test.each(shapes200(typed(errorType, message)))('%s', (_shape, input, extra) => {
      expectClassified(input, [appSync], { code: errorType, message, ...expected }, extra);
    });
  });

  test('a conditional check failure keeps the current item AppSync returns in `data`', () => {
    const current = { id: '1', version: 7, title: 'Theirs' };
    expectClassified(
      typed('DynamoDB:ConditionalCheckFailedException', 'The conditional request failed', current),
      [appSync],
      { category: 'conflict', details: { current } },
    );
  });

  describe('401 UnauthorizedException from the authorization mode (AC4 and AC3 ServerError)', () => {
    const rows: Array<[string, Expect]> = [
      ['You are not authorized to make this call.', { reason: 'invalid-token', refreshable: true }],
      ['Token has expired.', { reason: 'token-expired', refreshable: true }],
      ['Valid authorization header not provided.', { reason: 'missing-credentials', refreshable: true }],
    ];
    test.each(rows)('"%s"', (message, expected) => {
      for (const [, input] of shapesHttp(401, { errors: [{ errorType: 'UnauthorizedException', message }] })) {
        expectClassified(input, [appSync], {
          category: 'unauthenticated',
          status: 401,
          code: 'UnauthorizedException',
          retryable: false,
          ...expected,
        });
      }
    });
  });

  test('400 BadRequestException / MalformedHttpRequestException are bad requests', () => {
    for (const errorType of ['BadRequestException', 'MalformedHttpRequestException']) {
      for (const [, input] of shapesHttp(400, { errors: [{ errorType, message: 'Unable to parse GraphQL query.' }] }))
        expectClassified(input, [appSync], { category: 'bad-request', retryable: false });
    }
  });

  test('schema validation messages decide alone in a 200 without an errorType', () => {
    expectClassified(
      {
        data: null,
        errors: [
          {
            message:
              "Validation error of type FieldUndefined: Field 'nmae' in type 'Post' is undefined @ 'getPost/nmae'",
          },
        ],
      },
      [appSync],
      { category: 'bad-request', reason: 'invalid-operation' },
    );
  });

  test('a custom errorType the profile does not know is left to the core and other profiles', () => {
    expect(classifyError(typed('MyApp:QuotaExceeded', 'Quota exceeded'), { profiles: [appSync] }).category).toBe(
      'unknown',
    );
  });

  // Each errorType row with its semantic status (a 200 carries none of its own).
  const STATUSES: Array<[string, string, Expect]> = [
    [
      'UnauthorizedException',
      'You are not authorized to make this call.',
      { category: 'unauthenticated', status: 401 },
    ],
    [
      'Unauthorized',
      'Not Authorized to access updatePost on type Mutation',
      { category: 'forbidden', reason: 'missing-permission', status: 403 },
    ],
    ['ConditionalCheckFailedException', 'The conditional request failed', { category: 'conflict', status: 409 }],
    [
      'ConflictUnhandled',
      'Conflict resolver rejects mutation.',
      { category: 'conflict', reason: 'edit-conflict', status: 409 },
    ],
    [
      'DynamoDB:RequestLimitExceeded',
      'Throughput exceeds the current throughput limit for your account.',
      { category: 'rate-limited', reason: 'rate-limited', status: 429, retryable: true },
    ],
    ['DynamoDB:ThrottlingException', 'Rate exceeded', { category: 'rate-limited', status: 429 }],
    [
      'ExecutionTimeout',
      'Execution timed out.',
      { category: 'server', reason: 'gateway-timeout', status: 504, retryable: true },
    ],
    [
      'Lambda:Unhandled',
      'Cannot read properties of undefined',
      { category: 'server', reason: 'resolver-error', status: 500 },
    ],
    [
      'Lambda:IllegalArgument',
      'Payload size exceeded',
      { category: 'server', reason: 'resolver-error', status: 500, retryable: false },
    ],
    [
      'MappingTemplate',
      'Unable to convert ${ctx.args} to Object.',
      { category: 'server', reason: 'resolver-error', status: 500, retryable: false },
    ],
    [
      'BadRequestException',
      'Unable to parse GraphQL query.',
      { category: 'bad-request', reason: 'malformed-request', status: 400, retryable: false },
    ],
    [
      'MalformedHttpRequestException',
      'Request body is malformed.',
      { category: 'bad-request', reason: 'malformed-request', status: 400 },
    ],
  ];
  test.each(STATUSES)('errorType %s: "%s" has its semantic status', (errorType, message, expected) => {
    for (const [, input, extra] of shapes200(typed(errorType, message)))
      expectClassified(input, [appSync], { code: errorType, ...expected }, extra);
  });

  test('"Not Authorized" in other words names no field; the type matches case-insensitively', () => {
    const plain = classifyError(typed('Unauthorized', 'Permission denied'), { profiles: [appSync] });
    expect(plain).toMatchObject({ category: 'forbidden', reason: 'missing-permission' });
    expect(plain.details).toBeUndefined();
    expect(
      classifyError(typed('Unauthorized', 'not authorized to access getPost on type Query'), { profiles: [appSync] })
        .details,
    ).toEqual({ field: 'getPost', resource: 'Query' });
  });

  test.each<[string, unknown]>([
    ['data: null', null],
    ['data a string, not an item', 'stale'],
    ['data a number', 3],
  ])('a conditional check failure without the current item (%s) has no details', (_, data) => {
    const c = classifyError(typed('DynamoDB:ConditionalCheckFailedException', 'The conditional request failed', data), {
      profiles: [appSync],
    });
    expect(c).toMatchObject({ category: 'conflict', reason: 'precondition-failed' });
    expect(c.details).toBeUndefined();
  });

  test.each([
    'MyUnauthorized',
    'UnauthorizedExceptionX',
    'Lambda:UnhandledPromise',
    'NoExecutionTimeout',
    'MyConditionalCheckFailedException',
    'ConflictUnhandledError',
    'MappingTemplateX',
    'BadRequestExceptions',
    'XBadRequestException',
    'ThrottlingExceptionHandler',
    'MyUnauthorizedException',
    'ConditionalCheckFailedExceptionX',
    'MyConflictUnhandled',
    'ExecutionTimeoutX',
    'MyApp:Lambda:Unhandled',
    'MyMappingTemplate',
  ])('errorType only as a whole name: %s is a custom type, left to the core', (errorType) => {
    expect(classifyError(typed(errorType, 'Custom failure'), { profiles: [appSync] }).category).toBe('unknown');
  });

  test('an errorType that is not a string is no errorType', () => {
    const c = classifyError(
      { data: null, errors: [{ message: 'Custom failure', errorType: ['Unauthorized'] }] },
      { profiles: [appSync] },
    );
    expect(c.category).toBe('unknown');
  });

  test('errorType in extensions (a subscription or a proxy that moves it) works too', () => {
    for (const [, input, extra] of shapes200({
      data: null,
      errors: [
        {
          message: 'Not Authorized to access onCreatePost on type Subscription',
          extensions: { errorType: 'Unauthorized' },
        },
      ],
    }))
      expectClassified(input, [appSync], { category: 'forbidden', code: 'Unauthorized', status: 403 }, extra);
  });

  test('"Valid authorization header not provided" decides alone in a 200 and refines a 401, never overrules a 403', () => {
    for (const message of ['Valid authorization header not provided.', 'valid authorization header not provided'])
      expectClassified({ data: null, errors: [{ message }] }, [appSync], {
        category: 'unauthenticated',
        reason: 'missing-credentials',
        status: 401,
        refreshable: true,
      });
    for (const [, input] of shapesHttp(403, { errors: [{ message: 'Valid authorization header not provided.' }] }))
      expectClassified(input, [appSync], { category: 'forbidden', status: 403, refreshable: false });
  });

  test('schema validation messages only refine: an explicit 500 stays a server error', () => {
    const message = "Validation error of type FieldUndefined: Field 'nmae' in type 'Post' is undefined";
    for (const [, input] of shapesHttp(500, { errors: [{ message }] }))
      expectClassified(input, [appSync], { category: 'server', status: 500, retryable: true });
    expectClassified({ data: null, errors: [{ message }] }, [appSync], {
      category: 'bad-request',
      reason: 'invalid-operation',
      status: 400,
    });
    expect(
      classifyError({ data: null, errors: [{ message: `Error: ${message}` }] }, { profiles: [appSync] }).category,
    ).toBe('unknown');
  });

  const TYPES: Array<[string, string]> = [
    ['UnauthorizedException', 'unauthenticated'],
    ['Unauthorized', 'forbidden'],
    ['DynamoDB:ConditionalCheckFailedException', 'conflict'],
    ['Lambda:Unhandled', 'server'],
    ['DynamoDB:ProvisionedThroughputExceededException', 'rate-limited'],
  ];
  describe.each(TYPES)('errorType %s decides %s whatever the message says', (errorType, category) => {
    test.each(MISLEADING)('"%s"', (message) => {
      for (const profiles of [[appSync], [appSync, ion], [ion, appSync]]) {
        for (const [, input, extra] of shapes200(typed(errorType, message))) {
          const c = classifyError(input, { profiles, ...extra });
          expect(c.category).toBe(category);
          expect(c.code).toBe(errorType);
        }
      }
    });
  });
});

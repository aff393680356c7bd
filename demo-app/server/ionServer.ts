// An ION-like reference server: HTTP + GraphQL (graphql-http), JWT-shaped tokens with `exp`,
// an auth layer that answers 401/403 with ION's messages before GraphQL runs, an OAuth
// client_credentials token endpoint, `_etag` optimistic concurrency, validation, Idempotency-Key,
// and a fault-injection API. Used by the demo, the integration tests, the benchmarks and the soak.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GraphQLError, buildSchema, type GraphQLSchema } from 'graphql';
import { createHandler } from 'graphql-http';
import { issueToken, verifyToken, type TokenClaims, type Verification } from './tokens';

export interface PurchaseOrder {
  id: string;
  number: string;
  supplier: string;
  status: 'OPEN' | 'APPROVED' | 'RECEIVED' | 'CLOSED';
  notes: string;
  quantity: number;
  counter: number;
  version: number;
  _etag: string;
  _deleted: boolean;
  updatedBy: string;
  updatedAtMs: number;
}

export interface Part {
  id: string;
  partNumber: string;
  description: string;
  quantity: number;
  version: number;
  _etag: string;
  _deleted: boolean;
}

/** One injected fault. `count` is how many matching requests it hits (`-1`: until cleared). */
export type FaultSpec =
  | {
      kind: 'status';
      status: number;
      count?: number;
      probability?: number;
      operationName?: string;
      retryAfter?: string;
      body?: 'html' | 'json' | 'text' | 'empty' | 'truncated-json';
      message?: string;
    }
  | { kind: 'drop'; count?: number; probability?: number; operationName?: string; phase?: 'before' | 'after' }
  | { kind: 'slow'; delayMs: number; count?: number; probability?: number; operationName?: string }
  | {
      kind: 'partial';
      field?: 'supplierRating' | 'leadTimeDays';
      count?: number;
      probability?: number;
      operationName?: string;
      message?: string;
    }
  | { kind: 'expire-tokens' }
  | {
      kind: 'edit';
      id: string;
      changes: Partial<Pick<PurchaseOrder, 'notes' | 'quantity' | 'status' | 'supplier' | 'counter'>>;
      by?: string;
    }
  | { kind: 'deactivate-user'; sub: string }
  | { kind: 'read-only-org'; org: string; on?: boolean };

interface ActiveFault {
  spec: Exclude<
    FaultSpec,
    { kind: 'expire-tokens' } | { kind: 'edit' } | { kind: 'deactivate-user' } | { kind: 'read-only-org' }
  >;
  remaining: number;
}

export interface IonServerOptions {
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** Loopback only. @defaultValue '127.0.0.1' */
  host?: string;
  /** Lifetime of issued access tokens. @defaultValue 300000 */
  tokenTtlMs?: number;
  /** Delay of the token endpoint (a real IdP is not instant). @defaultValue 0 */
  tokenLatencyMs?: number;
  /** 'http': 404/409/422/403 from resolvers become the HTTP status; 'always-200': GraphQL errors in a 200. @defaultValue 'http' */
  errorStatus?: 'http' | 'always-200';
  /** The server closes itself after this long, so a forgotten server never outlives its test. @defaultValue 600000 */
  maxLifetimeMs?: number;
  /** Purchase orders to seed. @defaultValue 20 */
  purchaseOrders?: number;
  /** Static files to serve at `/` (the built demo app). @defaultValue none */
  staticDir?: string;
}

export interface IonServerStats {
  requests: number;
  graphqlRequests: number;
  tokenRequests: number;
  authFailures: number;
  faultsInjected: number;
  abortedByClient: number;
  byOperation: Record<string, number>;
  byStatus: Record<string, number>;
  appliedMutations: number;
  /** How many times each Idempotency-Key was applied (a value above 1 is a duplicate apply). */
  appliedByKey: Record<string, number>;
  idempotentReplays: number;
  /** How many requests carried each Idempotency-Key (the first and every repeat, replayed or not). */
  requestsByKey: Record<string, number>;
}

const typeDefs = /* GraphQL */ `
  enum PurchaseOrderStatus {
    OPEN
    APPROVED
    RECEIVED
    CLOSED
  }
  type PurchaseOrder {
    id: ID!
    number: String!
    supplier: String!
    status: PurchaseOrderStatus!
    notes: String!
    quantity: Int!
    counter: Int!
    _etag: String!
    _deleted: Boolean!
    updatedBy: String!
    updatedAt: String!
    supplierRating: Float
    leadTimeDays: Int
  }
  type Part {
    id: ID!
    partNumber: String!
    description: String!
    quantity: Int!
    _etag: String!
    _deleted: Boolean!
  }
  type Me {
    sub: String!
    org: String!
  }
  type Query {
    purchaseOrder(id: ID!): PurchaseOrder
    purchaseOrders: [PurchaseOrder!]!
    part(id: ID!): Part
    parts: [Part!]!
    me: Me!
  }
  input UpdatePurchaseOrderInput {
    id: ID!
    _etag: String!
    supplier: String
    status: PurchaseOrderStatus
    notes: String
    quantity: Int
    counter: Int
  }
  input UpdatePartInventoryInput {
    id: ID!
    _etag: String!
    quantity: Int!
  }
  type Mutation {
    updatePurchaseOrder(input: UpdatePurchaseOrderInput!): PurchaseOrder!
    updatePartInventory(input: UpdatePartInventoryInput!): Part!
  }
`;

const CLIENTS: Record<string, { secret: string; sub: string; org: string }> = {
  'demo-client': { secret: 'demo-secret', sub: 'desk@acme.test', org: 'acme' },
  'alice-client': { secret: 'alice-secret', sub: 'alice@acme.test', org: 'acme' },
};

const SUPPLIERS = ['Acme Metals', 'Borealis Composites', 'Cobalt Fasteners', 'Delta Avionics', 'Evergreen Plastics'];

function etagOf(id: string, version: number): string {
  return createHash('sha1').update(`${id}:${version}`).digest('hex').slice(0, 12);
}

interface RequestContext {
  [key: PropertyKey]: unknown;
  claims: TokenClaims;
  /** Set by a resolver that changed data: this request's response may be stored under its key. */
  applied?: boolean;
  partialFields: Set<string>;
  partialMessage?: string;
}

function fail(message: string, status: number, code?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { ...(code ? { code } : {}), http: { status } } });
}

export class IonServer {
  readonly stats: IonServerStats = IonServer.emptyStats();
  purchaseOrders = new Map<string, PurchaseOrder>();
  /** Every mutation the server applied, in order (counter value, who, which Idempotency-Key). */
  history: Array<{ id: string; counter: number; by: string; key: string | undefined }> = [];
  parts = new Map<string, Part>();
  url = '';
  graphqlUrl = '';
  tokenUrl = '';
  port = 0;

  private readonly secret = randomUUID();
  private readonly knownKids = new Set(['ion-key-1']);
  private tokenGeneration = 1;
  private faults: ActiveFault[] = [];
  /** Faults whose effect a page cannot see for itself (a connection dropped after the mutation was applied). */
  private firedFaults: Array<{
    at: number;
    kind: 'drop';
    phase: 'after';
    operationName: string | undefined;
    idempotencyKey: string | undefined;
    applied: boolean;
  }> = [];
  private deactivated = new Set<string>();
  private readOnlyOrgs = new Set<string>();
  private idempotency = new Map<string, { hash: string; status: number; body: string; contentType: string }>();
  /** Keys whose first request is still being processed: a repeat waits for it, never runs beside it. */
  private inflightKeys = new Map<string, Promise<void>>();
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((req, res) => void this.route(req, res));
  private readonly schema: GraphQLSchema;
  private readonly handler;
  private lifetimeTimer: NodeJS.Timeout | undefined;
  readonly options: Required<Omit<IonServerOptions, 'staticDir'>> & { staticDir?: string };

  constructor(options: IonServerOptions = {}) {
    this.options = {
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      tokenTtlMs: options.tokenTtlMs ?? 300_000,
      tokenLatencyMs: options.tokenLatencyMs ?? 0,
      errorStatus: options.errorStatus ?? 'http',
      maxLifetimeMs: options.maxLifetimeMs ?? 600_000,
      purchaseOrders: options.purchaseOrders ?? 20,
      staticDir: options.staticDir,
    };
    this.schema = buildSchema(typeDefs);
    this.attachResolvers();
    this.handler = createHandler<IncomingMessage, RequestContext, RequestContext>({
      schema: this.schema,
      context: (req) => req.context,
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.reset();
  }

  static emptyStats(): IonServerStats {
    return {
      requests: 0,
      graphqlRequests: 0,
      tokenRequests: 0,
      authFailures: 0,
      faultsInjected: 0,
      abortedByClient: 0,
      byOperation: {},
      byStatus: {},
      appliedMutations: 0,
      appliedByKey: {},
      idempotentReplays: 0,
      requestsByKey: {},
    };
  }

  /** Fresh data, no faults, zeroed stats. */
  reset(): void {
    this.purchaseOrders.clear();
    this.parts.clear();
    for (let i = 1; i <= this.options.purchaseOrders; i++) {
      const id = String(i);
      this.purchaseOrders.set(id, {
        id,
        number: `PO-${String(1000 + i)}`,
        supplier: SUPPLIERS[i % SUPPLIERS.length]!,
        status: 'OPEN',
        notes: '',
        quantity: 10 * i,
        counter: 0,
        version: 1,
        _etag: etagOf(id, 1),
        _deleted: false,
        updatedBy: 'system',
        updatedAtMs: Date.now(),
      });
      this.parts.set(id, {
        id,
        partNumber: `P-${String(500 + i)}`,
        description: `Bracket type ${i}`,
        quantity: 100 + i,
        version: 1,
        _etag: etagOf(`part-${id}`, 1),
        _deleted: false,
      });
    }
    this.faults = [];
    this.firedFaults = [];
    this.deactivated.clear();
    this.readOnlyOrgs.clear();
    this.idempotency.clear();
    this.history = [];
    Object.assign(this.stats, IonServer.emptyStats());
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.port = address.port;
    this.url = `http://${this.options.host}:${address.port}`;
    this.graphqlUrl = `${this.url}/graphql`;
    this.tokenUrl = `${this.url}/oauth/token`;
    if (Number.isFinite(this.options.maxLifetimeMs)) {
      this.lifetimeTimer = setTimeout(() => void this.close(), this.options.maxLifetimeMs);
      this.lifetimeTimer.unref();
    }
    return this;
  }

  async close(): Promise<void> {
    if (this.lifetimeTimer) clearTimeout(this.lifetimeTimer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A valid access token for a user (tests, the demo's login). */
  issueToken(options: { sub?: string; org?: string; ttlMs?: number; scope?: string; kid?: string } = {}): string {
    return issueToken(this.secret, {
      sub: options.sub ?? 'desk@acme.test',
      org: options.org ?? 'acme',
      ttlMs: options.ttlMs ?? this.options.tokenTtlMs,
      gen: this.tokenGeneration,
      scope: options.scope,
      kid: options.kid,
    });
  }

  /**
   * The auth layer's verdict on an `Authorization` value, exactly as `/graphql` checks it (signature,
   * key, `exp`, the `expire-tokens` generation, deactivated users): for a WebSocket server beside this one.
   */
  verifyAuthorization(authorization: string | undefined): Verification {
    const verification = verifyToken(authorization, this.secret, this.knownKids, Date.now(), this.tokenGeneration);
    if (verification.ok && this.deactivated.has(verification.claims.sub))
      return { ok: false, status: 401, message: `User ${verification.claims.sub} is deactivated` };
    return verification;
  }

  /** Applies a fault now (actions) or queues it for the next matching requests. */
  inject(spec: FaultSpec): void {
    switch (spec.kind) {
      case 'expire-tokens':
        this.tokenGeneration += 1;
        return;
      case 'edit':
        this.applyEdit(spec.id, spec.changes, spec.by ?? 'alice@acme.test');
        return;
      case 'deactivate-user':
        this.deactivated.add(spec.sub);
        return;
      case 'read-only-org':
        if (spec.on === false) this.readOnlyOrgs.delete(spec.org);
        else this.readOnlyOrgs.add(spec.org);
        return;
      default:
        this.faults.push({ spec, remaining: spec.count === undefined ? 1 : spec.count < 0 ? Infinity : spec.count });
    }
  }

  clearFaults(): void {
    this.faults = [];
  }

  applyEdit(id: string, changes: Partial<PurchaseOrder>, by: string): PurchaseOrder {
    const po = this.purchaseOrders.get(id);
    if (!po || po._deleted) throw fail(`PurchaseOrder ${id} not found`, 404);
    const allowed: Array<keyof PurchaseOrder> = ['supplier', 'status', 'notes', 'quantity', 'counter'];
    for (const key of allowed)
      if (changes[key] !== undefined && changes[key] !== null)
        (po as unknown as Record<string, unknown>)[key] = changes[key];
    po.version += 1;
    po._etag = etagOf(id, po.version);
    po.updatedBy = by;
    po.updatedAtMs = Date.now();
    return po;
  }

  private attachResolvers(): void {
    const query = this.schema.getQueryType()!.getFields();
    const mutation = this.schema.getMutationType()!.getFields();
    const poType = this.schema.getType('PurchaseOrder') as import('graphql').GraphQLObjectType;
    const poFields = poType.getFields();

    const visiblePo = (id: string) => {
      const po = this.purchaseOrders.get(id);
      return po && !po._deleted ? po : null;
    };
    query.purchaseOrder!.resolve = (_s, args: { id: string }) => {
      const po = visiblePo(args.id);
      if (!po) throw fail(`PurchaseOrder ${args.id} not found`, 404);
      return po;
    };
    query.purchaseOrders!.resolve = () => [...this.purchaseOrders.values()].filter((po) => !po._deleted);
    query.part!.resolve = (_s, args: { id: string }) => {
      const part = this.parts.get(args.id);
      if (!part || part._deleted) throw fail(`Part ${args.id} not found`, 404);
      return part;
    };
    query.parts!.resolve = () => [...this.parts.values()].filter((p) => !p._deleted);
    query.me!.resolve = (_s, _a, ctx: RequestContext) => ({ sub: ctx.claims.sub, org: ctx.claims.org });

    poFields.updatedAt!.resolve = (po: PurchaseOrder) => new Date(po.updatedAtMs).toISOString();
    const faultyField = (name: 'supplierRating' | 'leadTimeDays', value: (po: PurchaseOrder) => number) => {
      poFields[name]!.resolve = (po: PurchaseOrder, _a, ctx: RequestContext) => {
        if (ctx.partialFields.has(name)) {
          throw new GraphQLError(
            ctx.partialMessage ?? `${name === 'supplierRating' ? 'Supplier rating' : 'Lead time'} service unavailable`,
            { extensions: { code: 'INTERNAL_SERVER_ERROR' } },
          );
        }
        return value(po);
      };
    };
    faultyField('supplierRating', (po) => 3 + (Number(po.id) % 3) * 0.5);
    faultyField('leadTimeDays', (po) => 7 + (Number(po.id) % 5));

    const guardWrite = (ctx: RequestContext, resource: string) => {
      if (this.readOnlyOrgs.has(ctx.claims.org))
        throw fail('Organization is read-only (billing freeze or compliance hold).', 403);
      if (ctx.claims.scope && !ctx.claims.scope.split(' ').includes('write'))
        throw fail(`User does not have permission to perform UPDATE on ${resource}.`, 403);
    };
    mutation.updatePurchaseOrder!.resolve = (
      _s,
      args: { input: Record<string, unknown> & { id: string; _etag: string } },
      ctx: RequestContext,
    ) => {
      guardWrite(ctx, 'Purchase Order');
      const { id, _etag, ...changes } = args.input;
      const po = visiblePo(id);
      if (!po) throw fail(`PurchaseOrder ${id} not found`, 404);
      if (po._etag !== _etag) throw fail('Concurrent modification detected — etag mismatch.', 409);
      if (typeof changes.quantity === 'number' && changes.quantity <= 0)
        throw fail('PurchaseOrder quantity must be greater than 0.', 422);
      if (typeof changes.notes === 'string' && changes.notes.length > 500)
        throw fail('PurchaseOrder notes is too long (max 500).', 422);
      this.stats.appliedMutations += 1;
      ctx.applied = true;
      const updated = this.applyEdit(id, changes as Partial<PurchaseOrder>, ctx.claims.sub);
      this.history.push({
        id,
        counter: updated.counter,
        by: ctx.claims.sub,
        key: ctx.idempotencyKey as string | undefined,
      });
      if (this.history.length > 200_000) this.history.shift();
      return updated;
    };
    mutation.updatePartInventory!.resolve = (
      _s,
      args: { input: { id: string; _etag: string; quantity: number } },
      ctx: RequestContext,
    ) => {
      guardWrite(ctx, 'Part Inventory');
      const part = this.parts.get(args.input.id);
      if (!part || part._deleted) throw fail(`Part ${args.input.id} not found`, 404);
      if (part._etag !== args.input._etag) throw fail('Concurrent modification detected — etag mismatch.', 409);
      if (args.input.quantity <= 0) throw fail('PartInventory quantity must be greater than 0.', 422);
      this.stats.appliedMutations += 1;
      ctx.applied = true;
      part.quantity = args.input.quantity;
      part.version += 1;
      part._etag = etagOf(`part-${part.id}`, part.version);
      return part;
    };
  }

  private count(status: number): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
  }

  private send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    this.count(status);
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...this.cors(), ...headers });
    res.end(body);
  }

  private cors(): Record<string, string> {
    return {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'authorization, content-type, idempotency-key, apollo-require-preflight',
      'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
      'access-control-expose-headers': 'retry-after, etag, idempotent-replayed',
    };
  }

  private async readBody(req: IncomingMessage, limit = 1_000_000): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new Error('body too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests += 1;
    try {
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method === 'OPTIONS') return this.send(res, 204, '');
      if (path === '/graphql' && req.method === 'POST') return await this.graphql(req, res);
      if (path === '/oauth/token' && req.method === 'POST') return await this.token(req, res);
      if (path === '/__faults' && req.method === 'POST') {
        const body = JSON.parse((await this.readBody(req)) || '{}') as FaultSpec | FaultSpec[];
        for (const spec of Array.isArray(body) ? body : [body]) this.inject(spec);
        return this.send(
          res,
          200,
          JSON.stringify({ ok: true, pending: this.faults.map((f) => ({ ...f.spec, remaining: f.remaining })) }),
        );
      }
      if (path === '/__faults' && req.method === 'GET')
        return this.send(
          res,
          200,
          JSON.stringify({
            pending: this.faults.map((f) => ({ ...f.spec, remaining: f.remaining })),
            fired: this.firedFaults,
          }),
        );
      if (path === '/__faults' && req.method === 'DELETE') {
        this.clearFaults();
        return this.send(res, 200, JSON.stringify({ ok: true }));
      }
      if (path === '/__stats' && req.method === 'GET') return this.send(res, 200, JSON.stringify(this.stats));
      if (path === '/__reset' && req.method === 'POST') {
        this.reset();
        return this.send(res, 200, JSON.stringify({ ok: true }));
      }
      if (path === '/__state' && req.method === 'GET')
        return this.send(res, 200, JSON.stringify({ purchaseOrders: [...this.purchaseOrders.values()] }));
      if (path === '/__login' && req.method === 'POST') {
        const body = JSON.parse((await this.readBody(req)) || '{}') as { sub?: string; ttlMs?: number };
        return this.send(
          res,
          200,
          JSON.stringify({ access_token: this.issueToken({ sub: body.sub, ttlMs: body.ttlMs }), token_type: 'Bearer' }),
        );
      }
      if (path === '/health') return this.send(res, 200, JSON.stringify({ ok: true }));
      if (req.method === 'GET' && this.options.staticDir) return await this.serveStatic(path, res);
      return this.send(res, 404, JSON.stringify({ errors: [{ message: `No route for ${req.method} ${path}` }] }));
    } catch (error) {
      return this.send(
        res,
        400,
        JSON.stringify({ errors: [{ message: `Malformed request: ${(error as Error).message}` }] }),
      );
    }
  }

  private async serveStatic(path: string, res: ServerResponse): Promise<void> {
    const { readFile } = await import('node:fs/promises');
    const { join, normalize, extname } = await import('node:path');
    const dir = this.options.staticDir!;
    const safe = normalize(path).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, safe === '/' ? 'index.html' : safe);
    const types: Record<string, string> = {
      '.html': 'text/html; charset=utf-8',
      '.js': 'text/javascript',
      '.css': 'text/css',
      '.svg': 'image/svg+xml',
      '.png': 'image/png',
      '.json': 'application/json',
    };
    try {
      const content = await readFile(file.startsWith(dir) ? file : join(dir, 'index.html'));
      this.count(200);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(content);
    } catch {
      const index = await readFile(join(dir, 'index.html'));
      this.count(200);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(index);
    }
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.tokenRequests += 1;
    const raw = await this.readBody(req, 10_000);
    if (this.options.tokenLatencyMs > 0) await new Promise((r) => setTimeout(r, this.options.tokenLatencyMs));
    let params: Record<string, unknown>;
    try {
      params = (req.headers['content-type'] ?? '').includes('json')
        ? (JSON.parse(raw || '{}') as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(raw));
    } catch {
      return this.send(
        res,
        400,
        JSON.stringify({ error: 'invalid_request', error_description: 'The request body is not valid JSON' }),
      );
    }
    const {
      grant_type: grantType,
      client_id: clientId,
      client_secret: clientSecret,
    } = params as Record<string, string | undefined>;
    if (!grantType || !clientId || !clientSecret)
      return this.send(
        res,
        400,
        JSON.stringify({
          error: 'invalid_request',
          error_description: 'Missing required parameter: grant_type, client_id and client_secret are required',
        }),
      );
    if (grantType !== 'client_credentials')
      return this.send(
        res,
        400,
        JSON.stringify({ error: 'unsupported_grant_type', error_description: 'Only client_credentials is supported' }),
      );
    const client = CLIENTS[clientId];
    if (!client || client.secret !== clientSecret)
      return this.send(
        res,
        401,
        JSON.stringify({ error: 'invalid_client', error_description: 'Invalid client credentials' }),
      );
    const ttlMs = this.options.tokenTtlMs;
    const accessToken = this.issueToken({
      sub: client.sub,
      org: client.org,
      ttlMs,
      scope: typeof params.scope === 'string' ? params.scope : undefined,
    });
    return this.send(
      res,
      200,
      JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: Math.floor(ttlMs / 1000) }),
      { 'cache-control': 'no-store' },
    );
  }

  private takeFault(
    operationName: string | undefined,
    kinds: ReadonlyArray<ActiveFault['spec']['kind']>,
  ): ActiveFault['spec'] | undefined {
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !kinds.includes(fault.spec.kind)) continue;
      if (fault.spec.operationName && fault.spec.operationName !== operationName) continue;
      if (fault.spec.probability !== undefined && Math.random() >= fault.spec.probability) continue;
      fault.remaining -= 1;
      this.stats.faultsInjected += 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return fault.spec;
    }
    return undefined;
  }

  private faultBody(spec: Extract<FaultSpec, { kind: 'status' }>): { body: string; type: string } {
    const status = spec.status;
    const title = `${status} ${status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : status === 504 ? 'Gateway Time-out' : status === 429 ? 'Too Many Requests' : 'Error'}`;
    switch (spec.body ?? (status >= 500 ? 'html' : 'json')) {
      case 'html':
        return {
          body: `<!DOCTYPE html><html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>`,
          type: 'text/html',
        };
      case 'text':
        return { body: title, type: 'text/plain' };
      case 'empty':
        return { body: '', type: 'text/plain' };
      case 'truncated-json':
        return { body: '{"errors":[{"message":"Service unav', type: 'application/json' };
      default:
        return {
          body: JSON.stringify({
            errors: [{ message: spec.message ?? (status === 429 ? 'Rate limit exceeded. Too many requests.' : title) }],
          }),
          type: 'application/json',
        };
    }
  }

  private async graphql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.graphqlRequests += 1;
    let closedByClient = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        closedByClient = true;
        this.stats.abortedByClient += 1;
      }
    });
    const raw = await this.readBody(req);
    let parsed: { operationName?: string; query?: string } = {};
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      return this.send(
        res,
        400,
        JSON.stringify({ errors: [{ message: 'Malformed request: the body is not valid JSON' }] }),
      );
    }
    const operationName = typeof parsed.operationName === 'string' ? parsed.operationName : undefined;
    this.stats.byOperation[operationName ?? '(anonymous)'] =
      (this.stats.byOperation[operationName ?? '(anonymous)'] ?? 0) + 1;

    const slow = this.takeFault(operationName, ['slow']);
    if (slow && slow.kind === 'slow') {
      await new Promise((r) => setTimeout(r, slow.delayMs));
      if (closedByClient) return;
    }
    const drop = this.takeFault(operationName, ['drop']);
    if (drop && drop.kind === 'drop' && (drop.phase ?? 'before') === 'before') {
      req.socket.destroy();
      return;
    }
    const status = this.takeFault(operationName, ['status']);
    if (status && status.kind === 'status') {
      const { body, type } = this.faultBody(status);
      return this.send(res, status.status, body, {
        'content-type': type,
        ...(status.retryAfter !== undefined ? { 'retry-after': status.retryAfter } : {}),
      });
    }

    // The auth layer: 401 before GraphQL runs.
    const verification = verifyToken(
      req.headers.authorization,
      this.secret,
      this.knownKids,
      Date.now(),
      this.tokenGeneration,
    );
    if (!verification.ok) {
      this.stats.authFailures += 1;
      return this.send(res, 401, JSON.stringify({ errors: [{ message: verification.message }] }));
    }
    if (this.deactivated.has(verification.claims.sub)) {
      this.stats.authFailures += 1;
      return this.send(
        res,
        401,
        JSON.stringify({ errors: [{ message: `User ${verification.claims.sub} is deactivated` }] }),
      );
    }

    // Idempotency-Key: a repeated key with the same payload gets the stored response; with another payload, 422.
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    if (key) this.stats.requestsByKey[key] = (this.stats.requestsByKey[key] ?? 0) + 1;
    const hash = createHash('sha256').update(raw).digest('hex');
    let releaseKey: (() => void) | undefined;
    if (key) {
      while (this.inflightKeys.has(key)) await this.inflightKeys.get(key);
      const stored = this.idempotency.get(key);
      if (stored && stored.hash !== hash)
        return this.send(
          res,
          422,
          JSON.stringify({
            errors: [
              {
                message: 'Idempotency-Key was already used with a different payload.',
                extensions: { code: 'IDEMPOTENCY_KEY_REUSED' },
              },
            ],
          }),
        );
      if (stored) {
        this.stats.idempotentReplays += 1;
        return this.send(res, stored.status, stored.body, {
          'content-type': stored.contentType,
          'idempotent-replayed': 'true',
        });
      }
      this.inflightKeys.set(
        key,
        new Promise<void>((resolve) => {
          releaseKey = resolve;
        }),
      );
    }
    try {
      await this.execute(
        req,
        res,
        raw,
        hash,
        key,
        operationName,
        verification.claims,
        drop?.kind === 'drop' && drop.phase === 'after',
      );
    } finally {
      if (key) this.inflightKeys.delete(key);
      releaseKey?.();
    }
  }

  private async execute(
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    hash: string,
    key: string | undefined,
    operationName: string | undefined,
    claims: TokenClaims,
    dropAfter: boolean,
  ): Promise<void> {
    const partial = this.takeFault(operationName, ['partial']);
    const context: RequestContext = {
      claims,
      idempotencyKey: key,
      partialFields: new Set(partial && partial.kind === 'partial' ? [partial.field ?? 'supplierRating'] : []),
      partialMessage: partial && partial.kind === 'partial' ? partial.message : undefined,
    };
    const [body, init] = await this.handler({
      method: 'POST',
      url: req.url ?? '/graphql',
      headers: { get: (name: string) => (req.headers[name.toLowerCase()] as string | undefined) ?? null },
      body: raw,
      raw: req,
      context,
    });
    let statusCode = init.status;
    let out = body ?? '';
    if (statusCode === 200 && out) {
      const result = JSON.parse(out) as {
        errors?: Array<{ extensions?: { http?: { status?: number }; [k: string]: unknown } }>;
      };
      let errorStatus: number | undefined;
      for (const error of result.errors ?? []) {
        const s = error.extensions?.http?.status;
        if (s !== undefined) {
          errorStatus ??= s;
          delete error.extensions!.http;
          if (Object.keys(error.extensions!).length === 0) delete error.extensions;
        }
      }
      if (errorStatus !== undefined && this.options.errorStatus === 'http') statusCode = errorStatus;
      out = JSON.stringify(result);
    }
    // Stripe-style: every request that carries a key and reached execution is stored under it, whatever
    // it answered (a 409 too), so the same key with another payload (a query, a re-applied mutation) is a 422.
    if (key) {
      if (context.applied) this.stats.appliedByKey[key] = (this.stats.appliedByKey[key] ?? 0) + 1;
      this.idempotency.set(key, {
        hash,
        status: statusCode,
        body: out,
        contentType: 'application/json; charset=utf-8',
      });
    }
    if (dropAfter) {
      this.firedFaults = [
        ...this.firedFaults.slice(-99),
        {
          at: Date.now(),
          kind: 'drop',
          phase: 'after',
          operationName,
          idempotencyKey: key,
          applied: context.applied === true,
        },
      ];
      req.socket.destroy();
      return;
    }
    this.send(res, statusCode, out, { 'content-type': 'application/json; charset=utf-8' });
  }
}

/** Starts a server on 127.0.0.1 (a free port unless given). */
export async function startIonServer(options: IonServerOptions = {}): Promise<IonServer> {
  return new IonServer(options).start();
}

// JWT-shaped HS256 access tokens: real signatures, real `exp`, verified on every request.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  sub: string;
  org: string;
  iat: number;
  exp: number;
  jti: string;
  scope?: string;
  kid?: string;
  /** Token generation: "expire every token now" raises the minimum the server accepts. */
  gen: number;
}

const b64url = (input: string | Buffer) => Buffer.from(input).toString('base64url');

export function signToken(claims: TokenClaims, secret: string, kid = 'ion-key-1'): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export function issueToken(
  secret: string,
  options: { sub: string; org: string; ttlMs: number; gen: number; nowMs?: number; scope?: string; kid?: string },
): string {
  const now = options.nowMs ?? Date.now();
  return signToken(
    {
      sub: options.sub,
      org: options.org,
      iat: Math.floor(now / 1000),
      exp: Math.floor((now + options.ttlMs) / 1000),
      jti: randomUUID(),
      scope: options.scope,
      gen: options.gen,
    },
    secret,
    options.kid,
  );
}

export type Verification =
  { ok: true; claims: TokenClaims; issuedAtMs: number } | { ok: false; status: 401; message: string };

/** ION's auth layer: the 401 message table, checked in ION's order. */
export function verifyToken(
  authorization: string | undefined,
  secret: string,
  knownKids: ReadonlySet<string>,
  nowMs = Date.now(),
  minGeneration = 0,
): Verification {
  if (!authorization) return { ok: false, status: 401, message: 'Please provide proper credentials' };
  const match = /^Bearer\s+(\S+)$/.exec(authorization.trim());
  if (!match) return { ok: false, status: 401, message: 'Unable to parse authentication token' };
  const parts = match[1]!.split('.');
  if (parts.length !== 3) return { ok: false, status: 401, message: 'Unable to parse authentication token' };
  let header: { kid?: string };
  let claims: TokenClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, status: 401, message: 'Unable to parse authentication token' };
  }
  if (!header.kid || !knownKids.has(header.kid))
    return { ok: false, status: 401, message: 'Unable to find appropriate RSA key' };
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, status: 401, message: 'Unable to validate authentication token' };
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs || (claims.gen ?? 0) < minGeneration)
    return { ok: false, status: 401, message: 'Token is expired' };
  return { ok: true, claims, issuedAtMs: claims.iat * 1000 };
}

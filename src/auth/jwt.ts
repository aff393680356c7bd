function base64UrlDecode(segment: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(segment)) return undefined;
  const base64 = segment
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(segment.length / 4) * 4, '=');
  try {
    if (typeof atob === 'function') {
      const binary = atob(base64);
      const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
      return new TextDecoder().decode(bytes);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * The `exp` claim of a JWT in milliseconds, or `undefined` for an opaque or malformed token
 * (which is then never refreshed early). The signature is not verified: the server does that.
 */
let memo: { token: string; exp: number | undefined } | undefined;

export function jwtExpiryMs(token: string): number | undefined {
  if (memo && memo.token === token) return memo.exp;
  const exp = decodeExpiry(token);
  memo = { token, exp };
  return exp;
}

function decodeExpiry(token: string): number | undefined {
  if (typeof token !== 'string' || token.length > 16_384) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  const json = base64UrlDecode(parts[1]);
  if (json === undefined) return undefined;
  try {
    const payload = JSON.parse(json) as { exp?: unknown };
    return typeof payload?.exp === 'number' && Number.isFinite(payload.exp) && payload.exp > 0
      ? payload.exp * 1000
      : undefined;
  } catch {
    return undefined;
  }
}

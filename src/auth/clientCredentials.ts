import { ResilienceError } from '../classify/annotations.js';
import { classifyError } from '../classify/classifyError.js';
import { rememberSecret } from '../classify/secrets.js';

export interface ClientCredentialsOptions {
  /** The OAuth 2.0 token endpoint, e.g. `https://ion.example/oauth/token`. @defaultValue required */
  tokenUrl: string;
  /** @defaultValue required */
  clientId: string;
  /** Never logged, never in a message or classification. @defaultValue required */
  clientSecret: string;
  /** @defaultValue none */
  scope?: string;
  /** @defaultValue none */
  audience?: string;
  /** @defaultValue `globalThis.fetch` */
  fetch?: typeof fetch;
  /** A cached token this close to its `expires_in` is replaced before use. @defaultValue 30000 */
  earlyRefreshMs?: number;
  /** `'form'` (RFC 6749) or `'json'` request body. @defaultValue 'form' */
  bodyFormat?: 'form' | 'json';
}

export interface TokenSource {
  getToken: () => Promise<string>;
  refresh: (context?: { failedToken?: string }) => Promise<string>;
}

/**
 * An OAuth 2.0 client_credentials token source for service-to-service use: `{ getToken, refresh }`
 * for `AuthRefreshLink`. Token requests are single-flight; endpoint errors (`invalid_client`,
 * `invalid_request`, `unsupported_grant_type`) are thrown as classified, non-refreshable errors,
 * with the client secret and tokens redacted.
 */
export function clientCredentials(options: ClientCredentialsOptions): TokenSource {
  const { tokenUrl, clientId, clientSecret, scope, audience, earlyRefreshMs = 30_000, bodyFormat = 'form' } = options;
  rememberSecret(clientSecret);
  let cached: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  const fetchToken = (): Promise<string> => {
    if (inflight) return inflight;
    const doFetch = options.fetch ?? globalThis.fetch;
    const params: Record<string, string> = {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    };
    if (scope) params.scope = scope;
    if (audience) params.audience = audience;
    inflight = (async () => {
      let response: Response;
      try {
        response = await doFetch(tokenUrl, {
          method: 'POST',
          headers: {
            'content-type': bodyFormat === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: bodyFormat === 'json' ? JSON.stringify(params) : new URLSearchParams(params).toString(),
        });
      } catch (error) {
        throw new ResilienceError(classifyError(error, { secrets: [clientSecret] }), { cause: error });
      }
      const text = await response.text().catch(() => '');
      if (!response.ok) {
        throw new ResilienceError(
          classifyError(
            { status: response.status, body: text, headers: response.headers },
            { secrets: [clientSecret] },
          ),
        );
      }
      let body: { access_token?: unknown; expires_in?: unknown };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = {};
      }
      if (typeof body.access_token !== 'string' || body.access_token.length === 0) {
        throw new ResilienceError({
          category: 'bad-request',
          reason: 'invalid-token-response',
          message: 'The token endpoint answered without an access_token',
          retryable: false,
          refreshable: false,
          remediation: 'Check the tokenUrl: it must be an OAuth 2.0 token endpoint.',
        });
      }
      const expiresInS =
        typeof body.expires_in === 'number' && Number.isFinite(body.expires_in) ? body.expires_in : undefined;
      rememberSecret(body.access_token);
      cached = {
        token: body.access_token,
        expiresAt: expiresInS !== undefined ? Date.now() + expiresInS * 1000 : Infinity,
      };
      return body.access_token;
    })().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  return {
    getToken: async () => (cached && cached.expiresAt - Date.now() > earlyRefreshMs ? cached.token : fetchToken()),
    refresh: async (context) => {
      if (
        cached &&
        context?.failedToken &&
        cached.token !== context.failedToken &&
        cached.expiresAt - Date.now() > earlyRefreshMs
      )
        return cached.token;
      cached = undefined;
      return fetchToken();
    },
  };
}

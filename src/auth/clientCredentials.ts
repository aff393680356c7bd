import { ResilienceError } from '../classify/annotations.js';
import { classifyError } from '../classify/classifyError.js';
import { rememberSecret } from '../classify/secrets.js';
import { later, nonNegative } from '../later.js';

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
  /**
   * A cached token this close to its `expires_in` is replaced before use (at most half its lifetime
   * early, so a short-lived token is not fetched again on every call). @defaultValue 30000
   */
  earlyRefreshMs?: number;
  /**
   * A token request that has not answered by then is aborted and fails (category `network`, reason
   * `timeout`), so the next call tries again; below the token manager's 30 s wait, so this is the
   * failure the app sees. @defaultValue 20000
   */
  timeoutMs?: number;
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
  const { tokenUrl, clientId, clientSecret, scope, audience, bodyFormat = 'form' } = options;
  // Not a number ≥ 0 (NaN from `Number(process.env.X)`, negative, null): the default.
  const earlyRefreshMs = nonNegative(options.earlyRefreshMs, 30_000);
  const timeoutMs = nonNegative(options.timeoutMs, 20_000);
  rememberSecret(clientSecret);
  /** The token and when it is replaced before use. */
  let cached: { token: string; refreshAt: number } | undefined;
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
    const abort = new AbortController();
    let timer: ReturnType<typeof later> | undefined;
    // A fetch that ignores the signal (or a body that never ends) fails all the same.
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = later(() => {
        const error = Object.assign(new Error(`The token endpoint did not answer within ${timeoutMs} ms`), {
          name: 'TimeoutError',
        });
        abort.abort(error);
        reject(new ResilienceError(classifyError(error)));
      }, timeoutMs);
    });
    const request = async () => {
      let response: Response;
      try {
        response = await doFetch(tokenUrl, {
          method: 'POST',
          headers: {
            'content-type': bodyFormat === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: bodyFormat === 'json' ? JSON.stringify(params) : new URLSearchParams(params).toString(),
          signal: abort.signal,
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
      let body: { access_token?: unknown; expires_in?: unknown } = {};
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null) body = parsed;
      } catch {
        // not JSON: no access_token
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
      // A number of seconds; some servers send it as a string ("3600").
      const expires = body.expires_in;
      const seconds =
        typeof expires === 'number' || (typeof expires === 'string' && expires.trim() !== '') ? Number(expires) : NaN;
      const lifetimeMs = nonNegative(seconds, Infinity) * 1000; // none, negative or not a number: no expiry
      rememberSecret(body.access_token);
      cached = {
        token: body.access_token,
        refreshAt: Date.now() + Math.max(lifetimeMs - earlyRefreshMs, lifetimeMs / 2),
      };
      return body.access_token;
    };
    inflight = Promise.race([request(), timedOut]).finally(() => {
      clearTimeout(timer);
      inflight = undefined;
    });
    return inflight;
  };

  return {
    getToken: async () => (cached && Date.now() < cached.refreshAt ? cached.token : fetchToken()),
    refresh: async (context) => {
      if (cached && context?.failedToken && cached.token !== context.failedToken && Date.now() < cached.refreshAt)
        return cached.token;
      cached = undefined;
      return fetchToken();
    },
  };
}

import { knownSecrets } from './secrets.js';

// A credential after an auth scheme: 8+ characters with a digit or a token punctuation mark
// (so "Bearer token expired" stays readable while "Bearer abc.def-123" does not).
const BEARER = /\b(Bearer|Basic)\s+(?=[A-Za-z0-9\-._~+/]*[0-9.\-_~+/])[A-Za-z0-9\-._~+/]{8,}=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const SECRET_PARAM =
  /\b(access_token|refresh_token|id_token|client_secret|password|api[_-]?key)(["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi;

/** The longest message we keep; longer server messages are cut (a 10 MB message is not a remediation). */
export const MAX_MESSAGE_LENGTH = 2000;

/** How far past the cut a long message is still read, so that a token straddling the cut is recognised whole. */
const CUT_MARGIN = 16_384;

/** Removes bearer tokens, JWT-shaped strings, secret parameters and the given secrets from text. */
export function redact(text: string, secrets: ReadonlyArray<string> = []): string {
  // Redact first, cut after: cutting first would leave the head of a token that straddles the cut.
  const long = text.length > MAX_MESSAGE_LENGTH;
  let out = long ? text.slice(0, MAX_MESSAGE_LENGTH + CUT_MARGIN) : text;
  for (const secret of [...secrets, ...knownSecrets()]) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  out = out
    .replace(BEARER, (_m, scheme: string) => `${scheme} [redacted]`)
    .replace(JWT, '[redacted-jwt]')
    .replace(SECRET_PARAM, (_m, name: string, sep: string) => `${name}${sep}[redacted]`);
  return long ? `${out.slice(0, MAX_MESSAGE_LENGTH)}… [truncated ${text.length - MAX_MESSAGE_LENGTH} characters]` : out;
}

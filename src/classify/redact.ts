import { knownSecrets } from './secrets.js';

// A credential after an auth scheme: 8+ characters with a digit or a token punctuation mark
// (so "Bearer token expired" stays readable while "Bearer abc.def-123" does not). URL-encoded too
// (`Authorization%3DBearer%20…`, a token with `%2B`): a name starts a word or follows a `%XX` escape (`%..`).
const BEARER = /(\b|%..)(Bearer|Basic)(?:\s+|%20)(?=[\w\-.~+/%]*[0-9.\-_~+/])[\w\-.~+/%]{8,}=*/gi;
// A JWT, also wrapped over lines: a line break (and indent) may fall inside or beside each dot.
const JWT = /eyJ[\w-]{2,}(?:\s+[\w-]*)?\.[\w-]*(?:\s+[\w-]*)?\.(?:\r?\n\s*)?[\w-]*/g;
// A secret parameter (also URL-encoded, `access_token%3D…`), or a `token` query parameter.
const SECRET_PARAM =
  /((?:\b|%..)(?:access_token|refresh_token|id_token|client_secret|password|api[_-]?key)["']?\s*(?:[:=]|%3D)\s*["']?|(?:[?&]|%..)token(?:=|%3D))[^\s"'&,;}]+/gi;

/** The longest message we keep; longer server messages are cut (a 10 MB message is not a remediation). */
export const MAX_MESSAGE_LENGTH = 2000;

/** How far past the cut a long message is still read, so that a token straddling the cut is recognised whole. */
const CUT_MARGIN = 16_384;

/** Removes bearer tokens, JWT-shaped strings, secret parameters and the given secrets from text. */
export function redact(text: string, secrets: ReadonlyArray<string> = []): string {
  // Redact first, cut after: cutting first would leave the head of a token that straddles the cut.
  const long = text.length > MAX_MESSAGE_LENGTH;
  let out = long ? text.slice(0, MAX_MESSAGE_LENGTH + CUT_MARGIN) : text;
  for (const secret of [...secrets, ...knownSecrets()])
    if (secret && secret.length >= 4) {
      // As a server echoes it in a URL (encoding throws on a lone surrogate), then as given; most tokens
      // encode to themselves, and are searched for once.
      try {
        const encoded = encodeURIComponent(secret);
        if (encoded !== secret) out = out.split(encoded).join('[redacted]');
      } catch {
        // not encodable: only as given
      }
      out = out.split(secret).join('[redacted]');
    }
  out = out.replace(BEARER, '$1$2 [redacted]').replace(JWT, '[redacted-jwt]').replace(SECRET_PARAM, '$1[redacted]');
  return long ? `${out.slice(0, MAX_MESSAGE_LENGTH)}… [truncated ${text.length - MAX_MESSAGE_LENGTH} characters]` : out;
}

// Tokens and secrets the links have handled, so that every classification made in this process
// (in a link, or later by getClassifications in the UI) redacts them even when a server echoes an
// opaque token that no pattern would recognise. Bounded: the most recent few only.
// Shared by every client of the process (a server renders for many users): large enough that a
// user's token is still known when its request's error comes back. Redaction only removes text.
const MAX = 1024;
const recent: string[] = [];

export function rememberSecret(secret: string | null | undefined): void {
  if (
    typeof secret !== 'string' ||
    secret === recent[recent.length - 1] ||
    secret.length < 8 ||
    recent.includes(secret)
  )
    return;
  recent.push(secret);
  if (recent.length > MAX) recent.shift();
}

export function knownSecrets(): ReadonlyArray<string> {
  return recent;
}

// The app objects the README's client factory talks to.
interface Session {
  accessToken: string | null;
  refresh(): Promise<string>;
  logout(): void;
}
declare function openConflictDialog(conflict: import('apollo-link-resilience').EtagConflictLink.Conflict): Promise<'retry' | 'abort' | Record<string, unknown>>;
declare const devtools: { log(event: import('apollo-link-resilience').ResilienceEvent): void };

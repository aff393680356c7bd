// `node demo-app/server/dist/cli.mjs [--port 4000] [--static dir] [--token-ttl-ms 300000] [--token-latency-ms 0]`
import { startIonServer } from './ionServer';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const server = await startIonServer({
  port: Number(arg('port') ?? process.env.PORT ?? 4000),
  staticDir: arg('static') ? (await import('node:path')).resolve(arg('static')!) : undefined,
  tokenTtlMs: arg('token-ttl-ms') ? Number(arg('token-ttl-ms')) : undefined,
  tokenLatencyMs: arg('token-latency-ms') ? Number(arg('token-latency-ms')) : undefined,
  maxLifetimeMs: arg('max-lifetime-ms') ? Number(arg('max-lifetime-ms')) : 8 * 60 * 60 * 1000,
});
console.log(
  `ION-like server: ${server.url}  (GraphQL ${server.graphqlUrl}, token ${server.tokenUrl}, faults ${server.url}/__faults)`,
);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

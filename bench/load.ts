// One autocannon run: keep-alive HTTPS, a fixed body, N connections, one request in flight each (the
// apiserver does not pipeline webhook calls).
import autocannon from 'autocannon';

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
}

export async function load(options: { port: number; path: string; body: string; connections: number; seconds: number }): Promise<LoadResult> {
  const result = await autocannon({
    url: `https://127.0.0.1:${options.port}${options.path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: options.body,
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    servername: 'localhost',
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

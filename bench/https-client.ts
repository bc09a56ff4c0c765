// A verifying HTTPS client for the bench's own calls (readiness, /metrics, the verdict check before a
// load run): it trusts only the test CA, so a wrong certificate fails here rather than going unseen.
import { request } from 'node:https';

export interface Reply {
  readonly status: number;
  readonly text: string;
}

export function call(options: { port: number; ca: string; path: string; method?: 'GET' | 'POST'; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        ca: options.ca,
        servername: 'localhost',
        agent: false,
        headers: options.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** One sample's value from Prometheus text, e.g. `process_resident_memory_bytes`. */
export function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

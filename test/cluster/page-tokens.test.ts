// A paged list whose server repeats a continue token: the apiserver never does, so a reader that kept
// following it would page forever (a replica never ready, a CLI run hanging). Both readers stop on it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { startListWatch } from '../../src/cluster/list-watch.ts';
import { listCluster } from '../../src/cluster/live-snapshot.ts';
import { PageTokens } from '../../src/cluster/page-tokens.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { waitFor } from '../support/wait-for.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

/** A server answering every GET with a page of one pod and a continue token from `tokens`, in turn. */
async function pagingServer(tap: Tap, tokens: readonly string[]): Promise<{ kubeConfig: KubeConfig; requests: () => number }> {
  let served = 0;
  const server: Server = createServer((_request, response) => {
    const token = tokens[served % tokens.length] as string;
    served++;
    const pod = { metadata: { namespace: 'shop', name: `web-${served}`, labels: { app: 'web' } }, spec: { containers: [] }, status: { phase: 'Running' } };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7', continue: token }, items: [pod] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tap.teardown(() => new Promise((resolve) => server.close(resolve)));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'stub', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'stub', token: 'stub' }],
    contexts: [{ name: 'stub', cluster: 'stub', user: 'stub' }],
    currentContext: 'stub',
  });
  return { kubeConfig, requests: () => served };
}

t.test('tokens are followed until a page has none; a token seen before is an error naming the list', async (t) => {
  const tokens = new PageTokens('/api/v1/pods');
  t.equal(tokens.next('a'), 'a');
  t.equal(tokens.next('b'), 'b');
  t.equal(tokens.next(undefined), undefined);
  t.throws(() => tokens.next('a'), /GET \/api\/v1\/pods: page 3 repeats the continue token of an earlier page; the list would never end/);
});

t.test('a list of more pages than the cap is an error, so tokens kept cannot grow without end', async (t) => {
  const tokens = new PageTokens('/api/v1/pods', { maxPages: 3 });
  for (const token of ['a', 'b', 'c']) t.equal(tokens.next(token), token);
  t.equal(tokens.next(undefined), undefined, 'a list that ends at the cap is whole');
  t.throws(() => tokens.next('d'), /GET \/api\/v1\/pods: the list goes on past 3 pages, more than any cluster holds/);
});

t.test('a CLI read stops at a repeated token instead of paging forever', async (t) => {
  // The cycle is two pages long: a check of the last token alone would not see it.
  const { kubeConfig, requests } = await pagingServer(t, ['first', 'second']);
  const read = listCluster(kubeConfig, () => {}, {
    collections: [{ group: '', version: 'v1', resource: 'pods', kind: 'pods', namespaced: true }],
    keepPodNames: false,
    signal: AbortSignal.timeout(60_000),
  });
  await t.rejects(read, /GET \/api\/v1\/pods: page 3 repeats the continue token of an earlier page/);
  t.equal(requests(), 3, 'the third page, repeating the first token, ended the read');
});

t.test('the webhook\'s list/watch fails the list, stays out of sync and retries, rather than paging forever', async (t) => {
  const { kubeConfig, requests } = await pagingServer(t, ['again']);
  const { logger, lines } = captureLogs();
  let ended = 0;
  const sink = { beginList: () => {}, put: () => {}, remove: () => {}, endList: () => void ended++ };
  const loop = startListWatch({ kubeConfig, path: '/api/v1/pods', resource: 'pods', sink, logger, backoff: { initialMs: 1, maxMs: 5 } });
  t.teardown(() => loop.stop());
  await waitFor(() => lines.filter((l) => l['msg'] === 'listing failed; retrying').length >= 2, 'two failed lists');
  const failure = lines.find((l) => l['msg'] === 'listing failed; retrying') as { err: { message: string } };
  t.match(failure.err.message, /GET \/api\/v1\/pods: page 2 repeats the continue token of an earlier page/);
  t.equal(ended, 0, 'no list was taken as complete');
  t.equal(loop.stats().lists, 0);
  t.not(loop.outOfSyncSince(), undefined, 'the view says it is out of sync, so reviews are not judged on it');
  t.ok(requests() >= 4, 'each try asked two pages: the first, and the one that repeated its token');
});

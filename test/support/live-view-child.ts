// Run as its own process by test/cluster/live-view.test.ts: syncs a live view against a test API
// server, stops it mid-watch, closes the server, and does nothing more. The process must then exit on
// its own, which it cannot while any watch, socket or retry timer of the view is left behind.
import { pino } from 'pino';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import { startLiveView } from '../../src/cluster/live-view.ts';
import { TestApiServer } from './test-api-server.ts';

const server = await TestApiServer.start();
server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
const state = new ClusterState();
const view = startLiveView({ kubeConfig: server.kubeConfig(), state, logger: pino({ level: 'silent' }), backoff: { initialMs: 1, maxMs: 10 } });
await view.whenSynced();
server.store.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'prod', name: 'p' }, spec: { containers: [] } });
server.sendBookmark();
await view.stop();
await server.close();
process.stdout.write(`stopped ${state.stats().namespaces}\n`);

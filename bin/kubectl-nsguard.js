#!/usr/bin/env node
// The `kubectl-nsguard` executable kubectl finds on the PATH (`kubectl nsguard ...`). Plain JavaScript,
// so that an older Node.js says what it needs instead of failing on what it cannot run.
import { existsSync } from 'node:fs';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`kubectl nsguard: needs Node.js 24 or later on the PATH (found ${process.version})\n`);
  process.exit(2);
}
// A checkout runs its TypeScript sources, so what runs is what was last edited; the release archive
// holds only the JavaScript `npm run build` compiles from them, which starts faster and runs from under
// node_modules too, where Node strips no types.
const sources = new URL('../src/cli/kubectl-nsguard.ts', import.meta.url);
const { main } = await import(existsSync(sources) ? sources.href : new URL('../dist/cli/kubectl-nsguard.js', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// The `kubectl-nsguard` executable kubectl finds on the PATH (`kubectl nsguard ...`). Plain JavaScript,
// so that an older Node.js says what it needs instead of failing on the TypeScript sources it cannot run.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`kubectl nsguard: needs Node.js 24 or later on the PATH (found ${process.version})\n`);
  process.exit(2);
}
const { main } = await import('../src/cli/kubectl-nsguard.ts');
process.exitCode = await main(process.argv.slice(2));

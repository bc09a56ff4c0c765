// Loaded with `node --import` into a process a bench measures: as the process exits it writes its own
// peak RSS (KiB) and CPU time (µs, user and system) to stderr, where bench/audit.ts reads them.
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`max-rss-kib ${usage.maxRSS} cpu-us ${usage.userCPUTime + usage.systemCPUTime}\n`);
});

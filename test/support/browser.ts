// Debian's Chromium driven by playwright-core, with the flags this machine's closed network needs
// (no background connections) and a fresh profile. Without Chromium a test is skipped on a
// developer's machine and fails under CI=true, where .ci/run installs it.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why a browser test is skipped: Chromium is missing on a developer's machine; never under CI=true. */
export function withoutBrowser(): string | false {
  return existsSync(CHROMIUM) || process.env['CI'] === 'true' ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;
}

/** A headless Chromium (a fresh profile) closed with the test. */
export async function launchBrowser(t: Test): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
  const profile = await mkdtemp(join(tmpdir(), 'nsguard-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true });
  t.teardown(async () => {
    await browser.close();
    await rm(profile, { recursive: true, force: true });
  });
  return browser;
}

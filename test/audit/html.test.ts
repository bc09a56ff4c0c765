// -o html in a real headless browser: the page draws the grids from the report it carries, and the test
// reads them back, then filters.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { nsguard } from '../support/cli.ts';
import { launchBrowser, withoutBrowser } from '../support/browser.ts';
import { CLUSTER, CONFIG } from './fixture.ts';

t.test('the page of the example cluster: grids, coverage, findings, filters', { skip: withoutBrowser() }, async (t) => {
  const r = nsguard('audit', '--state', CLUSTER, '--config', CONFIG, '-o', 'html');
  t.equal(r.code, 1, r.stderr);
  t.notMatch(r.stdout, /<(link|img|iframe)\b|src="http|href="http/, 'self-contained: nothing is fetched');
  const browser = await launchBrowser(t);
  const file = `${t.testdir()}/report.html`;
  writeFileSync(file, r.stdout);
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready=true]');
  t.same(errors, [], 'the script runs without errors');
  t.same(requests, [pathToFileURL(file).href], 'no request but the page itself');

  const state = (table: string, from: string, to: string) => page.getAttribute(`#${table} td[data-from="${from}"][data-to="${to}"]`, 'data-state');
  t.equal(await page.textContent('#title'), `nsguard audit of state file ${CLUSTER}`);
  t.match(await page.textContent('#summary'), /^13 findings: 9 high, 4 medium, 0 low\./);
  t.equal(await state('env-grid', 'prod', 'test'), 'separated');
  t.equal(await state('env-grid', 'test', 'prod'), 'separated');
  t.equal(await state('env-grid', 'test', 'test'), 'closed');
  t.equal(await state('env-grid', 'prod', '(no label)'), 'open');
  t.equal(await page.textContent('#env-grid td[data-from="prod"][data-to="test"]'), '2', 'the cell counts namespace pairs');

  t.match(await page.textContent('#ns-note'), /One row and column per namespace/);
  t.equal(await page.locator('#ns-grid tr[data-row]').count(), 9, 'a row per namespace');
  t.equal(await state('ns-grid', 'payments-prod', 'legacy-test'), 'separated');
  t.equal(await state('ns-grid', 'legacy-test', 'new-prod'), 'separated');
  t.equal(await state('ns-grid', 'legacy-test', 'payments-prod'), 'closed');
  t.equal(await state('ns-grid', 'ingress-nginx', 'shop-prod'), 'open');
  t.equal(await state('ns-grid', 'shop-test', 'shop-prod'), 'closed');
  t.equal(await state('ns-grid', 'shop-prod', 'shop-prod'), 'self');
  t.match(await page.getAttribute('#ns-grid td[data-from="ingress-nginx"][data-to="shop-prod"]', 'title'), /TCP 80, 443, 8080, 8443; e\.g\. ingress-nginx\/ingress-nginx-controller-6f8b9-x2k4p → shop-prod\//);

  t.equal(await page.locator('#coverage tr[data-namespace]').count(), 9);
  t.equal(await page.textContent('#coverage tr[data-namespace="shop-test"] td:nth-child(8)'), '1 missing, 0 drifted');
  t.equal(await page.locator('#findings tr[data-severity]').count(), 13);
  t.equal(await page.textContent('#shown'), '13 of 13 findings shown');

  await page.fill('#filter', 'legacy-test');
  t.equal(await page.textContent('#shown'), '5 of 13 findings shown', 'the filter narrows the findings');
  t.equal(await page.locator('#coverage tr[data-namespace]:not(.hidden)').count(), 1);
  await page.fill('#filter', '');
  await page.uncheck('input[name=severity][value=high]');
  t.equal(await page.textContent('#shown'), '4 of 13 findings shown', 'unchecking high leaves the medium ones');
});

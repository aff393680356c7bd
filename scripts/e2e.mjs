// `npm run test:e2e`: the built demo against the real ION-like server, in Debian's Chromium driven
// by playwright-core (never a downloaded browser). Screenshots go to demo-app/test-results/.
// Ends with `N passed, N failed` and writes demo-app/test-results/e2e.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { buildDemo, root } from './build-demo.mjs';
import { ensureInstalled } from './ensure-install.mjs';

ensureInstalled();
const out = `${root}demo-app/test-results`;
mkdirSync(out, { recursive: true });
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`Chromium not found at ${executablePath}: apt-get install -y chromium`);
  writeFileSync(`${out}/e2e.json`, JSON.stringify({ passed: 0, failed: 1, error: 'no chromium' }));
  console.log('0 passed, 1 failed');
  process.exit(1);
}
if (!process.argv.includes('--no-build')) buildDemo();

const server = spawn('node', ['demo-app/server/dist/cli.mjs', '--port', '0', '--static', 'demo-app/dist', '--max-lifetime-ms', '600000', '--token-latency-ms', '300'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('server did not start')), 15_000);
  server.stdout.on('data', (chunk) => {
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(String(chunk))?.[0];
    if (url) { clearTimeout(timer); resolve(url); }
  });
});
const api = async (path, method = 'GET', body) => {
  const r = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return r.json();
};
const fault = (spec) => api('/__faults', 'POST', spec);

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const results = [];
async function test(name, fn) {
  const started = Date.now();
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  try {
    await api('/__reset', 'POST');
    await fn(context);
    results.push({ name, ok: true, ms: Date.now() - started });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false, ms: Date.now() - started, error: String(error?.stack ?? error) });
    console.log(`  ✕ ${name}\n    ${String(error?.message ?? error).split('\n').join('\n    ')}`);
    for (const [i, page] of context.pages().entries()) await page.screenshot({ path: `${out}/FAILED-${name.replace(/\W+/g, '-')}-${i}.png` }).catch(() => undefined);
  } finally {
    await context.close();
  }
}
async function waitUntil(check, timeoutMs, what) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
function expect(condition, message) {
  if (!condition) throw new Error(message);
}
async function openDesk(context) {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByTestId('po-row-1').waitFor({ timeout: 15_000 });
  return page;
}
const shot = (page, name) => page.screenshot({ path: `${out}/${name}.png` });

console.log(`e2e against ${base} in ${executablePath}`);

{
  // The demo uses the package as a user would: its source must type-check against the built .d.ts.
  const { spawnSync } = await import('node:child_process');
  const started = Date.now();
  const tsc = spawnSync('node', ['node_modules/typescript/bin/tsc', '-p', 'demo-app/tsconfig.json'], { cwd: root, encoding: 'utf8' });
  const ok = tsc.status === 0;
  results.push({ name: 'the demo app type-checks against the built package', ok, ms: Date.now() - started, error: ok ? undefined : tsc.stdout });
  console.log(`  ${ok ? '✓' : '✕'} the demo app type-checks against the built package${ok ? '' : `\n${tsc.stdout}`}`);
}

await test('token expiry recovers with one refresh across 3 tabs', async (context) => {
  const tabs = [];
  for (let i = 0; i < 3; i++) tabs.push(await openDesk(context));
  const stats = await api('/__stats');
  const before = stats.tokenRequests;
  const ok200 = stats.byStatus['200'] ?? 0;
  const unauthorized = stats.byStatus['401'] ?? 0;
  await fault({ kind: 'expire-tokens' });
  // The token endpoint answers in 300 ms (a real IdP is not instant): every tab's request is
  // rejected before the one refresh completes.
  await Promise.all(tabs.map((t) => t.getByTestId('refresh-list').click()));
  // Every tab's list request was rejected (401) and then replayed successfully.
  await waitUntil(async () => { const s = await api('/__stats'); return (s.byStatus['401'] ?? 0) - unauthorized >= 3 && (s.byStatus['200'] ?? 0) - ok200 >= 4; }, 15_000, 'three 401s and three replays');
  for (const t of tabs) {
    await t.waitForFunction(() => !document.querySelector('.loading'), undefined, { timeout: 15_000 });
    expect(await t.getByTestId('po-row-1').isVisible(), 'a tab lost its list');
    expect((await t.locator('.error-banner').count()) === 0, 'a tab shows an error');
  }
  const after = (await api('/__stats')).tokenRequests;
  expect(after - before === 1, `expected exactly 1 token refresh across 3 tabs, saw ${after - before}`);
  for (const [i, t] of tabs.entries()) await shot(t, `token-expiry-tab-${i + 1}`);
});

await test('a 502 burst recovers visibly', async (context) => {
  const page = await openDesk(context);
  await fault({ kind: 'status', status: 502, count: 2 });
  await page.getByTestId('refresh-list').click();
  await page.getByTestId('event-retry').nth(1).waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => !document.querySelector('.loading'), undefined, { timeout: 15_000 });
  expect((await page.locator('.error-banner').count()) === 0, 'the burst surfaced as an error');
  const text = await page.getByTestId('event-log').innerText();
  expect(/bad-gateway/.test(text), 'the event log does not name the 502');
  await shot(page, 'retry-502-burst');
});

await test('a 409 with a non-overlapping edit merges', async (context) => {
  const page = await openDesk(context);
  await page.getByTestId('po-row-1').click();
  await page.getByTestId('edit-notes').waitFor();
  await fault({ kind: 'edit', id: '1', changes: { quantity: 250 }, by: 'alice@acme.test' });
  await page.getByTestId('edit-notes').fill('Call supplier before Friday');
  await page.getByTestId('edit-save').click();
  await page.getByTestId('edit-outcome').filter({ hasText: 'Saved' }).waitFor({ timeout: 15_000 });
  const po = (await api('/__state')).purchaseOrders.find((p) => p.id === '1');
  expect(po.quantity === 250 && po.notes === 'Call supplier before Friday', `both changes must survive, got ${JSON.stringify(po)}`);
  await page.getByTestId('event-reapply').first().waitFor();
  expect((await page.getByTestId('po-qty-1').innerText()) === '250', 'the list does not show the merged quantity');
  await shot(page, 'conflict-merged');
  // The README's picture: a 502 burst recovered, then the merged conflict, in the event log.
  await fault({ kind: 'status', status: 502, count: 2 });
  await page.getByTestId('refresh-list').click();
  await page.getByTestId('event-retry').nth(1).waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => !document.querySelector('.loading'), undefined, { timeout: 15_000 });
  await page.waitForTimeout(2500);
  await shot(page, 'desk');
});

await test('an overlapping edit opens the dialog and "take theirs" leaves the server unchanged', async (context) => {
  const page = await openDesk(context);
  await page.getByTestId('po-row-2').click();
  await page.getByTestId('edit-notes').waitFor();
  await fault({ kind: 'edit', id: '2', changes: { notes: 'Alice: expedite, customer escalation' }, by: 'alice@acme.test' });
  const before = (await api('/__state')).purchaseOrders.find((p) => p.id === '2');
  await page.getByTestId('edit-notes').fill('Bob: hold until QA signs off');
  await page.getByTestId('edit-save').click();
  await page.getByTestId('conflict-dialog').waitFor({ timeout: 15_000 });
  const dialog = await page.getByTestId('conflict-dialog').innerText();
  expect(/modified by alice/i.test(dialog) && /seconds ago/.test(dialog), 'the dialog must say who changed it and when');
  await shot(page, 'conflict-dialog');
  await page.getByTestId('conflict-take-theirs').click();
  await page.getByTestId('edit-outcome').waitFor({ timeout: 15_000 });
  const after = (await api('/__state')).purchaseOrders.find((p) => p.id === '2');
  expect(after.notes === 'Alice: expedite, customer escalation' && after._etag === before._etag, `the server must be unchanged, got ${JSON.stringify(after)}`);
  expect((await page.getByTestId('edit-notes').inputValue()) === 'Alice: expedite, customer escalation', 'the form should show their version');
  await shot(page, 'conflict-take-theirs');
});

await test('a persistent partial error still renders the rest', async (context) => {
  const page = await openDesk(context);
  await fault({ kind: 'partial', field: 'supplierRating', count: -1 });
  await page.getByTestId('refresh-list').click();
  await page.getByTestId('partial-note').waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('po-row-3').isVisible(), 'rows must still render');
  expect((await page.getByTestId('po-rating-3').innerText()).includes('unavailable'), 'the failing field must be marked');
  expect((await page.getByTestId('po-qty-3').innerText()) === '30', 'other fields must still show');
  await shot(page, 'partial-data');
});

await browser.close();
server.kill();
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
writeFileSync(`${out}/e2e.json`, JSON.stringify({ passed, failed, results }, null, 2));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

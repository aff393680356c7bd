// `npm run test:e2e`: the built demo against the real ION-like server, in Debian's Chromium driven
// by playwright-core (never a downloaded browser). Screenshots go to demo-app/test-results/.
// Ends with `N passed, N failed` and writes demo-app/test-results/e2e.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const server = spawn(
  'node',
  [
    'demo-app/server/dist/cli.mjs',
    '--port',
    '0',
    '--static',
    'demo-app/dist',
    '--max-lifetime-ms',
    '600000',
    '--token-latency-ms',
    '300',
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
const base = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('server did not start')), 15_000);
  server.stdout.on('data', (chunk) => {
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(String(chunk))?.[0];
    if (url) {
      clearTimeout(timer);
      resolve(url);
    }
  });
});
const api = async (path, method = 'GET', body) => {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return r.json();
};
const fault = (spec) => api('/__faults', 'POST', spec);

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

const results = [];
/** `E2E_ONLY=<part of a name>`: runs only the browser tests whose name contains it (while working on one). */
const only = process.env.E2E_ONLY;
async function test(name, fn) {
  if (only && !name.includes(only)) return;
  const started = Date.now();
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  try {
    await api('/__reset', 'POST');
    await fn(context);
    results.push({ name, ok: true, ms: Date.now() - started });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false, ms: Date.now() - started, error: String(error?.stack ?? error) });
    console.log(
      `  ✕ ${name}\n    ${String(error?.message ?? error)
        .split('\n')
        .join('\n    ')}`,
    );
    for (const [i, page] of context.pages().entries())
      await page.screenshot({ path: `${out}/FAILED-${name.replace(/\W+/g, '-')}-${i}.png` }).catch(() => undefined);
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
/** Wording the event log must never show (issue #19): texts come from the events' own fields. */
async function expectHonestLog(page) {
  const text = await page.getByTestId('event-log').innerText();
  const bad = /\(s\)|after 0 attempt|is retried|retried with backoff|\(waited /.exec(text);
  expect(!bad, `the event log says "${bad?.[0]}":\n${text.slice(0, 1500)}`);
}

/** A purchase order as the server holds it, and what the server counted per Idempotency-Key. */
const serverPo = async (id) => (await api('/__state')).purchaseOrders.find((p) => p.id === id);
/** The event log's lines of one event type, newest first. */
const logLines = (page, type) => page.getByTestId(`event-${type}`).locator('.what').allInnerTexts();
/** The event log's rows, newest first: `type` or `reload` for the separator, with their text. */
const logRows = (page) =>
  page
    .getByTestId('event-log')
    .locator('li')
    .evaluateAll((items) =>
      items.map((li) =>
        li.classList.contains('reload')
          ? 'reload'
          : `${li.querySelector('.type')?.textContent}: ${li.querySelector('.what')?.textContent}`,
      ),
    );
/**
 * While the browser is offline, the app's own files come from a cache, as a PWA's service worker
 * serves them (an offline Chromium cannot load a page otherwise); the API stays unreachable.
 */
async function serveAppShellFromCache(context) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  await context.route(
    (url) => !/^\/(graphql|oauth|__)/.test(url.pathname),
    (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = `${root}demo-app/dist/${path === '/' ? 'index.html' : path.slice(1)}`;
      if (!existsSync(file)) return route.abort('internetdisconnected');
      return route.fulfill({
        status: 200,
        contentType: types[/\.\w+$/.exec(file)?.[0] ?? '.html'] ?? 'application/octet-stream',
        body: readFileSync(file),
      });
    },
  );
}

console.log(`e2e against ${base} in ${executablePath}`);

{
  // The demo uses the package as a user would: its source must type-check against the built .d.ts.
  const { spawnSync } = await import('node:child_process');
  const started = Date.now();
  const tsc = spawnSync('node', ['node_modules/typescript/bin/tsc', '-p', 'demo-app/tsconfig.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  const ok = tsc.status === 0;
  results.push({
    name: 'the demo app type-checks against the built package',
    ok,
    ms: Date.now() - started,
    error: ok ? undefined : tsc.stdout,
  });
  console.log(`  ${ok ? '✓' : '✕'} the demo app type-checks against the built package${ok ? '' : `\n${tsc.stdout}`}`);
}

{
  // The event log's texts (demo-app/src/eventText.ts) against their table of events: jest on the
  // demo's own tests (the root jest config leaves demo-app out).
  const { spawnSync } = await import('node:child_process');
  const started = Date.now();
  const config = {
    rootDir: 'demo-app',
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts'],
    // The offline tests use the package's real connectivity source from src/ (native-ESM './x.js' imports).
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.tsx?$': [
        'ts-jest',
        {
          tsconfig: { module: 'commonjs', isolatedModules: true, esModuleInterop: true, target: 'ES2020' },
          diagnostics: false,
        },
      ],
    },
  };
  const jest = spawnSync('node', ['node_modules/jest/bin/jest.js', '--config', JSON.stringify(config), '--ci'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const ok = jest.status === 0;
  const summary = /Tests:.*$/m.exec(jest.stderr ?? '')?.[0] ?? '';
  results.push({
    name: "event texts come from the events' own fields (demo-app/src/__tests__)",
    ok,
    ms: Date.now() - started,
    error: ok ? undefined : jest.stderr,
  });
  console.log(
    `  ${ok ? '✓' : '✕'} event texts come from the events' own fields: ${summary}${ok ? '' : `\n${jest.stderr}`}`,
  );
}

{
  // Quick start: a second `npm run demo` on a taken port says which port and how to pick another,
  // before building and without a stack trace.
  const started = Date.now();
  const port = new URL(base).port;
  const run = spawn('node', ['scripts/demo.mjs'], {
    cwd: root,
    env: { ...process.env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  run.stdout.on('data', (c) => (output += c));
  run.stderr.on('data', (c) => (output += c));
  const code = await new Promise((resolve) => {
    const timer = setTimeout(() => {
      run.kill();
      resolve('timeout');
    }, 20_000);
    run.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const problems = [];
  if (code !== 1) problems.push(`exit code ${code}, expected 1`);
  if (!output.includes(`Port ${port}`) || !output.includes('PORT='))
    problems.push('does not name the port or how to pick another');
  if (/EADDRINUSE|\n\s+at /.test(output)) problems.push('prints a raw error or stack');
  if (/build|Installing/i.test(output)) problems.push('built before checking the port');
  writeFileSync(`${out}/demo-port-taken.txt`, output);
  results.push({
    name: 'a second `npm run demo` on a taken port explains itself',
    ok: problems.length === 0,
    ms: Date.now() - started,
    error: problems.join('; ') || undefined,
  });
  console.log(
    `  ${problems.length === 0 ? '✓' : '✕'} a second \`npm run demo\` on a taken port explains itself${problems.length ? `: ${problems.join('; ')}\n${output}` : ''}`,
  );
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
  await waitUntil(
    async () => {
      const s = await api('/__stats');
      return (s.byStatus['401'] ?? 0) - unauthorized >= 3 && (s.byStatus['200'] ?? 0) - ok200 >= 4;
    },
    15_000,
    'three 401s and three replays',
  );
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
  // While the backoff runs, the line counts down; it never claims the wait is over.
  const waiting = page.getByTestId('event-retry').first().locator('.what');
  await waiting.waitFor({ timeout: 15_000 });
  const during = await waiting.innerText();
  expect(
    /^attempt (\d) (in \d+\.\d s \(backoff \d+\.\d s; attempt \d: server · bad-gateway \(502\)\)|sent after waiting \d+\.\d s)/.test(
      during,
    ),
    `retry text while waiting: "${during}"`,
  );
  if (/^attempt \d in/.test(during)) await shot(page, 'event-text-1-waiting');
  await page.getByTestId('event-retry').nth(1).waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => !document.querySelector('.loading'), undefined, { timeout: 15_000 });
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-testid="event-retry"] .what')].every((e) =>
        e.textContent.includes('sent after waiting'),
      ),
    undefined,
    { timeout: 15_000 },
  );
  expect((await page.locator('.error-banner').count()) === 0, 'the burst surfaced as an error');
  const text = await page.getByTestId('event-log').innerText();
  expect(/bad-gateway/.test(text), 'the event log does not name the 502');
  expect(
    /attempt 3 sent after waiting \d+\.\d s \(attempt 2: server · bad-gateway \(502\)\)/.test(text),
    `the event log should say what happened: ${text.slice(0, 600)}`,
  );
  await expectHonestLog(page);
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
  expect(
    po.quantity === 250 && po.notes === 'Call supplier before Friday',
    `both changes must survive, got ${JSON.stringify(po)}`,
  );
  await page.getByTestId('event-reapply').first().waitFor();
  expect((await page.getByTestId('po-qty-1').innerText()) === '250', 'the list does not show the merged quantity');
  await shot(page, 'conflict-merged');
  // The README's picture: a 502 burst recovered, then the merged conflict, in the event log.
  await fault({ kind: 'status', status: 502, count: 2 });
  await page.getByTestId('refresh-list').click();
  await page.getByTestId('event-retry').nth(1).waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => !document.querySelector('.loading'), undefined, { timeout: 15_000 });
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-testid="event-retry"] .what')].every((e) =>
        e.textContent.includes('sent after waiting'),
      ),
    undefined,
    { timeout: 15_000 },
  );
  await page.setViewportSize({ width: 1360, height: 980 }); // the whole event log in the picture
  await shot(page, 'desk');
});

await test('an overlapping edit opens the dialog; "take theirs" leaves the server unchanged and is shown as a success', async (context) => {
  const page = await openDesk(context);
  await page.getByTestId('po-row-2').click();
  await page.getByTestId('edit-notes').waitFor();
  await fault({
    kind: 'edit',
    id: '2',
    changes: { notes: 'Alice: expedite, customer escalation' },
    by: 'alice@acme.test',
  });
  const before = (await api('/__state')).purchaseOrders.find((p) => p.id === '2');
  await page.getByTestId('edit-notes').fill('Bob: hold until QA signs off');
  await page.getByTestId('edit-save').click();
  await page.getByTestId('conflict-dialog').waitFor({ timeout: 15_000 });
  const dialog = await page.getByTestId('conflict-dialog').innerText();
  expect(
    /modified by alice/i.test(dialog) && /just now|seconds ago/.test(dialog),
    'the dialog must say who changed it and when',
  );
  await shot(page, 'conflict-dialog');
  await page.getByTestId('conflict-take-theirs').click();
  await page.getByTestId('edit-outcome').waitFor({ timeout: 15_000 });
  const after = (await api('/__state')).purchaseOrders.find((p) => p.id === '2');
  expect(
    after.notes === 'Alice: expedite, customer escalation' && after._etag === before._etag,
    `the server must be unchanged, got ${JSON.stringify(after)}`,
  );
  expect(
    (await page.getByTestId('edit-notes').inputValue()) === 'Alice: expedite, customer escalation',
    'the form should show their version',
  );
  // Taking theirs is what the person asked for: a success, not a red banner telling them to do it.
  const outcome = page.getByTestId('edit-outcome');
  expect(await outcome.evaluate((e) => e.classList.contains('ok')), 'taking theirs is shown as an error');
  const said = await outcome.innerText();
  expect(
    /Kept Alice's version/.test(said) && /Alice: expedite, customer escalation/.test(said),
    `the outcome should say whose version is kept: "${said}"`,
  );
  expect(
    (await page.getByTestId('edit-form').locator('.error-banner').count()) === 0,
    'an error banner is shown after taking theirs',
  );
  await shot(page, 'conflict-take-theirs');
});

await test('a persistent partial error still renders the rest', async (context) => {
  const page = await openDesk(context);
  await fault({ kind: 'partial', field: 'supplierRating', count: -1 });
  await page.getByTestId('refresh-list').click();
  await page.getByTestId('partial-note').waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('po-row-3').isVisible(), 'rows must still render');
  expect(
    (await page.getByTestId('po-rating-3').innerText()).includes('unavailable'),
    'the failing field must be marked',
  );
  expect((await page.getByTestId('po-qty-3').innerText()) === '30', 'other fields must still show');
  const note = await page.getByTestId('partial-note').innerText();
  expect(/^Partial data: \d+ fields? unavailable/.test(note), `partial note: "${note}"`);
  await shot(page, 'partial-data');
});

await test('a dropped connection after the server applied a save is visible, and the save applied once', async (context) => {
  const page = await openDesk(context);
  await page.getByTestId('po-row-4').click();
  await page.getByTestId('edit-notes').waitFor();
  const before = (await api('/__state')).purchaseOrders.find((p) => p.id === '4');
  await page.getByTestId('fault-drop').click();
  await page.getByTestId('last-fault').filter({ hasText: 'drops the connection' }).waitFor();
  await shot(page, 'drop-1-armed');
  await page.getByTestId('edit-notes').fill('Deliver to dock 7');
  await page.getByTestId('edit-save').click();
  // Whether Chromium re-sends on its own (it does, for a reused connection) or the retry link does,
  // the page must say what the server saw: two requests with one key, one apply.
  await page.getByTestId('edit-ledger').waitFor({ timeout: 30_000 });
  await shot(page, 'drop-2-applied-once');
  // What the server did comes first: one apply, whatever the page says.
  const after = (await api('/__state')).purchaseOrders.find((p) => p.id === '4');
  const stats = await api('/__stats');
  const fired = (await api('/__faults')).fired;
  expect(
    fired.length === 1 && fired[0].idempotencyKey,
    `the dropped save request carried no Idempotency-Key: ${JSON.stringify(fired)}`,
  );
  expect(
    after.notes === 'Deliver to dock 7' && after.version === before.version + 1,
    `one apply expected, the PO went from version ${before.version} to ${after.version}`,
  );
  const keys = Object.keys(stats.requestsByKey);
  expect(
    keys.length === 1 && stats.appliedByKey[keys[0]] === 1 && stats.requestsByKey[keys[0]] >= 2,
    `server: ${JSON.stringify({ requests: stats.requestsByKey, applied: stats.appliedByKey })}`,
  );
  const ledger = await page.getByTestId('edit-ledger').innerText();
  expect(
    /dropped after the server had applied/.test(ledger),
    `the page does not say the connection dropped: "${ledger}"`,
  );
  expect((await page.getByTestId('ledger-applied').innerText()) === 'applied once', `not "applied once": "${ledger}"`);
  expect(
    /^[2-9] requests$/.test(await page.getByTestId('ledger-requests').innerText()),
    `the repeat is not visible: "${ledger}"`,
  );
  expect(/browser re-sent|links retried/.test(ledger), `the page does not say who repeated the request: "${ledger}"`);
  expect(/^Saved\./.test(await page.getByTestId('edit-outcome').innerText()), 'the save is not shown as saved');
  await expectHonestLog(page);
});

await test('"Alice edits" makes a real change each time, and each one merges visibly', async (context) => {
  const page = await openDesk(context);
  await page.getByTestId('po-row-3').click();
  await page.getByTestId('edit-notes').waitFor();
  for (const [round, quantity, notes] of [
    [1, 55, 'Bob: confirm the supplier'],
    [2, 80, 'Bob: supplier confirmed'],
  ]) {
    await page.getByTestId('fault-alice-qty').click();
    await page
      .getByTestId('last-fault')
      .filter({ hasText: `quantity ${quantity - 25} → ${quantity}` })
      .waitFor({ timeout: 10_000 });
    const server = (await api('/__state')).purchaseOrders.find((p) => p.id === '3');
    expect(
      server.quantity === quantity,
      `round ${round}: Alice should have written ${quantity}, the server has ${server.quantity}`,
    );
    await page.getByTestId('edit-notes').fill(notes);
    await page.getByTestId('edit-save').click();
    await page
      .getByTestId('edit-outcome')
      .filter({ hasText: `quantity ${quantity}, notes “${notes}”` })
      .waitFor({ timeout: 15_000 });
    await page
      .getByTestId('event-reapply')
      .nth(round - 1)
      .waitFor({ timeout: 15_000 });
    expect(
      /kept their quantity/.test(await page.getByTestId('event-reapply').first().innerText()),
      `round ${round}: the merge does not say it kept Alice's quantity`,
    );
    await page
      .getByTestId('po-qty-3')
      .filter({ hasText: String(quantity) })
      .waitFor({ timeout: 10_000 });
    await shot(page, `alice-${round}-merged`);
  }
  await page.getByTestId('fault-alice-notes').click();
  const first = await page.getByTestId('last-fault').filter({ hasText: 'notes to' }).innerText();
  await page.getByTestId('fault-alice-notes').click();
  await page.waitForFunction(
    (was) => document.querySelector('[data-testid="last-fault"]')?.textContent !== was,
    first,
    { timeout: 10_000 },
  );
  const second = await page.getByTestId('last-fault').innerText();
  expect(first !== second && /notes to/.test(second), `Alice wrote the same notes twice: "${first}" / "${second}"`);
});

await test('an outage keeps the last data (stale), counts down to the probe, and reloads every view when the circuit closes', async (context) => {
  const page = await openDesk(context);
  await page.getByTestId('fault-outage').click();
  await page.getByTestId('last-fault').filter({ hasText: 'Total outage' }).waitFor();
  // Three operations that end in a retryable failure open the circuit (the demo's breaker).
  for (let i = 0; i < 5 && (await page.getByTestId('circuit-banner').count()) === 0; i++) {
    const gaveUp = await page.getByTestId('event-give-up').count();
    await page.getByTestId('refresh-list').click();
    await page.getByTestId('event-give-up').nth(gaveUp).waitFor({ timeout: 30_000 });
    await page.getByTestId('stale-list').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('po-row-1').isVisible(), 'the table went blank after a failed refresh');
    if (i === 0) await shot(page, 'outage-1-stale-after-give-up');
  }
  await page.getByTestId('circuit-banner').waitFor({ timeout: 10_000 });
  expect(await page.getByTestId('po-row-1').isVisible(), 'the table went blank when the circuit opened');
  // The countdown is live: it changes while the page is watched.
  const countdown = page.getByTestId('circuit-countdown');
  const first = await countdown.innerText();
  expect(/Next probe in \d+(\.\d)? s\.|Probing/.test(first), `countdown: "${first}"`);
  await page.waitForFunction(
    (was) => document.querySelector('[data-testid="circuit-countdown"]')?.textContent !== was,
    first,
    { timeout: 5_000 },
  );
  await shot(page, 'outage-2-circuit-open-countdown');
  await expectHonestLog(page);
  // A view that never loaded during the outage says so, and has a Refresh.
  await page.getByRole('button', { name: 'Parts', exact: true }).click();
  await page.getByTestId('refresh-parts').waitFor();
  await page.getByTestId('parts-empty').waitFor({ timeout: 10_000 });
  await shot(page, 'outage-3-parts-never-loaded');
  await page.getByTestId('fault-clear').click();
  await page.getByTestId('last-fault').filter({ hasText: 'Faults cleared' }).waitFor();
  // Nobody clicks anything else: the probe goes through, the circuit closes, the view reloads.
  await page.getByTestId('part-row-1').waitFor({ timeout: 40_000 });
  await page.getByTestId('event-circuit-close').waitFor({ timeout: 5_000 });
  expect((await page.getByTestId('circuit-banner').count()) === 0, 'the circuit banner stays after the circuit closed');
  await shot(page, 'outage-4-recovered-parts');
  await page.getByRole('button', { name: 'Purchase orders', exact: true }).click();
  await page.waitForFunction(
    () => !document.querySelector('[data-testid="stale-list"]') && !document.querySelector('.loading'),
    undefined,
    { timeout: 15_000 },
  );
  expect(await page.getByTestId('po-row-1').isVisible(), 'the purchase orders are gone after the outage');
  await expectHonestLog(page);
  await shot(page, 'outage-5-recovered-list');
});

await test('a save made offline survives a reload and is applied once when the network returns', async (context) => {
  const page = await openDesk(context);
  await page.getByTestId('po-row-5').click();
  await page.getByTestId('edit-notes').waitFor();
  const before = await serverPo('5');
  // The browser really goes offline (the page's network emulation): navigator.onLine, the events, fetch.
  await context.setOffline(true);
  await page.getByTestId('network-status').filter({ hasText: 'Offline (the browser says so)' }).waitFor();
  await page.getByTestId('edit-notes').fill('Counted offline: 48 boxes');
  await page.getByTestId('edit-save').click();
  await page.getByTestId('outbox-badge').filter({ hasText: '1 change waiting' }).waitFor({ timeout: 10_000 });
  await page.getByTestId('edit-waiting').filter({ hasText: 'PO-1005' }).waitFor();
  await page.getByTestId('outbox-badge').click();
  const listed = await page.getByTestId('outbox-entry').innerText();
  expect(
    /PO-1005: .*notes “Counted offline: 48 boxes”/.test(listed) && /waiting to be sent/.test(listed),
    `the badge's list: "${listed}"`,
  );
  await shot(page, 'offline-1-kept');
  // Reload while offline: the app comes from the cache, the change from localStorage.
  await serveAppShellFromCache(context);
  await page.reload();
  await page.getByTestId('outbox-badge').filter({ hasText: '1 change waiting' }).waitFor({ timeout: 15_000 });
  expect((await page.evaluate(() => navigator.onLine)) === false, 'the reloaded page is online');
  let server = await api('/__stats');
  expect(
    Object.keys(server.requestsByKey).length === 0 && (await serverPo('5')).version === before.version,
    `the change reached the server while offline: ${JSON.stringify(server.requestsByKey)}`,
  );
  await shot(page, 'offline-2-reloaded');
  await context.setOffline(false);
  await waitUntil(
    async () => (await serverPo('5')).notes === 'Counted offline: 48 boxes',
    20_000,
    'the kept change on the server',
  );
  await page.getByTestId('outbox-badge').waitFor({ state: 'detached', timeout: 10_000 });
  const after = await serverPo('5');
  server = await api('/__stats');
  const keys = Object.keys(server.appliedByKey);
  expect(
    after.version === before.version + 1 && keys.length === 1 && server.appliedByKey[keys[0]] === 1,
    `applied once expected: version ${before.version} → ${after.version}, applies ${JSON.stringify(server.appliedByKey)}`,
  );
  // The screen shows it without a click (the list is reloaded when a kept change is delivered).
  await page.getByTestId('po-notes-5').filter({ hasText: 'Counted offline: 48 boxes' }).waitFor({ timeout: 10_000 });
  // The log tells the story across the reload: kept, reload, sent with its key, delivered.
  await page.getByTestId('event-outbox-delivered').waitFor({ timeout: 10_000 });
  const rows = await logRows(page);
  const at = (pattern) => rows.findIndex((r) => pattern.test(r));
  const [delivered, replay, reload, kept] = [
    at(/^outbox-delivered: delivered: the server answered the kept change/),
    at(/^outbox-replay: sending a change kept offline, with the Idempotency-Key it was made with/),
    at(/^reload$/),
    at(/^outbox-enqueue: kept offline: the change waits to be sent \(1 change waiting\)/),
  ];
  expect(
    delivered >= 0 && delivered < replay && replay < reload && reload < kept,
    `the event log does not explain it (newest first):\n${rows.join('\n')}`,
  );
  await expectHonestLog(page);
  await shot(page, 'offline-3-delivered-once');
});

await test('two quick saves of one purchase order do not conflict with each other', async (context) => {
  const page = await openDesk(context);
  await page.getByTestId('po-row-6').click();
  await page.getByTestId('edit-notes').waitFor();
  const before = await serverPo('6');
  const conflictsBefore = (await api('/__stats')).byStatus['409'] ?? 0;
  // A slow network: the first save's answer takes 1.5 s, so the second save is made before it arrives.
  await fault({ kind: 'slow', delayMs: 1500, operationName: 'UpdatePurchaseOrder' });
  await page.getByTestId('edit-notes').fill('First save');
  await page.getByTestId('edit-save').click();
  await page.getByTestId('edit-quantity').fill('75');
  await page.getByTestId('edit-notes').fill('Second save');
  await page.getByTestId('edit-save').click();
  await page
    .getByTestId('edit-outcome')
    .filter({ hasText: 'quantity 75, notes “Second save”' })
    .waitFor({ timeout: 20_000 });
  const after = await serverPo('6');
  const stats = await api('/__stats');
  expect(
    after.notes === 'Second save' && after.quantity === 75 && after.version === before.version + 2,
    `two applies expected, the second last: ${JSON.stringify(after)} (version before: ${before.version})`,
  );
  expect(
    (stats.byStatus['409'] ?? 0) === conflictsBefore,
    `the saves conflicted with each other: ${(stats.byStatus['409'] ?? 0) - conflictsBefore} × 409`,
  );
  expect((await page.getByTestId('conflict-dialog').count()) === 0, 'a conflict dialog opened');
  expect(
    (await page.getByTestId('event-conflict').count()) === 0 && (await page.getByTestId('event-reread').count()) === 0,
    'the event log shows a conflict',
  );
  expect(
    Object.values(stats.appliedByKey).length === 2 && Object.values(stats.appliedByKey).every((n) => n === 1),
    `each save applied once: ${JSON.stringify(stats.appliedByKey)}`,
  );
  expect(
    (await page.getByTestId('edit-form').locator('h2 small').innerText()) === `etag ${after._etag}`,
    'the form does not continue from the saved version',
  );
  await shot(page, 'two-quick-saves');
});

await test('a burst of reads while offline waits for the network: no attempt spent, the circuit stays closed', async (context) => {
  const page = await openDesk(context);
  await context.setOffline(true);
  await page.getByTestId('network-status').filter({ hasText: 'Offline' }).waitFor();
  // Several reads: the list again, and four purchase orders never loaded before.
  await page.getByTestId('refresh-list').click();
  for (const id of ['7', '8', '9', '10']) {
    await page.getByTestId(`po-row-${id}`).click();
    await page.getByTestId('event-paused').nth(0).waitFor({ timeout: 10_000 });
  }
  await waitUntil(async () => (await page.getByTestId('event-paused').count()) >= 5, 10_000, 'five paused reads');
  // Nothing is supposed to happen now: watched for 3 s (longer than the demo's first backoff, 1 s).
  await new Promise((r) => setTimeout(r, 3000));
  const spent = (await logLines(page, 'retry')).length + (await logLines(page, 'give-up')).length;
  expect(spent === 0, `attempts were spent offline:\n${(await logRows(page)).join('\n')}`);
  expect((await page.getByTestId('circuit-banner').count()) === 0, 'the circuit opened while offline');
  const paused = await logLines(page, 'paused');
  expect(
    paused.every((t) =>
      /^offline: attempt 1 failed \(network[^)]*\); waiting for the network, no attempt spent/.test(t),
    ),
    `paused lines: ${paused.join(' | ')}`,
  );
  await shot(page, 'offline-burst-1-paused');
  await context.setOffline(false);
  await page.getByTestId('edit-notes').waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => !document.querySelector('.loading'), undefined, { timeout: 15_000 });
  await page.getByTestId('event-resumed').nth(1).waitFor({ timeout: 10_000 });
  expect((await page.getByTestId('edit-form').locator('h2').innerText()).startsWith('PO-1010'), 'PO 10 did not load');
  const rows = await logRows(page);
  const firstResumed = rows.findIndex((r) => r.startsWith('resumed: back online: attempt 2 sent after'));
  const lastPaused = rows.findIndex((r) => r.startsWith('paused: '));
  expect(firstResumed >= 0 && firstResumed < lastPaused, `paused, then resumed (newest first):\n${rows.join('\n')}`);
  expect(
    !rows.some((r) => /^(circuit-open|give-up|retry):/.test(r)) &&
      (await page.getByTestId('circuit-banner').count()) === 0,
    `the burst spent attempts or opened the circuit:\n${rows.join('\n')}`,
  );
  expect((await page.locator('.error-banner').count()) === 0, 'an error is shown after the network returned');
  await expectHonestLog(page);
  await shot(page, 'offline-burst-2-resumed');
});

await test('the Offline switch: saves wait in the badge, one is discarded, the other is applied once when back online', async (context) => {
  const page = await openDesk(context);
  // Both forms loaded once online, so they open from the cache while "offline".
  for (const id of ['9', '8']) {
    await page.getByTestId(`po-row-${id}`).click();
    await page
      .getByTestId('edit-form')
      .locator('h2')
      .filter({ hasText: `PO-10${id.padStart(2, '0')}` })
      .waitFor();
  }
  const [before8, before9] = [await serverPo('8'), await serverPo('9')];
  await page.getByTestId('offline-switch').check();
  await page.getByTestId('network-status').filter({ hasText: 'Offline (switch)' }).waitFor();
  await page.getByTestId('last-fault').filter({ hasText: 'fails to fetch' }).waitFor();
  await page.getByTestId('edit-notes').fill('Pallet 3 of 4 received');
  await page.getByTestId('edit-save').click();
  await page.getByTestId('outbox-badge').filter({ hasText: '1 change waiting' }).waitFor({ timeout: 10_000 });
  await page.getByTestId('po-row-9').click();
  await page.getByTestId('edit-form').locator('h2').filter({ hasText: 'PO-1009' }).waitFor();
  await page.getByTestId('edit-notes').fill('Typo, do not send');
  await page.getByTestId('edit-save').click();
  await page.getByTestId('outbox-badge').filter({ hasText: '2 changes waiting' }).waitFor({ timeout: 10_000 });
  await page.getByTestId('outbox-badge').click();
  const entries = await page.getByTestId('outbox-entry').allInnerTexts();
  expect(
    entries.length === 2 && /^PO-1008: /.test(entries[0]) && /^PO-1009: .*Typo, do not send/.test(entries[1]),
    `the badge lists, in order: ${JSON.stringify(entries)}`,
  );
  await shot(page, 'offline-switch-1-two-waiting');
  await page.getByTestId('outbox-entry').nth(1).getByTestId('outbox-discard').click();
  await page.getByTestId('outbox-badge').filter({ hasText: '1 change waiting' }).waitFor({ timeout: 10_000 });
  // The discarded save's form says it was not saved.
  await page.getByTestId('edit-outcome').filter({ hasText: 'not saved' }).waitFor({ timeout: 10_000 });
  expect(Object.keys((await api('/__stats')).requestsByKey).length === 0, 'a save reached the server while offline');
  // A reload keeps the switch on and the kept change waiting (the browser itself is online: the page loads).
  await page.reload();
  await page.getByTestId('network-status').filter({ hasText: 'Offline (switch)' }).waitFor({ timeout: 15_000 });
  await page.getByTestId('outbox-badge').filter({ hasText: '1 change waiting' }).waitFor({ timeout: 15_000 });
  expect(await page.getByTestId('offline-switch').isChecked(), 'the switch is off after the reload');
  expect(Object.keys((await api('/__stats')).requestsByKey).length === 0, 'the reload sent the kept save');
  await page.getByTestId('offline-switch').uncheck();
  await page.getByTestId('network-status').filter({ hasText: 'Online' }).waitFor();
  await page.getByTestId('outbox-badge').waitFor({ state: 'detached', timeout: 15_000 });
  await waitUntil(async () => (await serverPo('8')).notes === 'Pallet 3 of 4 received', 10_000, 'the kept save');
  const [after8, after9] = [await serverPo('8'), await serverPo('9')];
  const stats = await api('/__stats');
  expect(
    after8.version === before8.version + 1 && after9.version === before9.version && after9.notes === before9.notes,
    `PO 8 applied once and PO 9 untouched expected: ${JSON.stringify({ after8, after9 })}`,
  );
  expect(
    Object.values(stats.appliedByKey).length === 1 && Object.values(stats.appliedByKey)[0] === 1,
    `applies per key: ${JSON.stringify(stats.appliedByKey)}`,
  );
  await page.getByTestId('event-outbox-delivered').waitFor({ timeout: 10_000 });
  expect(
    (await logLines(page, 'outbox-discarded'))[0] === 'discarded a kept change: it will not be sent',
    'the log does not say the change was discarded',
  );
  await expectHonestLog(page);
  await shot(page, 'offline-switch-2-back-online');
});

await test('PO numbers stay on one line', async (context) => {
  const page = await openDesk(context);
  for (const width of [1360, 1100, 900]) {
    await page.setViewportSize({ width, height: 900 });
    const wrapped = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid^="po-number-"]')]
        .filter((td) => {
          const range = document.createRange();
          range.selectNodeContents(td);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
        })
        .map((td) => td.textContent),
    );
    expect(wrapped.length === 0, `at ${width} px these PO numbers wrap: ${wrapped.join(', ')}`);
    await shot(page, `po-numbers-${width}`);
  }
});

await browser.close();
server.kill();
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
writeFileSync(`${out}/e2e.json`, JSON.stringify({ passed, failed, results }, null, 2));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

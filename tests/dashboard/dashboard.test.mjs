// The coordinator's dashboard in Debian's chromium (playwright-core) against a real
// lantern-server on 127.0.0.1, seeded by real client uploads (seed.mjs: enroll, fill,
// aggregate, approve, sync run). Sign-in, every view, filters, exports equal to the API,
// suppressed cells never shown as numbers, a viewer refused on admin pages, axe-core in
// English and Arabic, tablet size. Screenshots: target/e2e-artifacts/dashboard/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, seed, USERS } from './seed.mjs';

const require = createRequire(join(root, 'ui/package.json'));
const { chromium } = require('playwright-core');
const artifacts = join(root, 'target/e2e-artifacts/dashboard');
const TABLET = { width: 1024, height: 768 };
const LAPTOP = { width: 1280, height: 800 };

let env;
let browser;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  env = await seed();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  await env?.stop();
});

async function open({ viewport = LAPTOP, lang = 'en', axe = false } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, bypassCSP: axe, locale: lang === 'ar' ? 'ar' : 'en-GB' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && !/401|403/.test(m.text()) && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  const response = await page.goto(`${env.url}/?lang=${lang}`);
  if (axe) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return { page, context, problems, response };
}

async function signIn(page, who) {
  await page.getByTestId('username').fill(USERS[who].name);
  await page.getByTestId('password').fill(USERS[who].password);
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('who').waitFor();
}

async function axe(page, label) {
  const violations = await page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `axe violations on ${label}`);
}

async function fits(page, label) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${label}: the page scrolls sideways by ${overflow}px`);
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('button, select, input:not([type=checkbox]), a.button, nav a')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.height < 44)
      .map(({ e, r }) => `${e.tagName.toLowerCase()}[${e.dataset.testid ?? e.textContent.trim()}] ${Math.round(r.height)}px`),
  );
  assert.deepEqual(small, [], `${label}: targets under 44 px`);
}

const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

/** The API's JSON for `path`, fetched by the page itself (same session). */
const apiJson = (page, path) => page.evaluate(async (p) => (await fetch(p)).json(), path);

/** The JSON API path of what the view shows now, from its export link (same query). */
async function viewPath(page) {
  const href = await page.getByTestId('export-csv').getAttribute('href');
  const url = new URL(href, 'http://x');
  const view = url.searchParams.get('view');
  url.searchParams.delete('view');
  url.searchParams.delete('format');
  return `/api/v1/dashboard/${view}?${url.searchParams}`;
}

async function download(page, testid) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  return readFileSync(await dl.path(), 'utf8');
}

function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

test('GET / is the sign-in page; a wrong password is refused; the admin signs in', async () => {
  const { page, context, problems, response } = await open({ axe: true });
  assert.equal(response.status(), 200);
  await page.getByTestId('sign-in').waitFor();
  await axe(page, 'sign-in');
  await shot(page, 'sign-in-en');
  await page.getByTestId('username').fill(USERS.admin.name);
  await page.getByTestId('password').fill('not the right password');
  await page.getByTestId('sign-in-submit').click();
  await page.getByText('Wrong user name or password.').waitFor();
  await signIn(page, 'admin');
  // The cookie is HttpOnly: no script can read it.
  assert.equal(await page.evaluate(() => document.cookie), '');
  await page.getByTestId('sign-out').click();
  await page.getByTestId('sign-in').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('overview: risk table, counts, admin-area filter, CSV equal to the API', async () => {
  const { page, context, problems } = await open({ axe: true });
  await signIn(page, 'admin');
  const table = page.getByTestId('overview-table');
  await table.waitFor();
  const api = await apiJson(page, '/api/v1/dashboard/overview');
  assert.equal(await table.locator('tbody tr').count(), api.rows.length);
  assert.equal(api.rows.length, 3);
  // Every level reads as text, not colour alone.
  for (const r of api.rows) {
    const row = table.locator(`tr[data-site="${r.site}"]`);
    await row.waitFor();
    const text = await row.textContent();
    assert.match(text, r.level ? new RegExp(r.level, 'i') : /Not rated/);
  }
  const red = api.counts.red;
  assert.equal(await page.getByTestId('count-red').textContent().then((t) => t.trim().endsWith(String(red))), true);
  await axe(page, 'overview');
  await shot(page, 'overview-en');
  await page.screenshot({ path: join(artifacts, 'overview-en-screen.png') });

  // The form filter: the camp safety audit alone rates fewer sectors than every form together.
  await page.getByTestId('filter-form').selectOption('camp_safety_audit');
  const camp = await apiJson(page, await viewPath(page));
  assert.ok(camp.sectors.length > 0 && camp.sectors.length < api.sectors.length, JSON.stringify(camp.sectors));
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=overview-table] thead th').length === 4 + n, camp.sectors.length);
  await page.getByTestId('filter-form').selectOption('');
  await page.getByTestId('filter-area').selectOption('SO2402');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=overview-table] tbody tr').length === 1);
  assert.equal(await table.locator('tbody tr').first().getAttribute('data-site'), 'SO2402-0001');
  await page.getByTestId('filter-area').selectOption('SO2401');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=overview-table] tbody tr').length === 2);
  assert.equal(await viewPath(page), '/api/v1/dashboard/overview?admin=SO2401');
  const filtered = await apiJson(page, await viewPath(page));
  const csv = parseCsv(await download(page, 'export-csv'));
  assert.equal(csv[0].slice(0, 4).join(','), 'site,site_name,admin,level');
  assert.equal(csv.length - 1, filtered.rows.length);
  for (const [i, r] of filtered.rows.entries()) {
    assert.equal(csv[i + 1][0], r.site);
    assert.equal(csv[i + 1][3], r.level ?? '');
    r.cells.forEach((c, j) => assert.equal(csv[i + 1][4 + 2 * j], c?.level ?? ''));
  }
  const hxl = parseCsv(await download(page, 'export-hxl'));
  assert.equal(hxl[1][0], '#loc+code');
  assert.deepEqual(problems, []);
  await context.close();
});

test('indicator view: released cells, suppressed cells never as numbers, chart, exports', async () => {
  const { page, context, problems } = await open({ axe: true, viewport: TABLET });
  await signIn(page, 'viewer');
  await page.getByTestId('nav-indicator').click();
  await page.getByTestId('pick-form').selectOption('womens_participation');
  await page.getByTestId('pick-indicator').selectOption('attending');
  await page.getByTestId('pick-round').selectOption('baseline');
  const table = page.getByTestId('indicator-table');
  assert.equal(await viewPath(page), '/api/v1/dashboard/indicator?form_id=womens_participation&indicator=attending&round=baseline');
  const api = await apiJson(page, await viewPath(page));
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=indicator-table] tbody tr').length === n, api.rows.length);
  assert.ok(api.rows.every((r) => r.round === 'baseline'));
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), api.rows.length);
  const suppressed = api.rows.filter((r) => r.suppressed);
  assert.ok(suppressed.length > 0, 'the seed has suppressed cells');
  for (const [i, r] of api.rows.entries()) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    if (r.suppressed) {
      assert.equal(cells[2].trim(), `suppressed (fewer than ${r.k})`);
      assert.equal(await rows.nth(i).getAttribute('data-suppressed'), 'true');
    }
  }
  // No suppressed cell's number can be on the page: the API never sent one.
  for (const r of suppressed) assert.ok(r.value === null && r.n === null);
  // The chart draws released cells only and says how many it left out.
  await page.getByTestId('chart').waitFor();
  const breakdownRows = api.rows.filter((r) => Object.keys(r.by).length > 0);
  const hidden = breakdownRows.filter((r) => r.suppressed).length;
  assert.match(await page.getByTestId('not-drawn').textContent(), new RegExp(`^${hidden} `));
  const drawn = await page.locator('[data-testid=chart] svg text').allTextContents();
  for (const r of breakdownRows.filter((x) => !x.suppressed && x.value !== null)) {
    const label = `${new Intl.NumberFormat('en-u-nu-latn', { maximumFractionDigits: 1 }).format(r.value)}%`;
    assert.ok(drawn.includes(label), `bar label ${label} drawn`);
  }
  await axe(page, 'indicator');
  await fits(page, 'indicator at tablet size');
  await shot(page, 'indicator-en-tablet');

  const csv = parseCsv(await download(page, 'export-csv'));
  assert.equal(csv[0].join(','), 'site,site_name,round,period,indicator,breakdown,value,n,level');
  assert.equal(csv.length - 1, api.rows.length);
  for (const [i, r] of api.rows.entries()) {
    const line = csv[i + 1];
    assert.equal(line[0], r.site);
    assert.equal(line[2], r.round);
    if (r.suppressed) assert.equal(line[6], `suppressed (fewer than ${r.k})`);
    else assert.equal(line[6] === '' ? null : Number(line[6]), r.value === null ? null : Math.round(r.value * 1e4) / 1e4);
  }
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
  assert.match(dl.suggestedFilename(), /\.xlsx$/);
  assert.equal(readFileSync(await dl.path()).subarray(0, 2).toString(), 'PK');

  // Filtering by one site narrows the table.
  await page.getByTestId('pick-site-SO2401-0002').check();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=indicator-table] tbody th bdi')].every((b) => b.textContent === 'SO2401-0002'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('baseline vs endline in Arabic: right to left, change only where both rounds are released', async () => {
  const { page, context, problems } = await open({ axe: true, lang: 'ar' });
  await signIn(page, 'viewer');
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
  await page.getByTestId('nav-change').click();
  await page.getByTestId('change-table').waitFor();
  const path = await viewPath(page);
  assert.match(path, /form_id=womens_participation&baseline=baseline&endline=endline&indicators=attending%2C/);
  const api = await apiJson(page, path);
  // Participation, leadership, influence and safety by default.
  assert.deepEqual([...new Set(api.rows.map((r) => r.indicator))].sort(), ['attending', 'influence_agree', 'leadership', 'members', 'safe_day', 'safe_night', 'voicing']);
  const rows = page.locator('[data-testid=change-table] tbody tr');
  assert.equal(await rows.count(), api.rows.length);
  assert.ok(api.rows.some((r) => r.status === 'released'));
  for (const [i, r] of api.rows.entries()) {
    const text = (await rows.nth(i).getByTestId('change-value').textContent()).trim();
    if (r.status === 'released') assert.notEqual(text, '—');
    else assert.equal(text, '—');
  }
  await page.getByTestId('change-chart-indicator').selectOption('attending');
  await page.getByTestId('chart').waitFor();
  await axe(page, 'change (ar)');
  await fits(page, 'change (ar)');
  await shot(page, 'change-ar');
  await page.screenshot({ path: join(artifacts, 'change-ar-screen.png') });
  const csv = parseCsv(await download(page, 'export-csv'));
  assert.equal(csv.length - 1, api.rows.length);
  for (const [i, r] of api.rows.entries()) {
    assert.equal(csv[i + 1][2], r.indicator);
    assert.equal(csv[i + 1][5], r.change === null ? '' : String(Math.round(r.change * 1e4) / 1e4));
  }
  // Every indicator of the form on demand.
  await page.getByTestId('change-all').check();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=change-table] tbody tr').length > n, api.rows.length);
  // Every other view in Arabic passes axe too.
  for (const view of ['overview', 'indicator']) {
    await page.getByTestId(`nav-${view}`).click();
    await page.getByTestId(view).waitFor();
    await page.waitForTimeout(300);
    await axe(page, `${view} (ar)`);
    await shot(page, `${view}-ar`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('devices: the admin creates a code, sees last uploads and revokes; a viewer is refused', async () => {
  const { page, context, problems } = await open({ axe: true, lang: 'fr' });
  await signIn(page, 'admin');
  await page.getByTestId('nav-devices').click();
  const table = page.getByTestId('devices-table');
  await table.waitFor();
  assert.equal(await table.locator('tbody tr').count(), 2);
  for (const t of await page.getByTestId('last-upload').allTextContents()) assert.notEqual(t.trim(), 'jamais');
  await page.getByTestId('enroll-sites').fill('SO2402-0001');
  await page.getByTestId('enroll-submit').click();
  const code = (await page.getByTestId('enroll-code').textContent()).trim();
  assert.match(code, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
  await axe(page, 'devices (fr)');
  await shot(page, 'devices-fr');
  await page.getByTestId('revoke').first().click();
  await page.getByTestId('revoke-confirm').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=device-status]')].some((e) => e.textContent.startsWith('révoqué')));
  assert.deepEqual(problems, []);
  await context.close();

  const viewer = await open();
  await signIn(viewer.page, 'viewer');
  assert.equal(await viewer.page.getByTestId('nav-devices').count(), 0);
  await viewer.page.goto(`${env.url}/#/devices`);
  await viewer.page.getByTestId('admin-only').waitFor();
  const status = await viewer.page.evaluate(async () => (await fetch('/api/v1/dashboard/devices')).status);
  assert.equal(status, 403);
  const post = await viewer.page.evaluate(async () =>
    (await fetch('/api/v1/dashboard/enrollments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sites":["SO1"]}' })).status,
  );
  assert.equal(post, 403);
  await shot(viewer.page, 'devices-viewer-refused');
  await viewer.context.close();
});

// Browser tier: the BUILT UI (ui/dist) in Debian's chromium through playwright-core, with
// Tauri's IPC mocked and the app's own CSP (from src-tauri/tauri.conf.json) served as a
// header, so a bundle that breaks under the strict CSP fails here too.
// Run by scripts/tier-browser.sh; screenshots go to target/browser-artifacts/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const require = createRequire(join(root, 'ui/package.json'));
const { chromium } = require('playwright-core');

const dist = join(root, 'ui/dist');
const artifacts = join(root, 'target/browser-artifacts');
const mocksJs = require.resolve('@tauri-apps/api/mocks').replace(/mocks\.cjs$/, 'mocks.js');
const conf = JSON.parse(readFileSync(join(root, 'src-tauri/tauri.conf.json'), 'utf8'));
const csp = Object.entries(conf.app.security.csp)
  .map(([k, v]) => `${k} ${v}`)
  .join('; ');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };

function serve(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  let file;
  if (url.pathname === '/__test/mocks.js') file = mocksJs;
  else if (url.pathname === '/__test/ipc-mock.js') file = fileURLToPath(new URL('./ipc-mock.js', import.meta.url));
  else file = join(dist, normalize(url.pathname === '/' ? '/index.html' : url.pathname));
  if (!file.startsWith(dist) && !file.endsWith('mocks.js') && !file.endsWith('ipc-mock.js')) file = '';
  if (!file || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  let body = readFileSync(file);
  if (file.endsWith('index.html')) {
    // The mock must run before the app's module; module scripts run in document order.
    body = body.toString().replace('<head>', '<head>\n    <script type="module" src="/__test/ipc-mock.js"></script>');
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': csp });
  res.end(body);
}

let server;
let base;
let browser;

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'ui/dist is missing: run `npm run build` in ui/');
  mkdirSync(artifacts, { recursive: true });
  server = createServer(serve);
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
});

/** Opens the home screen and collects console errors and CSP violations. */
async function open(scenario, viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${base}/?scenario=${scenario}`);
  return { page, problems };
}

describe('home screen', () => {
  it('lists the forms and shows the broken workbook with its error', async () => {
    const { page, problems } = await open('forms');
    const list = page.getByTestId('form-list');
    await list.waitFor();
    const site = list.locator('li[data-form-id="site_visit_check"]');
    assert.equal(await site.locator('h3').textContent(), 'Site visit check');
    assert.match(await site.textContent(), /site_visit_check/);
    assert.match(await site.textContent(), /English \(en\), Français \(fr\), العربية \(ar\)/);
    const broken = list.locator('li.broken');
    assert.equal(await broken.count(), 1);
    assert.match(await broken.textContent(), /zz_broken\.xlsx/);
    assert.match(await broken.textContent(), /This workbook cannot be opened/);
    assert.match(await broken.textContent(), /invalid Zip archive/);
    assert.match(await broken.textContent(), /workbook\.unreadable/);
    assert.equal(await page.getByTestId('app-version').textContent(), 'Version 0.1.0');
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
    await page.screenshot({ path: join(artifacts, 'home.png'), fullPage: true });
    await page.close();
  });

  it('fits a phone screen with large touch targets', async () => {
    const { page, problems } = await open('forms', { width: 360, height: 740 });
    await page.getByTestId('form-list').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no horizontal scrolling on a 360px screen');
    for (const control of await page.locator('button, select').all()) {
      const box = await control.boundingBox();
      assert.ok(box && box.height >= 44 && box.width >= 44, `touch target too small: ${JSON.stringify(box)}`);
    }
    assert.deepEqual(problems, []);
    await page.screenshot({ path: join(artifacts, 'home-phone.png'), fullPage: true });
    await page.close();
  });

  it('shows Arabic right to left', async () => {
    const { page } = await open('forms');
    await page.getByTestId('form-list').waitFor();
    await page.getByTestId('language').selectOption('ar');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
    assert.equal(await page.locator('h2').textContent(), 'الاستمارات');
    // The list's start edge (its accent border) is on the right in RTL.
    const border = await page.locator('li.form').first().evaluate((li) => getComputedStyle(li).borderRightWidth);
    assert.equal(border, '6px');
    await page.screenshot({ path: join(artifacts, 'home-ar.png'), fullPage: true });
    await page.close();
  });

  it('has no accessibility violations (axe-core), in English and in Arabic', async () => {
    // axe is injected as a script, which the app's CSP rightly forbids: this page alone
    // bypasses the CSP (the other tests keep it).
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/?scenario=forms`);
    await page.getByTestId('form-list').waitFor();
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    for (const lang of ['en', 'ar']) {
      await page.getByTestId('language').selectOption(lang);
      const violations = await page.evaluate(async () => {
        const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
        return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
      assert.deepEqual(violations, [], `axe violations with the screen in ${lang}`);
    }
    await context.close();
  });

  it('says why when the forms folder cannot be read', async () => {
    const { page } = await open('unreadable');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /The forms could not be listed/);
    assert.match(await alert.textContent(), /app\.forms_folder_unreadable/);
    assert.equal(await page.getByTestId('form-list').count(), 0);
    await page.close();
  });
});

// Shared by the browser tier's tests: serves the BUILT UI (ui/dist) on 127.0.0.1 with the
// app's CSP (from src-tauri/tauri.conf.json) as a header, injects the IPC mock before the
// app's module, and drives Debian's chromium through playwright-core.
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const require = createRequire(join(root, 'ui/package.json'));
const { chromium } = require('playwright-core');

const dist = join(root, 'ui/dist');
export const artifacts = join(root, 'target/e2e-artifacts/browser');
const mocksJs = require.resolve('@tauri-apps/api/mocks').replace(/mocks\.cjs$/, 'mocks.js');
const here = fileURLToPath(new URL('.', import.meta.url));
const conf = JSON.parse(readFileSync(join(root, 'src-tauri/tauri.conf.json'), 'utf8'));
const csp = Object.entries(conf.app.security.csp)
  .map(([k, v]) => `${k} ${v}`)
  .join('; ');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };

function serve(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  let body;
  let type;
  if (url.pathname === '/__test/mocks.js') body = readFileSync(mocksJs);
  else if (url.pathname === '/__test/ipc-mock.js') body = readFileSync(join(here, 'ipc-mock.js'));
  else if (url.pathname === '/__test/views.js') body = 'export default ' + readFileSync(join(here, 'fixtures/views.json'), 'utf8') + ';';
  else {
    const file = join(dist, normalize(url.pathname === '/' ? '/index.html' : url.pathname));
    if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    body = readFileSync(file);
    type = TYPES[extname(file)];
    if (file.endsWith('index.html')) {
      // The mock must run before the app's module; module scripts run in document order.
      body = body.toString().replace('<head>', '<head>\n    <script type="module" src="/__test/ipc-mock.js"></script>');
    }
  }
  res.writeHead(200, { 'content-type': type ?? 'text/javascript', 'content-security-policy': csp });
  res.end(body);
}

export async function start() {
  assert.ok(existsSync(join(dist, 'index.html')), 'ui/dist is missing: run `npm run build` in ui/');
  mkdirSync(artifacts, { recursive: true });
  const server = createServer(serve);
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  return {
    base,
    browser,
    async stop() {
      await browser.close();
      await new Promise((ok) => server.close(ok));
    },
  };
}

export const PHONE = { width: 360, height: 740 };
export const LAPTOP = { width: 1280, height: 800 };
export const PASS = 'river lamp orange seventy';

/**
 * Opens the app in a fresh context. `bypassCSP` only for axe, which is injected as a
 * script (the app's CSP rightly forbids that); every other page keeps the CSP.
 */
export async function open(env, scenario, { viewport = LAPTOP, lang = 'en', axe = false } = {}) {
  const context = await env.browser.newContext({ viewport, bypassCSP: axe, locale: lang === 'ar' ? 'ar' : 'en-GB' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${env.base}/?scenario=${scenario}`);
  if (axe) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  if (lang !== 'en') {
    await page.getByTestId('language').selectOption(lang);
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
  }
  return { page, context, problems };
}

/** axe-core: no serious or critical violation on what is on screen now. */
export async function axe(page, label) {
  const violations = await page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `axe violations on ${label}`);
}

/** No horizontal scrolling, and every control at least 44×44 px. */
export async function fits(page, label) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${label}: horizontal overflow of ${overflow}px`);
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('button, select, input:not([type=radio]):not([type=checkbox]):not([type=range]), label.choice, textarea')]
      .filter((e) => e.offsetParent !== null && !e.closest('.visually-hidden'))
      .map((e) => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && (r.height < 44 || r.width < 44))
      .map(({ e, r }) => `${e.tagName.toLowerCase()}[data-testid=${e.dataset.testid ?? ''}] ${Math.round(r.width)}×${Math.round(r.height)}`),
  );
  assert.deepEqual(small, [], `${label}: touch targets under 44 px`);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** Everything the page holds: markup, field values and WebView storage. */
export async function everything(page) {
  return page.evaluate(async () => {
    const values = [...document.querySelectorAll('input, textarea, select')].map((e) => e.value);
    const storage = [];
    for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) storage.push(s.key(i), s.getItem(s.key(i)));
    const dbs = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
    const caches = 'caches' in window ? await window.caches.keys() : [];
    return [document.documentElement.outerHTML, ...values, ...storage, ...dbs, ...caches].join('\n');
  });
}

export async function unlock(page) {
  await page.getByTestId('unlock-passphrase').fill(PASS);
  await page.getByTestId('unlock').click();
  await page.getByTestId('screen-home').waitFor();
}

export async function startForm(page, formId, site = 'SO2401-0001') {
  await page.getByTestId('site').selectOption(site);
  await page.getByTestId(`start-${formId}`).click();
  await page.getByTestId('screen-fill').waitFor();
}

export async function pagePath(page) {
  return page.getByTestId('screen-fill').getAttribute('data-page-path');
}

export async function goToPath(page, path) {
  for (let i = 0; i < 60 && (await pagePath(page)) !== path; i++) {
    await page.getByTestId('next').click();
    await page.waitForFunction((prev) => document.querySelector('[data-testid=screen-fill]')?.dataset.pagePath !== prev, await pagePath(page), { timeout: 3000 }).catch(() => {});
  }
  assert.equal(await pagePath(page), path);
}

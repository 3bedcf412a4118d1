// The E2E rig shared by the journeys and the window benchmark: one tauri-driver with its
// own home for the app (vault, config, WebView data), the app binary, and timeouts.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const require = createRequire(join(root, 'ui/package.json'));
export const { Builder, By, until } = require('selenium-webdriver');

export const application = process.env.LANTERN_APP ?? join(root, 'target/debug/lantern-app');
export const artifacts = join(root, 'target/e2e-artifacts');
export const TIMEOUT = Number(process.env.LANTERN_E2E_TIMEOUT ?? 30_000);

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

export async function waitForPort(port, child) {
  const deadline = Date.now() + TIMEOUT;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited early with ${child.exitCode}`);
    const up = await new Promise((ok) => {
      const c = connect(port, '127.0.0.1', () => c.end(() => ok(true)));
      c.on('error', () => ok(false));
    });
    if (up) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port} within ${TIMEOUT} ms`);
}

export function within(ms, promise, fallback) {
  let timer;
  return Promise.race([promise, new Promise((ok) => (timer = setTimeout(() => ok(fallback), ms)))]).finally(() => clearTimeout(timer));
}

/** One tauri-driver with its own home for the app: vault, config and WebView data. */
/** Removes a temporary tree. WebKit's processes can outlive the driver by a moment and
 *  still write their shader cache into it, so removal is retried; a tree that still
 *  will not go is reported, not failed on (it is a test's scratch folder, and what it
 *  holds was checked before). */
export function removeTree(path) {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (e) {
    console.error(`warning: could not remove ${path}: ${e.message}`);
  }
}

export class Rig {
  /** Starts tauri-driver; `env` adds to the app's environment (e.g. LANTERN_FORMS_DIR). */
  async start(env = {}) {
    this.home = mkdtempSync(join(tmpdir(), 'lantern-e2e-'));
    this.log = '';
    this.env = {
      ...process.env,
      LANTERN_VAULT_DIR: join(this.home, 'vault'),
      LANTERN_CONFIG_DIR: join(this.home, 'config'),
      LANTERN_INSECURE_FAST_KDF: '1',
      // The WebView keeps its storage under these: the canary test reads them.
      XDG_DATA_HOME: join(this.home, 'data'),
      XDG_CACHE_HOME: join(this.home, 'cache'),
      XDG_CONFIG_HOME: join(this.home, 'xdg-config'),
      ...env,
    };
    delete this.env.LANTERN_DEMO;
    this.port = await freePort();
    const nativePort = await freePort();
    this.proc = spawn('tauri-driver', ['--port', String(this.port), '--native-port', String(nativePort)], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout.on('data', (d) => (this.log += d));
    this.proc.stderr.on('data', (d) => (this.log += d));
    await waitForPort(this.port, this.proc);
    await this.open();
    return this;
  }

  async open() {
    this.driver = await new Builder()
      .usingServer(`http://127.0.0.1:${this.port}/`)
      .withCapabilities({ browserName: 'wry', 'tauri:options': { application } })
      .build();
  }

  /** The lantern-app process: tauri-driver → WebKitWebDriver → lantern-app. */
  appPid() {
    const children = (pid) =>
      spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' })
        .stdout.split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((p) => p.length === 2);
    for (const [wk] of children(this.proc.pid)) {
      for (const [pid, comm] of children(wk)) if (comm.startsWith('lantern-app')) return Number(pid);
    }
    return null;
  }

  async stop() {
    try {
      await within(15_000, this.driver?.quit().catch(() => {}), null);
    } finally {
      if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
        const exited = new Promise((ok) => this.proc.once('exit', ok));
        this.proc.kill('SIGTERM');
        await within(15_000, exited, null);
      }
      this.proc?.stdout.destroy();
      this.proc?.stderr.destroy();
      if (this.home) removeTree(this.home);
    }
  }
}

// --- helpers over one window ----------------------------------------------------------

// While a screenshot is being taken: a 1-pixel, fully transparent element at the window's
// corner that changes its (transparent) colour on every animation frame. Pixels do not
// change; the page just keeps drawing frames.
const REPAINT = `
  const [start, ms] = arguments;
  let el = document.getElementById('e2e-repaint');
  if (!start) return void el?.remove();
  if (el) return;
  el = document.createElement('div');
  el.id = 'e2e-repaint';
  el.setAttribute('aria-hidden', 'true');
  Object.assign(el.style, { position: 'fixed', left: '0', top: '0', width: '1px', height: '1px', pointerEvents: 'none', zIndex: '2147483647' });
  document.body.append(el);
  const until = performance.now() + ms;
  let flip = false;
  const tick = () => {
    if (!el.isConnected) return;
    if (performance.now() > until) return void el.remove();
    el.style.backgroundColor = (flip = !flip) ? 'rgba(255, 255, 255, 0)' : 'rgba(0, 0, 0, 0)';
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);`;

/** The window as PNG (base64) through WebDriver. WebKitGTK answers "take screenshot" only
 *  after the web process has drawn another frame (`callAfterNextPresentationUpdate`).
 *  With the GPU compositor off, which is lantern-app's default on Linux
 *  (src-tauri/src/main.rs), a page with nothing left to repaint draws no frame, so on a
 *  still page the command never returns. The page is therefore kept drawing (identical
 *  pixels) until the screenshot is in. */
export async function screenshot(driver) {
  await driver.executeScript(REPAINT, true, TIMEOUT);
  try {
    return await driver.takeScreenshot();
  } finally {
    await driver.executeScript(REPAINT, false).catch(() => {});
  }
}

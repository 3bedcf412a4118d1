// End-to-end tier: the REAL lantern-app binary in a real window (under Xvfb, started by
// scripts/tier-e2e.sh), driven through tauri-driver + WebKitWebDriver with
// selenium-webdriver. It points the app at a temporary forms folder holding the
// repository's forms plus a broken workbook and at a fresh vault in a temporary folder,
// creates the vault through the window, and checks what home shows.
// Screenshots go to target/e2e-artifacts/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { By, Rig, TIMEOUT, application, artifacts, removeTree, root, screenshot as takeScreenshot, until } from './rig.mjs';

const cli = process.env.LANTERN_CLI ?? join(root, 'target/debug/lantern');

let rig;
let driver;
let formsDir;

before(async () => {
  assert.ok(existsSync(application), `${application} is missing: run scripts/tier-e2e.sh, which builds it`);
  mkdirSync(artifacts, { recursive: true });

  formsDir = mkdtempSync(join(tmpdir(), 'lantern-e2e-forms-'));
  for (const f of readdirSync(join(root, 'forms')).filter((f) => f.endsWith('.xlsx'))) {
    copyFileSync(join(root, 'forms', f), join(formsDir, f));
  }
  writeFileSync(join(formsDir, 'zz_broken.xlsx'), 'this is not a zip archive');
  // A form meant for shared aggregates that asks a name, a GPS point and unmarked free
  // text: the do-no-harm check makes it unusable and says which rows to fix.
  copyFileSync(join(root, 'forms/verify/exposing_form.xlsx'), join(formsDir, 'exposing_form.xlsx'));
  // The app inherits this environment through WebKitWebDriver.
  rig = await new Rig().start({ LANTERN_FORMS_DIR: formsDir });
  driver = rig.driver;
});

after(async () => {
  try {
    await rig?.stop();
  } finally {
    if (formsDir) removeTree(formsDir);
  }
});

async function screenshot(name) {
  // WebKitGTK's screenshot is the last frame it painted, which lags the DOM the
  // assertions just read; let two frames and a short pause pass so the picture matches.
  await driver.executeAsyncScript('const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)));');
  writeFileSync(join(artifacts, name), await takeScreenshot(driver), 'base64');
}

describe('the app window', () => {
  it('lists the forms of the forms folder, the broken workbook with its error', async (t) => {
    try {
      // A fresh device: the window asks for a vault first.
      const by = (id) => driver.wait(until.elementLocated(By.css(`[data-testid="${id}"]`)), TIMEOUT, `no ${id}`);
      const pass = 'river stone 42 lantern night';
      await (await by('passphrase')).sendKeys(pass);
      await (await by('passphrase-confirm')).sendKeys(pass);
      await driver.executeScript('arguments[0].click()', await by('understood'));
      await (await by('create-vault')).click();
      await (await by('duress-skip')).click();
      await by('screen-home');
      const list = await driver.wait(until.elementLocated(By.css('[data-testid="form-list"]')), TIMEOUT, 'no form list in the window');
      const site = await list.findElement(By.css('li[data-form-id="site_visit_check"]'));
      assert.equal(await site.findElement(By.css('h3')).getText(), 'Site visit check');
      assert.match(await site.getText(), /site_visit_check/);
      const broken = await list.findElement(By.css('li.broken[data-file="zz_broken.xlsx"]'));
      assert.match(await broken.getText(), /zz_broken\.xlsx/);
      assert.match(await broken.getText(), /workbook\.unreadable/);
      const exposing = await list.findElement(By.css('li.broken[data-file="exposing_form.xlsx"]'));
      assert.match(await exposing.getText(), /Do-no-harm check — fix before use: 3/);
      const found = [];
      for (const li of await exposing.findElements(By.css('li.finding'))) {
        found.push(`${await li.getAttribute('data-code')}@${await li.getAttribute('data-row')}`);
      }
      assert.deepEqual(found, ['policy.name@4', 'policy.identifying_type@5', 'policy.free_text_shared@6']);
      const version = await driver.findElement(By.css('[data-testid="app-version"]')).getText();
      assert.match(version, /^Version \d+\.\d+\.\d+/);
    } finally {
      await screenshot('home.png').catch((e) => t.diagnostic(`no screenshot: ${e}`));
      if (rig?.log) t.diagnostic(`tauri-driver:\n${rig.log.slice(-2000)}`);
    }
  });

  it('shows the same forms as `lantern form list`', async (t) => {
    assert.ok(existsSync(cli), `${cli} is missing: scripts/tier-e2e.sh builds it with the app`);
    // The CLI exits non-zero when a workbook is broken; its JSON still lists everything.
    const out = spawnSync(cli, ['form', 'list', '--json', formsDir], { encoding: 'utf8' });
    const entries = JSON.parse(out.stdout);
    assert.ok(entries.length >= 2, `the CLI listed ${out.stdout}`);
    const shown = await driver.findElements(By.css('[data-testid="form-list"] > li'));
    assert.equal(shown.length, entries.length, 'as many entries in the window as in the CLI');
    for (const entry of entries) {
      const unusable = entry.status === 'ok' && entry.policy.some((p) => p.severity === 'error');
      if (entry.status === 'ok' && !unusable) {
        const li = await driver.findElement(By.css(`li[data-form-id="${entry.summary.form_id}"]`));
        assert.equal(await li.findElement(By.css('h3')).getText(), entry.summary.title);
      } else if (unusable) {
        // Readable, but the do-no-harm check's errors make it unusable: the window lists
        // every finding the CLI reports, at the same row.
        const li = await driver.findElement(By.css(`li.broken[data-file="${entry.file}"]`));
        for (const p of entry.policy) {
          const row = p.row === null ? ':not([data-row])' : `[data-row="${p.row}"]`;
          assert.equal((await li.findElements(By.css(`li.finding[data-code="${p.code}"]${row}`))).length, 1, `${entry.file}: ${p.code}`);
        }
      } else {
        const li = await driver.findElement(By.css(`li.broken[data-file="${entry.file}"]`));
        assert.ok((await li.getText()).includes(entry.code), `${entry.file} shows ${entry.code}`);
      }
    }
    t.diagnostic(`${entries.length} entries match the CLI`);
  });

  it('runs under a CSP that forbids eval and remote connections', async () => {
    // The page itself tries both; the CSP must block them and report each violation (so
    // a remote fetch failing only because this machine is offline does not count).
    const outcome = await driver.executeAsyncScript(`
      const done = arguments[arguments.length - 1];
      const result = { eval: null, violations: [] };
      document.addEventListener('securitypolicyviolation', (e) => result.violations.push(e.effectiveDirective));
      try { new Function('return 1')(); result.eval = 'allowed'; } catch (e) { result.eval = 'blocked'; }
      const finish = () => setTimeout(() => done(result), 200);
      fetch('https://example.org/').then(finish, finish);
    `);
    assert.equal(outcome.eval, 'blocked');
    assert.ok(outcome.violations.includes('connect-src'), JSON.stringify(outcome));
    assert.ok(outcome.violations.some((d) => d.startsWith('script-src')), JSON.stringify(outcome));
  });

  it('switches to Arabic, right to left', async () => {
    const select = await driver.findElement(By.css('[data-testid="language"]'));
    await select.findElement(By.css('option[value="ar"]')).click();
    await driver.wait(async () => (await driver.executeScript('return document.documentElement.dir')) === 'rtl', TIMEOUT);
    assert.equal(await driver.findElement(By.css('h2')).getText(), 'الاستمارات');
    await screenshot('home-ar.png');
  });
});

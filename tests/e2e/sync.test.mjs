// Results and sending in the REAL app window (lantern-app under Xvfb, through
// tauri-driver + WebKitWebDriver), against a real lantern-server started here on
// 127.0.0.1 (issue 16):
//   enroll with the server's one-time code; fill two camp safety audits at one site;
//   see the sector risk profile; preview exactly what leaves and approve it; see it
//   acknowledged, and the server hold it; withdraw one response by its receipt code and
//   see the send screen hold the change back until enough changes accumulate; add
//   four more; stop the server, approve the next batch and see "waiting for a
//   connection"; start the server and see the batch sent without touching anything.
// Then, in the same window: an encrypted backup from settings, a panic wipe (held for
// three seconds), and a restore from that backup into the fresh vault: the same
// finalized responses are back.
// Screenshots: target/e2e-artifacts/sync-*.png (and, with LANTERN_UPDATE_SCREENSHOTS=1,
// the README's copies in docs/screenshots/).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { By, Rig, TIMEOUT, application, artifacts, root, screenshot } from './rig.mjs';
import { Server, SERVER } from './server.mjs';
import { PASS, scenario, tid, ui } from './window.mjs';

const FORM = 'camp_safety_audit';
const SITE = 'SO2401-0001';
const GROUP = `${FORM}-${SITE}-1`;

before(() => {
  assert.ok(existsSync(application), `${application} is missing: run scripts/tier-e2e.sh, which builds it`);
  assert.ok(existsSync(SERVER), `${SERVER} is missing: run scripts/tier-e2e.sh, which builds it`);
  mkdirSync(artifacts, { recursive: true });
});

/** A screenshot in target/e2e-artifacts/, and the README's copy when asked. */
async function shot(d, name, readme) {
  await d.executeAsyncScript('const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)));');
  const png = await screenshot(d);
  writeFileSync(join(artifacts, `sync-${name}.png`), png, 'base64');
  if (readme && process.env.LANTERN_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(join(root, 'docs/screenshots'), { recursive: true });
    writeFileSync(join(root, 'docs/screenshots', `${readme}.png`), png, 'base64');
  }
}

/** Fills and finalizes one camp safety audit; returns the receipt code. */
async function audit(w, answers = scenario(FORM, 'typical')) {
  await home(w);
  await w.startForm(FORM, SITE);
  await w.fillForm(answers);
  await w.click('finalize');
  await w.find('finalized');
  const receipt = (await (await w.find('receipt-code')).getText()).trim();
  assert.match(receipt, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/, `a receipt code: ${receipt}`);
  await w.click('finalized-home');
  await w.find('screen-home');
  return receipt;
}

/** Home from any screen (away from home, the settings button of the bar is "home"). */
async function home(w) {
  if (!(await w.present('screen-home'))) await w.click('open-settings');
  await w.find('screen-home');
}

/** The send screen, fresh. */
async function openSend(w) {
  if (await w.present('screen-send')) {
    await w.click('open-results');
    await w.find('screen-results');
  }
  await w.click('open-send');
  await w.find('screen-send');
}

/** Waits until the send screen's group shows `state` (it reloads on sync events). */
async function releaseIs(w, state) {
  await w.d.wait(
    async () => {
      const g = await w.d.findElements(tid(`group-${GROUP}`));
      return g.length > 0 && (await g[0].getAttribute('data-release')) === state;
    },
    TIMEOUT,
    `the group never shows ${state}`,
  );
}

/** Previews and approves the group's batch; returns the previewed hash. */
async function approve(w) {
  await w.click(`preview-${GROUP}`);
  await w.find('preview');
  const hash = (await (await w.find('preview-hash')).getText()).replace(/\s/g, '');
  assert.match(hash, /[0-9a-f]{64}/);
  await w.click('approve');
  await w.find('approve-dialog');
  await w.click('approve-confirm');
  await w.find('approved');
  return hash.match(/[0-9a-f]{64}/)[0];
}

/** The history's items as [state, …], newest first. */
async function states(w) {
  const items = await w.d.findElements(By.css('[data-testid="history"] [data-state]'));
  return Promise.all(items.map((i) => i.getAttribute('data-state')));
}

async function waitForStates(w, want, message) {
  await w.d.wait(async () => JSON.stringify(await states(w).catch(() => [])) === JSON.stringify(want), TIMEOUT * 2, message).catch(async (e) => {
    e.message += `\nhistory: ${JSON.stringify(await states(w))}\n--- the screen said:\n${String(await w.d.executeScript('return document.body.innerText')).slice(0, 2500)}`;
    throw e;
  });
}

describe('results and sending in the real window, against a real server', () => {
  let rig;
  let server;
  after(async () => {
    await rig?.stop();
    await server?.remove();
  });

  it('enroll, approve, acknowledged; a withdrawal is held back; offline, then sent by itself', async (t) => {
    server = await new Server().start();
    // A short sync interval, so that "sent without touching anything" takes seconds.
    rig = await new Rig().start({ LANTERN_SYNC_INTERVAL_SECONDS: '2' });
    const w = ui(rig.driver);
    try {
      await w.createVault();
      const receipts = [await audit(w), await audit(w)];
      assert.notEqual(receipts[0], receipts[1]);

      // Enroll with the code the server's operator created.
      await openSend(w);
      await w.type('enroll-url', server.url);
      await w.type('enroll-code', server.enrollmentCode(SITE));
      await w.click('enroll');
      await w.find('enrolled');
      assert.equal((await (await w.find('server-url')).getText()).trim(), server.url);

      // The sector risk profile of the site.
      await w.click('open-results');
      await w.click(`open-results-${GROUP}`);
      const sectors = await w.find('sectors');
      assert.match(await sectors.getText(), /\S/);
      await shot(rig.driver, 'risk-profile');
      // The same in Arabic, right to left, on a phone's viewport (the README's copy).
      await (await w.find('language')).findElement(By.css('option[value="ar"]')).click();
      await rig.driver.wait(async () => (await rig.driver.executeScript('return document.documentElement.dir')) === 'rtl', TIMEOUT);
      await w.d.wait(async () => /[\u0600-\u06FF]/.test(await w.text('sectors')), TIMEOUT, 'the sectors are not in Arabic');
      const rect = await rig.driver.manage().window().getRect();
      await rig.driver.manage().window().setRect({ width: 360, height: 740 }).catch(() => {});
      await rig.driver.executeScript('document.querySelector(\'[data-testid="sectors"]\').scrollIntoView({block: "start"})');
      await shot(rig.driver, 'risk-profile-ar', 'risk-profile-ar-phone');
      await rig.driver.manage().window().setRect({ width: rect.width, height: rect.height }).catch(() => {});
      await (await w.find('language')).findElement(By.css('option[value="en"]')).click();
      await rig.driver.wait(async () => (await rig.driver.executeScript('return document.documentElement.dir')) === 'ltr', TIMEOUT);

      // Preview exactly what leaves, approve; the background pass sends it.
      await openSend(w);
      await releaseIs(w, 'releasable');
      await w.click(`preview-${GROUP}`);
      await w.find('preview');
      await shot(rig.driver, 'preview', 'sync-preview');
      await w.click('preview-close');
      const first = await approve(w);
      await waitForStates(w, ['sent'], 'the first batch is never acknowledged');
      const held = await server.aggregates(FORM);
      assert.ok(JSON.stringify(held).includes(SITE), 'the server holds the site');
      t.diagnostic(`first batch ${first} acknowledged`);

      // A respondent withdraws: found by the receipt code, deleted after confirming.
      await w.click('open-submissions');
      await w.find('screen-submissions');
      // As the respondent reads it out: lower case, no dash.
      await w.type('receipt-entry', receipts[0].toLowerCase().replace('-', ''));
      await w.click('receipt-find');
      await w.find('receipt-match');
      await w.click('withdraw-start');
      await w.find('withdraw-dialog');
      const confirmWord = JSON.parse(readFileSync(join(root, 'ui/src/lib/i18n/en.json'), 'utf8'))['submissions.confirmWord'];
      await w.type('withdraw-word', confirmWord);
      await w.click('withdraw-confirm');
      await w.find('withdrawn');
      // The send screen holds the change until enough changes accumulate.
      await openSend(w);
      await releaseIs(w, 'need_more_changes');
      // Held right after the first release too (0 changes): wait for the withdrawal to
      // count as the one change it is, with 4 more needed (k = 5).
      await w.d
        .wait(async () => /\b4\b/.test(await w.text(`release-${GROUP}`)), TIMEOUT)
        .catch(async (e) => {
          e.message += `\nthe send screen says: ${await (await w.find(`release-${GROUP}`)).getText()}`;
          throw e;
        });
      await shot(rig.driver, 'held');

      // Four more (night walks: shorter to fill); with the withdrawal, five changes:
      // the next batch may leave. Take the connection away first.
      // The window opens the focus-group repeat with one group: give it the typical
      // audit's women's group.
      const night = { ...scenario(FORM, 'night_walk'), focus_group: scenario(FORM, 'typical').focus_group.slice(0, 1) };
      for (let i = 0; i < 4; i++) await audit(w, night);
      await server.stop();
      await openSend(w);
      await releaseIs(w, 'releasable');
      await approve(w);
      await w.find('waiting');
      await w.d.wait(async () => (await w.text('waiting')).length > 0, TIMEOUT);
      await shot(rig.driver, 'waiting');
      assert.deepEqual((await states(w))[1], 'sent');

      // The connection returns: sent by the background pass, nothing touched.
      await server.start();
      await waitForStates(w, ['sent', 'sent'], 'the queued batch is never sent after the server returns');
      assert.ok(!(await w.present('waiting')), 'no longer waiting');
      await shot(rig.driver, 'sent');
    } finally {
      await shot(rig.driver, 'last').catch(() => {});
      if (rig.log) t.diagnostic(`tauri-driver:\n${rig.log.slice(-1500)}`);
      if (server.log) t.diagnostic(`lantern-server:\n${server.log.slice(-1500)}`);
    }
  });
  it('a backup restored into a fresh vault after a panic wipe gives the same responses', async (t) => {
    const w = ui(rig.driver);
    const d = rig.driver;
    /** The finalized responses the submissions screen lists, by id. */
    const listed = async () => {
      await home(w);
      await w.click('open-submissions');
      await w.find('screen-submissions');
      // The list is loaded afresh on each visit (never an earlier visit's rows).
      await w.find('submission-groups');
      const rows = await d.findElements(By.css('[data-testid^="open-submission-"]'));
      const ids = await Promise.all(rows.map(async (r) => (await r.getAttribute('data-testid')).slice('open-submission-'.length)));
      return ids.sort();
    };
    try {
      const before = await listed();
      assert.equal(before.length, 5, `six audits, one withdrawn: ${before}`);

      // An encrypted backup to a passphrase, from settings.
      await home(w);
      await w.click('open-settings');
      await w.find('screen-settings');
      const backupPass = 'evacuate the blue folder 7';
      await w.type('backup-passphrase', backupPass);
      await w.type('backup-passphrase-confirm', backupPass);
      await w.click('backup-create');
      await w.find('backup-done');
      assert.match(await (await w.find('backup-counts')).getText(), /\b5\b|\b6\b/);

      // Panic wipe: a tap does nothing; three seconds held does.
      await w.click('wipe-open');
      await w.find('wipe-dialog');
      const hold = await w.find('wipe-hold');
      await d.executeScript('arguments[0].scrollIntoView({block: "center"})', hold);
      await hold.click();
      assert.ok(await w.present('wipe-dialog'), 'one tap does not wipe');
      await d.actions().move({ origin: hold }).press().pause(3500).release().perform();
      await w.find('screen-create');

      // Restore the backup into the fresh vault.
      await w.click('mode-restore');
      await w.find('restore-form');
      await w.click('restore-backup-0');
      await w.click('restore-kind-passphrase');
      await w.type('restore-secret', backupPass);
      await w.type('restore-new', PASS);
      await w.type('restore-new-confirm', PASS);
      await w.click('restore-submit');
      await w.find('screen-home');
      assert.deepEqual(await listed(), before, 'the restored vault holds the same responses');
      await shot(d, 'restored');
    } finally {
      await shot(d, 'restore-last').catch(() => {});
      if (rig.log) t.diagnostic(`tauri-driver:\n${rig.log.slice(-1500)}`);
    }
  });
});

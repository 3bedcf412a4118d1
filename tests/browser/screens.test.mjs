// Every screen in English and Arabic, at 360×740 and 1280×800 (results, action plan,
// send, the settings sections, the wipe confirmation and restore included): a screenshot of each
// (target/e2e-artifacts/browser/), axe-core with no serious or critical violation, no
// horizontal scrolling and every control at least 44 px, and Arabic laid out right to left.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LAPTOP, PASS, PHONE, artifacts, axe, fits, goToPath, open, shot, start, startForm, unlock } from './harness.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.stop());

const CASES = [
  ['en', PHONE, 'phone'],
  ['en', LAPTOP, 'laptop'],
  ['ar', PHONE, 'phone'],
  ['ar', LAPTOP, 'laptop'],
];

for (const [lang, viewport, size] of CASES) {
  describe(`every screen, ${lang}, ${size}`, () => {
    const tag = `${lang}-${size}`;
    async function check(page, name) {
      assert.equal(await page.evaluate(() => document.documentElement.dir), lang === 'ar' ? 'rtl' : 'ltr', `${name}: direction`);
      await axe(page, `${name} (${tag})`);
      await fits(page, `${name} (${tag})`);
      await shot(page, `${name}-${tag}`);
    }

    it('create and duress', async () => {
      const { page, context, problems } = await open(env, 'fresh', { viewport, lang, axe: true });
      await page.getByTestId('screen-create').waitFor();
      await page.getByTestId('passphrase').fill('password');
      await page.getByTestId('passphrase-strength-hints').waitFor();
      await check(page, 'create');
      await page.getByTestId('passphrase').fill(PASS);
      await page.getByTestId('passphrase-confirm').fill(PASS);
      await page.getByTestId('understood').check();
      await page.getByTestId('create-vault').click();
      await page.getByTestId('screen-duress').waitFor();
      await check(page, 'duress');
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('unlock, with the opaque failure and the wait', async () => {
      const { page, context } = await open(env, 'locked', { viewport, lang, axe: true });
      await page.getByTestId('screen-unlock').waitFor();
      for (let i = 0; i < 3; i++) {
        await page.getByTestId('unlock-passphrase').fill(`wrong ${i}`);
        await page.getByTestId('unlock').click();
        await page.waitForFunction(() => document.querySelector('[data-testid=message-unlock-passphrase]')?.textContent.trim());
      }
      await page.getByTestId('unlock-wait').waitFor();
      await check(page, 'unlock');
      await context.close();
    });

    it('home, referral card, settings', async () => {
      const { page, context, problems } = await open(env, 'locked', { viewport, lang, axe: true });
      await unlock(page);
      await page.getByTestId('site').selectOption('SO2401-0001');
      await check(page, 'home');
      await page.getByTestId('open-referral').click();
      await page.getByTestId('referral-services').waitFor();
      assert.match(await page.getByTestId('referral-services').textContent(), /\+252 61 555 0101/);
      await check(page, 'referral');
      await page.getByTestId('referral-close').click();
      await page.getByTestId('open-settings').click();
      await page.getByTestId('screen-settings').waitFor();
      await page.getByTestId('referral-row').first().waitFor();
      await check(page, 'settings');
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('form pages: every widget, the repeat prompt, the index, the summary', async () => {
      const { page, context, problems } = await open(env, 'locked', { viewport, lang, axe: true });
      await unlock(page);
      await startForm(page, 'widgets');
      await page.getByTestId('next').click();
      await page.getByTestId('choice-q-_widgets_consent-yes').click();
      await page.waitForFunction(() => /2\d|٢/.test(document.querySelector('[data-testid=progress-text]')?.textContent ?? ''));
      await check(page, 'fill-select');
      for (const name of ['place_notes', 'households', 'lighting', 'feel_safe', 'latrine_light', 'services', 'visit_date', 'visit_time', 'visit_at', 'point', 'score', 'priorities', 'ack', 'grid']) {
        await goToPath(page, `/widgets/${name}`);
        await check(page, `fill-${name}`);
      }
      await goToPath(page, '/widgets/household[1]/hh_water');
      await page.getByTestId('next').click();
      await page.getByTestId('add-another').waitFor();
      await check(page, 'fill-repeat-prompt');
      await page.getByTestId('open-index').click();
      await page.getByTestId('index-item').first().waitFor();
      await check(page, 'fill-index');
      await page.getByTestId('index-end').click();
      await page.getByTestId('blocker').first().waitFor();
      await check(page, 'fill-summary');
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('results: the groups, an audit with its risk profile and action plan, an endline against its baseline', async () => {
      const { page, context, problems } = await open(env, 'locked', { viewport, lang, axe: true });
      await unlock(page);
      await page.getByTestId('open-results').click();
      await page.getByTestId('group-list').waitFor();
      await check(page, 'results-list');
      await page.getByTestId('open-results-camp_safety_audit-SO2401-0001-1').click();
      await page.getByTestId('sectors').waitFor();
      await check(page, 'results-audit');
      await page.getByTestId('open-plan').click();
      await page.getByTestId('action-plan').waitFor();
      await page.getByTestId('plan-team').fill(lang === 'ar' ? 'فريق هودان أ' : 'Hodan team A');
      await check(page, 'action-plan');
      await page.getByTestId('plan-back').click();
      await page.getByTestId('results-back').click();
      await page.getByTestId('open-results-womens_participation-SO2401-0001-endline').click();
      await page.getByTestId('baseline-note').waitFor();
      await page.getByTestId('toggle-table-respondents').click();
      await check(page, 'results-endline');
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('responses: the list, one read-only, a receipt code found, the withdraw confirmation', async () => {
      const { page, context, problems } = await open(env, 'locked', { viewport, lang, axe: true });
      await unlock(page);
      await page.getByTestId('open-submissions').click();
      await page.getByTestId('submission-groups').waitFor();
      await check(page, 'submissions-list');
      // The first Hodan audit (counted in figures a server acknowledged), as the core opened it.
      await page.getByTestId('sgroup-camp_safety_audit-SO2401-0001-1').locator('[data-testid^=open-submission-]').first().click();
      await page.getByTestId('readonly-pages').waitFor();
      const enabled = await page.evaluate(() => [...document.querySelectorAll('[data-testid=readonly-pages] :is(input, select, textarea, button)')].filter((e) => !e.matches(':disabled')).length);
      assert.equal(enabled, 0, 'no control of a read-only response can be used');
      assert.ok((await page.locator('[data-testid=readonly-pages] [data-testid=question]').count()) > 40);
      const receipt = (await page.getByTestId('view-receipt').textContent()).trim();
      assert.match(receipt, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      // A camp audit is long: axe and sizes on all of it, the screenshot of its first screens.
      await axe(page, `submission-readonly (${tag})`);
      await fits(page, `submission-readonly (${tag})`);
      const { artifacts } = await import('./harness.mjs');
      await page.screenshot({ path: `${artifacts}/submission-readonly-${tag}.png`, fullPage: true, clip: { x: 0, y: 0, width: viewport.width, height: viewport.height * 3 } });
      await page.getByTestId('submission-back').click();
      // The respondent reads the code out: case and spaces do not matter.
      await page.getByTestId('receipt-entry').fill(receipt.toLowerCase().replace('-', ' '));
      await page.getByTestId('receipt-find').click();
      await page.getByTestId('receipt-match').waitFor();
      await check(page, 'receipt-match');
      const opener = await page.getByTestId('withdraw-start').boundingBox();
      await page.getByTestId('withdraw-start').click();
      await page.getByTestId('withdraw-word').fill(lang === 'ar' ? 'احذف' : 'DELETE');
      const confirm = await page.getByTestId('withdraw-confirm').boundingBox();
      assert.ok(Math.abs(confirm.x - opener.x) > 8 || Math.abs(confirm.y - opener.y) > 8, 'the confirm button is not where the opener was');
      await check(page, 'withdraw-confirm');
      await page.getByTestId('withdraw-confirm').click();
      await page.getByTestId('withdrawn').waitFor();
      await check(page, 'withdrawn');
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('export: the dialog on a group’s results, where the file went', async () => {
      const { page, context, problems } = await open(env, 'locked', { viewport, lang, axe: true });
      await unlock(page);
      await page.getByTestId('open-results').click();
      await page.getByTestId('open-results-camp_safety_audit-SO2401-0001-1').click();
      await page.getByTestId('export-open').click();
      await page.getByTestId('export-agreement').waitFor();
      await page.getByTestId('export-confirm').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=message-export-agreement]')?.textContent.trim());
      await page.getByTestId('export-format').selectOption('hxl');
      await page.getByTestId('export-agreement').fill(lang === 'ar' ? 'بروتوكول تبادل المعلومات، بنادر 2026' : 'GBV sub-cluster ISP, Banadir 2026');
      await check(page, 'export-dialog');
      await page.getByTestId('export-confirm').click();
      await page.getByTestId('export-done').waitFor();
      assert.match(await page.getByTestId('export-file').textContent(), /\/exports\/lantern-camp_safety_audit-\d{8}-\d{6}-hxl\.csv$/);
      await check(page, 'export-done');
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('send: enroll, the preview of what leaves, the confirming step, the queue', async () => {
      const { page, context, problems } = await open(env, 'locked', { viewport, lang, axe: true });
      await unlock(page);
      await page.getByTestId('open-send').click();
      await page.getByTestId('enroll-form').waitFor();
      await page.getByTestId('send-groups').waitFor();
      await check(page, 'send-enroll');
      await page.getByTestId('enroll-url').fill('https://lantern.example.org');
      await page.getByTestId('enroll-code').fill('K7QM-2XPD');
      await page.getByTestId('enroll').click();
      await page.getByTestId('server-pin').waitFor();
      await page.getByTestId('preview-camp_safety_audit-SO2401-0001-1').click();
      await page.getByTestId('preview').waitFor();
      await page.getByTestId('exact-bytes').locator('summary').click();
      await check(page, 'send-preview');
      await page.getByTestId('approve').click();
      await page.getByTestId('approve-confirm').waitFor();
      await check(page, 'send-confirm');
      await page.getByTestId('approve-confirm').click();
      await page.getByTestId('approved').waitFor();
      await check(page, 'send-approved');
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('send: waiting for a connection, a refused batch', async () => {
      const { page, context, problems } = await open(env, 'locked&sync=offline', { viewport, lang, axe: true });
      await unlock(page);
      await page.getByTestId('open-send').click();
      await page.getByTestId('waiting').waitFor();
      await page.getByTestId('history').waitFor();
      await check(page, 'send-offline');
      assert.deepEqual(problems, []);
      await context.close();
    });

    /** Axe and sizes on the whole page, a screenshot of one part of it. */
    async function part(page, testid, name) {
      assert.equal(await page.evaluate(() => document.documentElement.dir), lang === 'ar' ? 'rtl' : 'ltr', `${name}: direction`);
      await axe(page, `${name} (${tag})`);
      await fits(page, `${name} (${tag})`);
      await page.getByTestId(testid).screenshot({ path: join(artifacts, `${name}-${tag}.png`) });
    }

    it('settings: the sections, retention, a backup, a bad site list, the audit log, passphrase change', async () => {
      const { page, context, problems } = await open(env, 'locked', { viewport, lang, axe: true });
      await unlock(page);
      await page.getByTestId('open-settings').click();
      await page.getByTestId('retention').waitFor();
      await page.getByTestId('audit-verified').waitFor();
      await page.getByTestId('backup-list').waitFor();
      await part(page, 'settings-nav', 'settings-nav');
      // Retention: longer than the form allows is refused on the spot.
      await page.getByTestId('retention-camp_safety_audit').fill('120');
      await page.getByTestId('retention-save-camp_safety_audit').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=message-retention-camp_safety_audit]')?.textContent.trim());
      // A backup under a passphrase: where it was written.
      await page.getByTestId('backup-passphrase').fill('amber kettle window ninety');
      await page.getByTestId('backup-passphrase-confirm').fill('amber kettle window ninety');
      await page.getByTestId('backup-create').click();
      await page.getByTestId('backup-done').waitFor();
      assert.match(await page.getByTestId('backup-file').textContent(), /^\/home\/enumerator\/\.local\/share\/org\.lantern\.field\/backups\/lantern-backup-\d{8}-\d+\.lbk$/);
      // A site list with bad lines: each shown, nothing imported.
      await page.getByTestId('sites-file').setInputFiles({ name: 'sites.csv', mimeType: 'text/csv', buffer: Buffer.from('site_code,site_name,admin1\nSO2401-0001,Hodan IDP site,SO24\n,Unnamed site,SO24\nSO2401 0009,Bad code,SO24\nSO2401-0010,,SO24\n') });
      await page.getByTestId('sites-import').click();
      await page.getByTestId('sites-problems').waitFor();
      assert.equal(await page.getByTestId('site-problem').count(), 3);
      // Worded in the app's language from the core's codes, the site code kept whole.
      const noName = await page.getByTestId('site-problem').nth(2).textContent();
      assert.ok(noName.includes('\u2068SO2401-0010\u2069'), noName);
      assert.equal(/[\u0600-\u06FF]/.test(noName), lang === 'ar', noName);
      assert.ok(!(await page.evaluate(() => window.__lanternCalls.includes('settings_set_retention'))), 'retention past the form was not sent');
      await part(page, 'settings-data', 'settings-data');
      await part(page, 'settings-audit', 'settings-audit');
      await page.getByTestId('open-change-passphrase').click();
      await page.getByTestId('change-new').fill('short');
      await part(page, 'settings-security', 'settings-security');
      await check(page, 'settings-all');
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('settings: a broken audit chain is a warning', async () => {
      const { page, context, problems } = await open(env, 'locked&audit=broken', { viewport, lang, axe: true });
      await unlock(page);
      await page.getByTestId('open-settings').click();
      await page.getByTestId('audit-broken').waitFor();
      await part(page, 'settings-audit', 'settings-audit-broken');
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('panic wipe: a short press wipes nothing, a three-second hold wipes and shows the create screen', async () => {
      const { page, context, problems } = await open(env, 'locked', { viewport, lang, axe: true });
      await unlock(page);
      await page.getByTestId('open-settings').click();
      await page.getByTestId('nav-danger').click();
      await page.getByTestId('wipe-open').click();
      await page.getByTestId('wipe-hold').waitFor();
      await part(page, 'wipe-dialog', 'wipe-dialog');
      const wiped = () => page.evaluate(() => window.__lanternCalls.includes('vault_wipe'));
      await page.getByTestId('wipe-hold').click();
      await page.getByTestId('wipe-hold').hover();
      await page.mouse.down();
      await page.waitForTimeout(1200);
      await page.mouse.up();
      await page.waitForFunction(() => document.querySelector('[data-testid=wipe-status]')?.dataset.status === 'early');
      assert.equal(await wiped(), false, 'a click or a short press wipes nothing');
      await page.getByTestId('wipe-hold').hover();
      await page.mouse.down();
      await page.waitForTimeout(1500);
      await page.getByTestId('wipe-dialog').screenshot({ path: join(artifacts, `wipe-holding-${tag}.png`) });
      await page.getByTestId('screen-create').waitFor({ timeout: 5000 });
      await page.mouse.up();
      assert.equal(await wiped(), true);
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('restore from a backup on the create screen', async () => {
      const { page, context, problems } = await open(env, 'fresh', { viewport, lang, axe: true });
      await page.getByTestId('mode-restore').click();
      await page.getByTestId('restore-backups').waitFor();
      await page.getByTestId('restore-secret').fill('amber kettle window ten');
      await page.getByTestId('restore-new').fill(PASS);
      await page.getByTestId('restore-new-confirm').fill(PASS);
      await page.getByTestId('restore-submit').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=message-restore-secret]')?.textContent.trim());
      await check(page, 'restore');
      await page.getByTestId('restore-secret').fill('amber kettle window ninety');
      await page.getByTestId('restore-submit').click();
      await page.getByTestId('screen-home').waitFor();
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('quick exit shows a neutral screen', async () => {
      const { page, context } = await open(env, 'locked', { viewport, lang, axe: true });
      await unlock(page);
      await page.getByTestId('quick-exit').click();
      await page.getByTestId('screen-neutral').waitFor();
      await check(page, 'neutral');
      await context.close();
    });
  });
}

describe('right to left', () => {
  it('mirrors navigation and the progress bar in Arabic', async () => {
    const { page, context } = await open(env, 'locked', { viewport: LAPTOP, lang: 'ar' });
    await unlock(page);
    await startForm(page, 'widgets');
    await page.getByTestId('next').click();
    const next = await page.getByTestId('next').boundingBox();
    const back = await page.getByTestId('back').boundingBox();
    assert.ok(next.x < back.x, 'Next is on the left in Arabic');
    const fill = await page.locator('[data-testid=progress] .track > div').boundingBox();
    const track = await page.locator('[data-testid=progress] .track').boundingBox();
    assert.ok(Math.abs(fill.x + fill.width - (track.x + track.width)) < 1, 'the bar fills from the right');
    assert.equal(await page.getByTestId('next').locator('.icon').evaluate((e) => getComputedStyle(e).transform), 'matrix(-1, 0, 0, 1, 0, 0)');
    await context.close();
  });
});

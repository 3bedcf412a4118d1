// Every screen in English and Arabic, at 360×740 and 1280×800 (results, action plan and
// send included): a screenshot of each
// (target/e2e-artifacts/browser/), axe-core with no serious or critical violation, no
// horizontal scrolling and every control at least 44 px, and Arabic laid out right to left.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LAPTOP, PASS, PHONE, axe, fits, goToPath, open, shot, start, startForm, unlock } from './harness.mjs';

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
      await page.getByTestId('strength-hints').waitFor();
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

// Journeys through the built UI in chromium, the shell mocked at the IPC boundary with
// views recorded from the real core: create a vault, fill every widget of the widgets
// form with a constraint, a repeat added and removed, the index and the blockers, then
// finalize and see it counted; refuse consent on the camp safety audit in Arabic.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LAPTOP, PASS, PHONE, goToPath, open, pagePath, shot, start, startForm, unlock } from './harness.mjs';

const VIEWS = JSON.parse(readFileSync(new URL('./fixtures/views.json', import.meta.url), 'utf8'));

function shape(value) {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape(value[k])]));
  return value === null ? 'null' : typeof value;
}

let env;
before(async () => (env = await start()));
after(async () => env?.stop());

async function answerText(page, name, value) {
  const input = page.getByTestId(`input-${name}`);
  await input.fill(value);
  await input.blur();
  await page.getByTestId('save-state').and(page.locator('[data-state=saved]')).waitFor();
}

describe('the mock against the real core', () => {
  it('pages the widgets form exactly as the capture layer does, with the same DraftView shape', async () => {
    const truth = VIEWS.capture_widgets_en;
    const { page, context } = await open(env, 'unlocked');
    await page.getByTestId('screen-home').waitFor();
    await startForm(page, 'widgets');
    await page.getByTestId('next').click();
    await page.getByTestId('choice-q-_widgets_consent-yes').click();
    await page.getByTestId('save-state').and(page.locator('[data-state=saved]')).waitFor();
    const walked = await page.evaluate(async () => {
      const invoke = window.__TAURI_INTERNALS__.invoke;
      const id = document.querySelector('[data-testid=screen-fill]').dataset.draftId;
      let view = await invoke('draft_go', { draftId: id, nav: { to: 'page', index: 0 } });
      const pages = [];
      for (let i = 0; i < 200; i++) {
        pages.push({ path: view.page.path, kind: view.page.content.kind, position: view.progress.position, relevant_pages: view.progress.relevant_pages });
        if (view.at_end) break;
        view = await invoke('draft_go', { draftId: id, nav: { to: 'next' } });
      }
      return { pages, last: view };
    });
    assert.deepEqual(walked.pages, truth.pages);
    // Optional fields (`string | null`) may be null on one side only.
    const loose = (x) => JSON.parse(JSON.stringify(x).replaceAll('"null"', '"string"'));
    assert.deepEqual(loose(shape(walked.last)), loose(shape(truth.last)));
    await context.close();
  });
});

describe('journeys', () => {
  it('create a vault, fill every widget, repeat, fix a constraint, finalize, see it counted', async () => {
    const { page, context, problems } = await open(env, 'fresh', { viewport: LAPTOP });
    await page.getByTestId('screen-create').waitFor();
    assert.match(await page.getByTestId('lost-warning').textContent(), /lost for good/);
    await page.getByTestId('passphrase').fill('short');
    await page.getByTestId('passphrase-strength-hints').waitFor();
    await page.getByTestId('passphrase').fill(PASS);
    await page.waitForFunction(() => document.querySelector('[data-testid=passphrase-strength]')?.dataset.score === '4');
    await page.getByTestId('passphrase-confirm').fill(PASS);
    await page.getByTestId('understood').check();
    await shot(page, 'journey-01-create');
    await page.getByTestId('create-vault').click();
    await page.getByTestId('screen-duress').waitFor();
    await page.getByTestId('duress-skip').click();
    await page.getByTestId('screen-home').waitFor();

    await startForm(page, 'widgets');
    assert.equal(await pagePath(page), '/widgets/intro');
    await page.getByTestId('next').click();
    await page.getByTestId('choice-q-_widgets_consent-yes').click();
    await page.waitForFunction(() => /of about 2\d/.test(document.querySelector('[data-testid=progress-text]')?.textContent ?? ''));
    await page.getByTestId('next').click();
    assert.equal(await pagePath(page), '/widgets/place_notes');
    assert.equal(await page.getByTestId('input-place_notes').evaluate((e) => e.tagName), 'TEXTAREA');
    await answerText(page, 'place_notes', 'Two latrine blocks\nno lights');
    await goToPath(page, '/widgets/households');
    await answerText(page, 'households', '900');
    assert.match(await page.getByTestId('message-q-_widgets_households').textContent(), /Between 0 and 500/);
    await shot(page, 'journey-02-constraint');
    await answerText(page, 'households', '12');
    assert.equal((await page.getByTestId('message-q-_widgets_households').textContent()).trim(), '');

    await goToPath(page, '/widgets/lighting');
    await page.getByTestId('input-lighting').selectOption('most');
    await goToPath(page, '/widgets/feel_safe');
    await page.getByTestId('choice-q-_widgets_feel_safe-agree').click();
    await page.getByTestId('next').click();
    // quick: one tap answers and moves on
    assert.equal(await pagePath(page), '/widgets/fence');
    await page.getByTestId('choice-q-_widgets_fence-yes').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=screen-fill]')?.dataset.pagePath === '/widgets/latrine_light');
    await goToPath(page, '/widgets/services');
    await page.getByTestId('choice-q-_widgets_services-other').click();
    await page.getByTestId('choice-q-_widgets_services-water').click();
    await goToPath(page, '/widgets/point');
    await page.getByTestId('geo-lat-point').fill('2.0469');
    await page.getByTestId('geo-lon-point').fill('45.3182');
    await page.getByTestId('geo-acc-point').fill('12');
    await page.getByTestId('geo-acc-point').blur();
    await shot(page, 'journey-03-geopoint');
    await goToPath(page, '/widgets/priorities');
    await page.getByTestId('rank-down-water').click();
    await page.getByTestId('save-state').and(page.locator('[data-state=saved]')).waitFor();
    await goToPath(page, '/widgets/grid');
    assert.equal(await page.getByTestId('table-head').count(), 1);
    await shot(page, 'journey-04-table-list');
    await goToPath(page, '/widgets/household[1]/hh_size');
    assert.match(await page.getByTestId('repeat-tag').textContent(), /Household 1/);
    await answerText(page, 'hh_size', '4');
    await page.getByTestId('next').click();
    await page.getByTestId('next').click();
    await page.getByTestId('add-another').waitFor();
    assert.match(await page.getByTestId('add-another').textContent(), /Add another “Household”\?/);
    assert.match(await page.getByTestId('repeat-count').textContent(), /1/);
    await page.getByTestId('repeat-add').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=screen-fill]')?.dataset.pagePath === '/widgets/household[2]/hh_size');
    await page.getByTestId('remove-repeat').click();
    await page.getByTestId('remove-dialog').getByTestId('remove-confirm').waitFor();
    await shot(page, 'journey-05-remove-confirm');
    await page.getByTestId('remove-confirm').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=screen-fill]')?.dataset.pagePath.includes('household[2]'));

    // The index: jump to the end; what blocks is listed with links.
    await page.getByTestId('open-index').click();
    await page.getByTestId('index').getByTestId('index-item').first().waitFor();
    assert.ok((await page.getByTestId('index-item').count()) > 15);
    await shot(page, 'journey-06-index');
    await page.getByTestId('index-end').click();
    await page.getByTestId('end-title').waitFor();
    // Nothing required is left empty in this journey: finalize.
    assert.equal(await page.getByTestId('blocker').count(), 0);
    await shot(page, 'journey-07-summary');
    await page.getByTestId('finalize').click();
    await page.getByTestId('finalized').waitFor();
    await page.getByTestId('finalized-home').click();
    await page.getByTestId('screen-home').waitFor();
    assert.equal(await page.getByTestId('count-widgets-SO2401-0001-2026-r1').textContent(), '1');
    await shot(page, 'journey-08-home-counted');
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
    await context.close();
  });

  it('a required question blocks finalizing; its link opens its page', async () => {
    const { page, context } = await open(env, 'unlocked');
    await page.getByTestId('screen-home').waitFor();
    await startForm(page, 'widgets');
    await page.getByTestId('open-index').click();
    await page.getByTestId('index-end').click();
    const blocker = page.getByTestId('blocker').first();
    await blocker.waitFor();
    assert.equal(await page.getByTestId('finalize').isDisabled(), true);
    assert.match(await page.getByTestId('blockers').textContent(), /Do you agree to take part\?/);
    await blocker.click();
    await page.waitForFunction(() => document.querySelector('[data-testid=screen-fill]')?.dataset.pagePath === '/widgets/consent');
    await context.close();
  });

  it('save and exit keeps the draft on home; resume returns to it; discard needs the typed word', async () => {
    const { page, context } = await open(env, 'unlocked');
    await page.getByTestId('screen-home').waitFor();
    await startForm(page, 'widgets');
    await page.getByTestId('next').click();
    await page.getByTestId('choice-q-_widgets_consent-yes').click();
    await page.getByTestId('save-exit').click();
    await page.getByTestId('screen-home').waitFor();
    const draft = page.getByTestId('draft-list').locator('li').first();
    const id = await draft.getAttribute('data-draft-id');
    await page.getByTestId(`resume-${id}`).click();
    await page.getByTestId('screen-fill').waitFor();
    assert.equal(await pagePath(page), '/widgets/consent');
    assert.equal(await page.getByTestId('choice-q-_widgets_consent-yes').locator('input').isChecked(), true);
    await page.getByTestId('save-exit').click();
    await page.getByTestId(`discard-${id}`).click();
    assert.equal(await page.getByTestId('discard-confirm').isDisabled(), true);
    await page.getByTestId('discard-word').fill('DISCARD');
    await page.getByTestId('discard-confirm').click();
    await page.getByTestId('no-drafts').waitFor();
    await context.close();
  });

  it('camp safety audit in Arabic on a phone: refusing consent ends the form and keeps only the refusal', async () => {
    const { page, context, problems } = await open(env, 'unlocked', { viewport: PHONE, lang: 'ar' });
    await page.getByTestId('screen-home').waitFor();
    await startForm(page, 'camp_safety_audit');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    // The second edition opens on the site, round and walk; consent follows them.
    assert.equal(await pagePath(page), '/camp_safety_audit/site');
    await goToPath(page, '/camp_safety_audit/site_consent');
    await shot(page, 'journey-ar-consent');
    await page.getByTestId('choice-q-_camp_safety_audit_site_consent-no').click();
    await page.getByTestId('refused').waitFor();
    await page.getByTestId('next').click();
    await page.getByTestId('next').click().catch(() => {});
    await page.getByTestId('end-title').waitFor();
    assert.match(await page.getByTestId('finalize').textContent(), /تسجيل الرفض/);
    await shot(page, 'journey-ar-refusal');
    await page.getByTestId('finalize').click();
    await page.getByTestId('finalized').waitFor();
    await page.getByTestId('finalized-home').click();
    await page.getByTestId('screen-home').waitFor();
    assert.equal(await page.getByTestId('refusals-camp_safety_audit-SO2401-0001-2026-r1').textContent(), '1');
    assert.equal(await page.getByTestId('count-camp_safety_audit-SO2401-0001-2026-r1').textContent(), '0');
    assert.deepEqual(problems, []);
    await context.close();
  });
});

// Responses on the device through the built UI, the shell mocked with the list, receipt
// codes and read-only views recorded from the real core (fixtures/views.json,
// `share.responses`): finalizing gives the respondent's receipt code (large, left to
// right in Arabic too, none for a refusal), that code finds the response again and
// withdraws it after the typed confirmation, and an export of a group that may not be
// released now is refused in words. Screenshots: target/e2e-artifacts/browser/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LAPTOP, PHONE, axe, everything, fits, open, shot, start, startForm, unlock } from './harness.mjs';

const RESPONSES = JSON.parse(readFileSync(new URL('./fixtures/views.json', import.meta.url), 'utf8')).share.responses;

let env;
before(async () => (env = await start()));
after(async () => env?.stop());

/**
 * The widgets form filled as far as finalizing needs, then finalized: consent in the
 * window; the household count and one household's size straight through the shell (the
 * journeys walk every page; here only the end matters).
 */
async function finalizeWidgets(page) {
  await startForm(page, 'widgets');
  await page.getByTestId('next').click();
  await page.getByTestId('choice-q-_widgets_consent-yes').click();
  await page.getByTestId('save-state').and(page.locator('[data-state=saved]')).waitFor();
  await page.evaluate(async () => {
    const invoke = window.__TAURI_INTERNALS__.invoke;
    const draftId = document.querySelector('[data-testid=screen-fill]').dataset.draftId;
    for (const [path, value] of [['households', '900'], ['households', '12'], ['/widgets/household[1]/hh_size', '4']]) await invoke('draft_answer', { draftId, path, value });
  });
  await page.getByTestId('open-index').click();
  await page.getByTestId('index-end').click();
  await page.getByTestId('end-title').waitFor();
  assert.equal(await page.getByTestId('blocker').count(), 0);
  await page.getByTestId('finalize').click();
  await page.getByTestId('finalized').waitFor();
}

describe('the recording', () => {
  it('holds every kind of row the screen words, and a receipt for every response but the refusal', () => {
    const states = new Set(RESPONSES.list.map((r) => r.state.state));
    assert.deepEqual([...states].sort(), ['due_for_purge', 'kept', 'sent']);
    assert.ok(RESPONSES.list.some((r) => r.refusal));
    for (const r of RESPONSES.list) assert.equal(RESPONSES.receipts[r.submission_id] === null, r.refusal, r.submission_id);
    for (const code of Object.values(RESPONSES.receipts).filter(Boolean)) assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    assert.match(RESPONSES.bad_receipt, /8 letters and digits/);
  });
});

describe('the receipt code', () => {
  for (const [lang, tag] of [
    ['en', 'en-phone'],
    ['ar', 'ar-phone'],
  ]) {
    it(`is given on finalizing, left to right (${lang}), then finds the response and withdraws it`, async () => {
      const { page, context, problems } = await open(env, 'locked', { viewport: PHONE, lang, axe: true });
      await unlock(page);
      await finalizeWidgets(page);
      const code = page.getByTestId('receipt-code');
      const receipt = (await code.textContent()).trim();
      assert.match(receipt, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      assert.equal(await code.getAttribute('dir'), 'ltr');
      assert.equal(await code.evaluate((e) => getComputedStyle(e).direction), 'ltr');
      // The first group is drawn to the left of the second, in Arabic too.
      const [first, second] = await code.locator('.part').evaluateAll((parts) => parts.map((p) => p.getBoundingClientRect().x));
      assert.ok(first < second, 'ABCD before EFGH, left to right');
      assert.ok(Number.parseFloat(await code.evaluate((e) => getComputedStyle(e).fontSize)) >= 32, 'large');
      assert.equal(await page.evaluate(() => document.documentElement.dir), lang === 'ar' ? 'rtl' : 'ltr');
      await axe(page, `finalize-receipt (${tag})`);
      await fits(page, `finalize-receipt (${tag})`);
      await shot(page, `finalize-receipt-${tag}`);
      // Not kept anywhere in the window once the screen is left.
      await page.getByTestId('finalized-home').click();
      await page.getByTestId('screen-home').waitFor();
      assert.ok(!(await everything(page)).includes(receipt), 'the code is not in the window after leaving');

      await page.getByTestId('home-submissions').click();
      await page.getByTestId('submission-groups').waitFor();
      await page.getByTestId('receipt-entry').fill(receipt.replace('-', '').toLowerCase());
      await page.getByTestId('receipt-find').click();
      const match = page.getByTestId('receipt-match');
      await match.waitFor();
      assert.equal(await match.getAttribute('data-submission-id'), 'uuid:draft-1');
      await page.getByTestId('withdraw-start').click();
      assert.equal(await page.getByTestId('withdraw-confirm').isDisabled(), true, 'not before the word is typed');
      await page.getByTestId('withdraw-word').fill(lang === 'ar' ? 'احذف' : 'DELETE');
      await page.getByTestId('withdraw-confirm').click();
      await page.getByTestId('withdrawn').waitFor();
      assert.equal(await page.getByTestId('sgroup-widgets-SO2401-0001-2026-r1').count(), 0, 'gone from the list');
      await page.getByTestId('receipt-entry').fill(receipt);
      await page.getByTestId('receipt-find').click();
      await page.getByTestId('receipt-not-found').waitFor();
      assert.deepEqual(await page.evaluate(() => window.__lanternCalls.filter((c) => c === 'submission_withdraw').length), 1);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }

  it('is not given for a refusal', async () => {
    const { page, context, problems } = await open(env, 'unlocked', { viewport: PHONE });
    await page.getByTestId('screen-home').waitFor();
    await startForm(page, 'camp_safety_audit');
    // Camp management refuses the walk (the journeys click through to it; here only the end matters).
    await page.evaluate(async () => {
      const draftId = document.querySelector('[data-testid=screen-fill]').dataset.draftId;
      await window.__TAURI_INTERNALS__.invoke('draft_answer', { draftId, path: 'site_consent', value: 'no' });
    });
    await page.getByTestId('open-index').click();
    await page.getByTestId('index-end').click();
    await page.getByTestId('finalize').click();
    await page.getByTestId('finalized').waitFor();
    assert.equal(await page.getByTestId('receipt').count(), 0);
    assert.equal(await page.getByTestId('receipt-code').count(), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('that is not a code says what a code looks like; an unknown one says so', async () => {
    const { page, context } = await open(env, 'locked', { viewport: LAPTOP });
    await unlock(page);
    await page.getByTestId('open-submissions').click();
    await page.getByTestId('receipt-entry').fill('K7QM-2X');
    await page.getByTestId('receipt-find').click();
    await page.waitForFunction(() => /like ABCD-EFGH/.test(document.querySelector('[data-testid=message-receipt-entry]')?.textContent ?? ''));
    await page.getByTestId('receipt-entry').fill('ZZZZ-ZZZZ');
    await page.getByTestId('receipt-find').click();
    await page.getByTestId('receipt-not-found').waitFor();
    assert.equal(await page.getByTestId('receipt-match').count(), 0);
    await context.close();
  });
});

describe('export', () => {
  it('of a group that may not be released now (a batch of it was just approved) is refused in words', async () => {
    const { page, context } = await open(env, 'locked', { viewport: LAPTOP });
    await unlock(page);
    // The approval as the send screen makes it (recorded from the core): Hodan's audit now waits for changes.
    await page.evaluate(async () => {
      const invoke = window.__TAURI_INTERNALS__.invoke;
      const p = await invoke('share_preview', { formId: 'camp_safety_audit', site: 'SO2401-0001', round: '1', uiLanguage: 'en' });
      await invoke('share_approve', { hash: p.payload.hash });
    });
    await page.getByTestId('open-results').click();
    await page.getByTestId('open-results-camp_safety_audit-SO2401-0001-1').click();
    await page.getByTestId('export-open').click();
    await page.getByTestId('export-agreement').fill('GBV sub-cluster ISP, Banadir 2026');
    await page.getByTestId('export-confirm').click();
    await page.getByTestId('export-error').waitFor();
    assert.match(await page.getByTestId('export-error').textContent(), /Nothing can be exported for this site and round now/);
    assert.equal(await page.getByTestId('export-done').count(), 0);
    await context.close();
  });
});

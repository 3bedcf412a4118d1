// What a security reviewer checks in the window: locking (button, idle lock from the
// shell, quick exit) leaves no answer in the DOM, the fields or the WebView's storage; the
// lock and neutral screens say nothing of the form; the demo vault is marked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { everything, goToPath, open, start, startForm, unlock } from './harness.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.stop());

const CANARY = 'CANARY-9d41-lantern-answer';

async function fillCanary(page) {
  await unlock(page);
  await startForm(page, 'widgets');
  await page.getByTestId('next').click();
  await page.getByTestId('choice-q-_widgets_consent-yes').click();
  await goToPath(page, '/widgets/shelter_code');
  await page.getByTestId('input-shelter_code').fill(CANARY);
  await page.getByTestId('input-shelter_code').blur();
  await page.getByTestId('save-state').and(page.locator('[data-state=saved]')).waitFor();
  assert.ok((await everything(page)).includes(CANARY), 'the answer is on screen before locking');
}

describe('locking drops every answer', () => {
  for (const [how, act, screen] of [
    ['the lock button', (page) => page.getByTestId('lock').click(), 'screen-unlock'],
    ['an idle lock from the shell', (page) => page.evaluate(() => window.__lanternEmit('vault://locked', { reason: 'idle' })), 'screen-unlock'],
    ['quick exit', (page) => page.getByTestId('quick-exit').click(), 'screen-neutral'],
    ['Escape pressed twice', async (page) => (await page.keyboard.press('Escape'), page.keyboard.press('Escape')), 'screen-neutral'],
  ]) {
    it(`${how}: nothing of the form is left in the DOM or storage`, async () => {
      const { page, context } = await open(env, 'locked');
      await fillCanary(page);
      await act(page);
      await page.getByTestId(screen).waitFor();
      const all = await everything(page);
      assert.ok(!all.includes(CANARY), 'answer gone');
      assert.ok(!all.includes('Shelter block code'), 'question gone');
      assert.ok(!all.includes('Widgets'), 'form title gone');
      if (screen === 'screen-neutral') {
        assert.ok(!/Lantern|Quick exit|Lock/.test(await page.locator('body').innerText()), 'the neutral screen names nothing');
        await page.getByTestId('neutral-continue').click();
        await page.getByTestId('screen-unlock').waitFor();
      }
      // After unlocking again the draft is on home, not on screen.
      await unlock(page);
      assert.equal(await page.getByTestId('draft-list').locator('li').count(), 1);
      assert.ok(!(await everything(page)).includes(CANARY));
      await context.close();
    });
  }

  it('the WebView storage never holds an answer', async () => {
    const { page, context } = await open(env, 'locked');
    await fillCanary(page);
    const storage = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      dbs: indexedDB.databases ? (await indexedDB.databases()).length : 0,
      caches: (await caches.keys()).length,
    }));
    assert.deepEqual(storage, { local: 0, session: 0, dbs: 0, caches: 0 });
    await context.close();
  });

  it('the demo vault is marked on every screen', async () => {
    const { page, context } = await open(env, 'demo');
    await page.getByTestId('screen-home').waitFor();
    assert.match(await page.getByTestId('demo-banner').textContent(), /Demo vault/);
    await context.close();
  });
});

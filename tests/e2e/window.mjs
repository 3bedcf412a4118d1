// The real window's helpers shared by the E2E tests: taps, typing, waiting for screens,
// and filling a form page after page the way an enumerator does (through tauri-driver
// and WebKitWebDriver; see rig.mjs for the driver and the app's home).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { By, TIMEOUT, artifacts, root, screenshot, until } from './rig.mjs';

export const PASS = 'river stone 42 lantern night';

export const scenario = (form, name) =>
  JSON.parse(readFileSync(join(root, 'forms/scenarios', form, `${name}.json`), 'utf8')).answers;

export const tid = (id) => By.css(`[data-testid="${id}"]`);

/** Scrolls `e` to the middle of the window (the bottom bar is fixed) and clicks it. */
export async function tap(d, e) {
  await d.executeScript('arguments[0].scrollIntoView({block: "center"})', e);
  await e.click();
}

export function ui(d) {
  const self = {
    d,
    find: (id) => d.wait(until.elementLocated(tid(id)), TIMEOUT, `no ${id}`),
    async click(id) {
      const e = await self.find(id);
      await d.wait(until.elementIsEnabled(e), TIMEOUT, `${id} stays disabled`).catch(async (err) => {
        // Say why: what the screen shows (blockers, the page) when a button never enables.
        const text = await d.executeScript('return document.body.innerText').catch(() => '');
        err.message += `\n--- the screen said:\n${String(text).slice(0, 2000)}`;
        throw err;
      });
      await tap(d, e);
    },
    async type(id, text) {
      const e = await self.find(id);
      await e.clear();
      await e.sendKeys(text);
    },
    present: async (id) => (await d.findElements(tid(id))).length > 0,
    /** An element's text, found afresh. A node the screen re-rendered between the find
     * and the read (a sync event refreshes the send screen) reads as '', so that a wait
     * on it tries again instead of failing. */
    async text(id) {
      try {
        return await (await self.find(id)).getText();
      } catch (e) {
        if (e.name === 'StaleElementReferenceError') return '';
        throw e;
      }
    },
    pagePath: async () => (await self.find('screen-fill')).getAttribute('data-page-path'),
    source: () => d.executeScript('return document.documentElement.outerHTML'),
    async saved() {
      await d.wait(until.elementLocated(By.css('[data-testid="save-state"][data-state="saved"]')), TIMEOUT, 'not saved');
    },
    /** A screenshot in target/e2e-artifacts/; with `readme`, also the README's copy in
     *  docs/screenshots/ when LANTERN_UPDATE_SCREENSHOTS=1 (then commit it). */
    async shot(name, readme) {
      await d.executeAsyncScript('const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)));');
      const png = await screenshot(d);
      writeFileSync(join(artifacts, `journey-${name}.png`), png, 'base64');
      if (readme && process.env.LANTERN_UPDATE_SCREENSHOTS === '1') {
        mkdirSync(join(root, 'docs/screenshots'), { recursive: true });
        writeFileSync(join(root, 'docs/screenshots', `${readme}.png`), png, 'base64');
      }
    },
    async createVault() {
      await self.find('screen-create');
      await self.type('passphrase', PASS);
      await self.type('passphrase-confirm', PASS);
      await tap(d, await self.find('understood'));
      await self.click('create-vault');
      await self.click('duress-skip');
      await self.find('screen-home');
    },
    async unlock() {
      await self.find('screen-unlock');
      await self.type('unlock-passphrase', PASS);
      await self.click('unlock');
      await self.find('screen-home');
    },
    /** Home, whatever screen the window is on (a journey may run alone). */
    async ready() {
      await d.wait(async () => (await self.present('screen-create')) || (await self.present('screen-unlock')) || (await self.present('screen-home')) || (await self.present('screen-fill')), TIMEOUT);
      if (await self.present('screen-create')) await self.createVault();
      else if (await self.present('screen-unlock')) await self.unlock();
      else if (await self.present('screen-fill')) {
        await self.click('save-exit');
        await self.find('screen-home');
      }
    },
    async startForm(formId, site = 'SO2401-0001') {
      const select = await self.find('site');
      await select.findElement(By.css(`option[value="${site}"]`)).click();
      await self.click(`start-${formId}`);
      await self.find('screen-fill');
    },
    /** Waits until the page is no longer `path`. */
    async moved(path) {
      await d.wait(async () => (await self.pagePath().catch(() => path)) !== path || (await self.present('end-title')), 5000).catch(() => {});
    },
    /** Answers the questions of the current page from `values` (by name; a repeat's
     *  values from `values[repeat][k-1]`). */
    async fillPage(values) {
      const path = await self.pagePath();
      for (const q of await d.findElements(tid('question'))) {
        const qpath = await q.getAttribute('data-path');
        const type = await q.getAttribute('data-type');
        const name = qpath.split('/').pop();
        let scope = values;
        for (const m of qpath.matchAll(/\/([^/[]+)\[(\d+)\]/g)) scope = scope?.[m[1]]?.[Number(m[2]) - 1];
        const value = scope?.[name];
        if (value === undefined || value === null) continue;
        const dom = 'q-' + qpath.replace(/[^A-Za-z0-9_-]/g, '_');
        if (type.startsWith('select_')) {
          const minimal = await q.findElements(By.css(`select[data-testid="input-${name}"]`));
          if (minimal.length) {
            await tap(d, minimal[0]);
            await minimal[0].findElement(By.css(`option[value="${value}"]`)).click();
          } else {
            for (const v of String(value).split(' ')) {
              const choice = await q.findElement(tid(`choice-${dom}-${v}`));
              if (!(await choice.findElement(By.css('input')).isSelected())) await tap(d, choice);
              if ((await self.pagePath().catch(() => path)) !== path) return; // `quick` moved on
            }
          }
        } else {
          const input = await q.findElement(tid(`input-${name}`));
          if ((await input.getAttribute('value')) === String(value)) continue;
          await d.executeScript('arguments[0].scrollIntoView({block: "center"})', input);
          await input.clear();
          await input.sendKeys(String(value), '\uE007'); // Enter commits
        }
        await self.saved();
      }
    },
    /** Fills page after page until the end summary, adding repeat instances as `values`
     *  has them. */
    async fillForm(values) {
      for (let i = 0; i < 300; i++) {
        if (await self.present('end-title')) return;
        const path = await self.pagePath();
        if (await self.present('add-another')) {
          const repeat = path.split('/').pop();
          const want = values[repeat]?.length ?? 0;
          const count = Number((await (await self.find('repeat-count')).getText()).match(/\d+/)?.[0] ?? 0);
          if (count < want) {
            await self.click('repeat-add');
            await self.moved(path);
            continue;
          }
        } else {
          await self.fillPage(values);
          if ((await self.pagePath().catch(() => '')) !== path) continue;
        }
        await self.click('next');
        await self.moved(path);
      }
      throw new Error('the form never reached its end');
    },
  };
  return self;
}


// End-to-end journeys in the REAL app window (lantern-app under Xvfb, driven through
// tauri-driver + WebKitWebDriver), on a real vault in a temporary folder:
//   (a) create a vault, fill the camp safety audit (a repeat added, skips taken),
//       finalize, see it counted on home;
//   (b) women's participation: refuse consent once, then a complete response in Arabic;
//   (c) kill the app process mid-form, start it again, unlock: the draft is there with
//       every answer given before the kill;
//   (d) quick exit, then unlock: nothing of the form is visible before unlocking;
// and the canary checks: after the fills, no answer is in the WebView's storage
// (localStorage, sessionStorage, IndexedDB, Cache Storage, and the WebView's files on
// disk) nor in the app's output. Screenshots: target/e2e-artifacts/journey-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

import { By, Rig, TIMEOUT, application, artifacts, root, screenshot, until } from './rig.mjs';

const PASS = 'river stone 42 lantern night';
// Answers no code path should ever write outside the vault.
const CANARY = 'CanaryZebra7731 latrine lights broken';

const scenario = (form, name) =>
  JSON.parse(readFileSync(join(root, 'forms/scenarios', form, `${name}.json`), 'utf8')).answers;

const tid = (id) => By.css(`[data-testid="${id}"]`);

/** Scrolls `e` to the middle of the window (the bottom bar is fixed) and clicks it. */
async function tap(d, e) {
  await d.executeScript('arguments[0].scrollIntoView({block: "center"})', e);
  await e.click();
}

function ui(d) {
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

async function storageHolds(d, needle) {
  return d.executeAsyncScript(
    `const [needle, done] = arguments;
     (async () => {
       const found = [];
       for (const s of [localStorage, sessionStorage])
         for (let i = 0; i < s.length; i++) { const k = s.key(i); if ((k + s.getItem(k)).includes(needle)) found.push('webstorage:' + k); }
       if (indexedDB.databases) for (const db of await indexedDB.databases()) found.push('indexeddb:' + db.name);
       if (self.caches) for (const k of await caches.keys()) found.push('cache:' + k);
       return found;
     })().then(done, (e) => done(['error:' + e]));`,
    needle,
  );
}

/** Files under `dir` whose bytes contain `needle` (UTF-8 or UTF-16LE). */
function filesHolding(dir, needle) {
  const hits = [];
  const utf16 = Buffer.from(needle, 'utf16le');
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const bytes = readFileSync(p);
        if (bytes.includes(needle) || bytes.includes(utf16)) hits.push(p);
      }
    }
  };
  walk(dir);
  return hits;
}

before(() => {
  assert.ok(existsSync(application), `${application} is missing: run scripts/tier-e2e.sh, which builds it`);
  mkdirSync(artifacts, { recursive: true });
});

describe('journeys in the real window', () => {
  let rig;
  after(async () => rig?.stop());

  it('(a) create a vault, fill the camp safety audit with a repeat and skips, finalize, see it counted', async (t) => {
    rig = await new Rig().start();
    const w = ui(rig.driver);
    try {
      await w.createVault();
      await w.startForm('camp_safety_audit');
      assert.equal(await w.pagePath(), '/camp_safety_audit/site');
      const values = { ...scenario('camp_safety_audit', 'typical'), site_notes: CANARY };
      await w.fillForm(values);
      await w.shot('a-summary', 'finalize-summary');
      assert.equal((await rig.driver.findElements(tid('blocker'))).length, 0, 'nothing blocks');
      await w.click('finalize');
      await w.find('finalized');
      await w.click('finalized-home');
      await w.find('screen-home');
      const count = await w.find('count-camp_safety_audit-SO2401-0001-1');
      assert.equal((await count.getText()).trim(), '1');
      await w.shot('a-home-counted', 'home');

      // The canary: nothing of the answers in the WebView's storage, its files or the
      // app's output.
      assert.deepEqual(await storageHolds(rig.driver, 'CanaryZebra7731'), []);
      const onDisk = [join(rig.home, 'data'), join(rig.home, 'cache'), join(rig.home, 'xdg-config'), join(rig.home, 'config')]
        .flatMap((d) => filesHolding(d, 'CanaryZebra7731'));
      assert.deepEqual(onDisk, [], 'the WebView wrote an answer to disk');
      assert.deepEqual(filesHolding(join(rig.home, 'vault'), 'CanaryZebra7731'), [], 'plaintext in the vault folder');
      assert.ok(!rig.log.includes('CanaryZebra7731'), 'an answer reached the app output');
    } finally {
      await w.shot('a-last').catch(() => {});
      if (rig.log) t.diagnostic(`tauri-driver:\n${rig.log.slice(-1500)}`);
    }
  });

  it("(b) women's participation: refuse consent once, then a complete response in Arabic", async () => {
    rig ??= await new Rig().start();
    const w = ui(rig.driver);
    await w.ready();
    await w.startForm('womens_participation');
    await w.fillForm(scenario('womens_participation', 'edge_refused'));
    await w.find('refused');
    await w.click('finalize');
    await w.find('finalized');
    await w.click('finalized-home');
    await w.find('screen-home');

    const lang = await w.find('language');
    await lang.findElement(By.css('option[value="ar"]')).click();
    await rig.driver.wait(async () => (await rig.driver.executeScript('return document.documentElement.dir')) === 'rtl', TIMEOUT);
    await w.startForm('womens_participation');
    const label = await (await w.find('question')).getText();
    assert.match(label, /[\u0600-\u06FF]/, `the form opens in Arabic: ${label}`);
    // A phone's viewport for the Arabic page.
    const rect = await rig.driver.manage().window().getRect();
    await rig.driver.manage().window().setRect({ width: 360, height: 740 }).catch(() => {});
    await w.shot('b-arabic-consent', 'form-page-ar-phone');
    await rig.driver.manage().window().setRect({ width: rect.width, height: rect.height }).catch(() => {});
    await w.fillForm(scenario('womens_participation', 'typical_adult'));
    await w.shot('b-arabic-summary');
    await w.click('finalize');
    await w.find('finalized');
    await w.click('finalized-home');
    const counted = await w.find('count-womens_participation-SO2401-0001-baseline');
    assert.equal((await counted.getText()).trim().replace(/[٠-٩]/g, (c) => String(c.charCodeAt(0) - 0x660)), '1');
    await lang.findElement(By.css('option[value="en"]')).click().catch(async () => {
      await (await w.find('language')).findElement(By.css('option[value="en"]')).click();
    });
  });

  it('(c) kill the app mid-form, start it again, unlock: the draft has every answer', async () => {
    rig ??= await new Rig().start();
    let w = ui(rig.driver);
    await w.ready();
    await w.startForm('camp_safety_audit');
    const partial = { round: 1, walk_time: 'night', site_type: 'planned', site_consent: 'yes', perimeter: 'partial', lighting: 'some' };
    let lightingPath = null;
    for (let i = 0; i < 20 && !lightingPath; i++) {
      const path = await w.pagePath();
      await w.fillPage(partial);
      for (const q of await rig.driver.findElements(tid('question'))) {
        const p = await q.getAttribute('data-path');
        if (p.endsWith('/lighting')) lightingPath = p;
      }
      if (!lightingPath && (await w.pagePath()) === path) {
        await w.click('next');
        await w.moved(path);
      }
    }
    assert.ok(lightingPath, 'reached the lighting question');
    await w.saved();
    const left = await w.pagePath();
    const draftId = await (await w.find('screen-fill')).getAttribute('data-draft-id');
    assert.ok(draftId, 'the fill screen names its draft');
    const pid = rig.appPid();
    assert.ok(pid, 'the lantern-app process is found');
    process.kill(pid, 'SIGKILL');
    await rig.driver.quit().catch(() => {});
    await rig.open();
    w = ui(rig.driver);
    await w.unlock();
    // The draft is on home after the restart.
    const id = draftId;
    await w.find(`resume-${id}`);
    await w.click(`resume-${id}`);
    await w.find('screen-fill');
    assert.equal(await w.pagePath(), left, 'back on the page where the app died');
    const lighting = await w.find(`choice-q-${lightingPath.replace(/[^A-Za-z0-9_-]/g, '_')}-some`);
    assert.ok(await lighting.findElement(By.css('input')).isSelected(), 'the last answer survived the kill');
    // Every earlier answer too: walk back to consent.
    const seen = {};
    for (let i = 0; i < 20 && (await w.pagePath()) !== '/camp_safety_audit/site'; i++) {
      for (const q of await rig.driver.findElements(By.css('[data-testid="question"] input:checked'))) {
        seen[await q.getAttribute('value')] = true;
      }
      const path = await w.pagePath();
      await w.click('back');
      await w.moved(path);
    }
    for (const v of ['planned', 'night', 'yes']) assert.ok(seen[v], `${v} restored (${Object.keys(seen)})`);
    await w.shot('c-resumed');
  });

  it('(d) quick exit hides the form at once; nothing of it shows before unlocking', async () => {
    rig ??= await new Rig().start();
    const w = ui(rig.driver);
    if (!(await w.present('screen-fill'))) {
      await w.ready();
      await w.startForm('camp_safety_audit');
      await w.fillPage({ site_consent: 'yes' });
      await w.click('next');
    }
    await w.find('screen-fill');
    await w.click('quick-exit');
    await w.find('screen-neutral');
    let html = await w.source();
    for (const leak of ['screen-fill', 'Lighting', 'night', 'site_consent', 'camp_safety_audit']) {
      assert.ok(!html.includes(leak), `${leak} still in the DOM after quick exit`);
    }
    await w.shot('d-neutral');
    await w.click('neutral-continue');
    await w.find('screen-unlock');
    html = await w.source();
    for (const leak of ['screen-fill', 'draft-list', 'camp_safety_audit', 'SO2401-0001']) {
      assert.ok(!html.includes(leak), `${leak} visible before unlocking`);
    }
    await w.unlock();
    assert.ok(!(await w.present('screen-fill')), 'unlocking opens home, not the form');
  });
});

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
import { mkdirSync, readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

import { By, Rig, TIMEOUT, application, artifacts } from './rig.mjs';
import { scenario, tid, ui } from './window.mjs';

// Answers no code path should ever write outside the vault.
const CANARY = 'CanaryZebra7731 latrine lights broken';

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

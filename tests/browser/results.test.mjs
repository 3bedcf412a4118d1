// The results screens on data recorded from the real core (fixtures/views.json, `share`):
// no suppressed cell is ever drawn as a number or a bar, in English and Arabic, every
// hidden cell of the recording is on screen as "fewer than k"; and the action plan prints
// (print media: no app bar or controls, black on white) to a PDF, rasterised with
// pdftoppm when it is installed. Files: target/e2e-artifacts/browser/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LAPTOP, PHONE, artifacts, open, root, shot, start, unlock } from './harness.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.stop());

const SHARE = JSON.parse(readFileSync(join(root, 'tests/browser/fixtures/views.json'), 'utf8')).share;

/** How many hidden-cell elements the results screen shows for a recording: each hidden total once; a hidden cell of a chart twice (the chart's row and its table's). */
function expectedHidden(results) {
  let n = results.refusals.shown === 'hidden' ? 1 : 0;
  for (const ind of results.indicators) {
    const grouped = ind.cells.filter((c) => c.by.length && !(c.by.length === 1 && c.by[0].dimension === 'round'));
    for (const c of ind.cells) {
      if (c.shown.shown !== 'hidden') continue;
      if (!c.by.length) n += 1;
      else if (grouped.includes(c)) n += 2;
    }
  }
  return n;
}

/** Every hidden cell on the page: its text, and whatever of it could draw a size. */
async function hiddenCells(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-cell="hidden"]')].map((el) => {
      const label = el.querySelector('.row-label, th')?.textContent ?? '';
      return {
        values: [...el.querySelectorAll('[data-part="value"]')].map((v) => v.textContent.replace(/\s+/g, ' ').trim()),
        rest: el.textContent.replace(label, ''),
        drawn: [...el.querySelectorAll('*')].filter((d) => d.matches('.bar, .track, svg, progress, meter, canvas') || /width|inline-size/.test(d.getAttribute('style') ?? '')).length,
      };
    }),
  );
}

describe('no suppressed cell is ever drawn as a number or a bar', () => {
  for (const lang of ['en', 'ar']) {
    for (const [testid, key] of [
      ['open-results-camp_safety_audit-SO2401-0001-1', 'camp_safety_audit|SO2401-0001|1'],
      ['open-results-womens_participation-SO2401-0001-endline', 'womens_participation|SO2401-0001|endline'],
    ]) {
      it(`${key}, ${lang}`, async () => {
        const { page, context, problems } = await open(env, 'locked', { viewport: LAPTOP, lang });
        await unlock(page);
        await page.getByTestId('open-results').click();
        await page.getByTestId(testid).click();
        await page.getByTestId('results-responses').waitFor();
        const recorded = SHARE.results[`${key}|${lang}`];
        const cells = await hiddenCells(page);
        assert.ok(cells.length > 0, 'the recording has hidden cells');
        assert.equal(cells.length, expectedHidden(recorded), 'every hidden cell of the recording is on screen, and only those');
        const words = lang === 'ar' ? /^أقل من (\d+) \((.+)\)$/ : /^fewer than (\d+) \((.+)\)$/;
        const ks = new Set(recorded.indicators.map((i) => String(i.min_cell)).concat(String(recorded.min_cell_size)));
        for (const c of cells) {
          assert.equal(c.drawn, 0, `a hidden cell has something drawn: ${JSON.stringify(c)}`);
          assert.ok(c.values.length > 0, 'never blank');
          for (const v of c.values) {
            const m = words.exec(v);
            assert.ok(m, `"${v}" is not "fewer than k (why)"`);
            assert.ok(ks.has(m[1]), `k ${m[1]} is the form's`);
          }
          assert.doesNotMatch(c.rest.replace(lang === 'ar' ? /أقل من \d+/g : /fewer than \d+/g, ''), /[0-9٠-٩]/, 'no other digit in a hidden cell');
        }
        assert.deepEqual(problems, []);
        await context.close();
      });
    }
  }
});

describe('the action plan prints', () => {
  for (const [lang, viewport] of [
    ['en', LAPTOP],
    ['ar', PHONE],
  ]) {
    it(`to a PDF, ${lang}`, async () => {
      const { page, context } = await open(env, 'locked', { viewport, lang });
      await unlock(page);
      await page.getByTestId('open-results').click();
      await page.getByTestId('open-results-camp_safety_audit-SO2401-0001-1').click();
      await page.getByTestId('open-plan').click();
      await page.getByTestId('action-plan').waitFor();
      const team = lang === 'ar' ? 'فريق هودان أ' : 'Hodan team A';
      await page.getByTestId('plan-team').fill(team);
      const recorded = SHARE.results[`camp_safety_audit|SO2401-0001|1|${lang}`];
      const levels = await page.getByTestId('action-item').evaluateAll((items) => items.map((i) => i.dataset.level));
      assert.deepEqual(levels, recorded.actions.map((a) => a.level), 'red before amber, as the core orders them');
      assert.ok(levels.indexOf('amber') === -1 || levels.lastIndexOf('red') < levels.indexOf('amber'));
      const actions = await page.getByTestId('action-text').allTextContents();
      assert.deepEqual(actions, recorded.actions.map((a) => a.action));

      await page.emulateMedia({ media: 'print' });
      const printed = await page.evaluate(() => ({
        bar: getComputedStyle(document.querySelector('header.bar')).display,
        buttons: [...document.querySelectorAll('button')].filter((b) => getComputedStyle(b).display !== 'none').length,
        input: getComputedStyle(document.querySelector('[data-testid=plan-team]')).display,
        ink: getComputedStyle(document.body).color,
        paper: getComputedStyle(document.documentElement).backgroundColor,
        team: document.querySelector('.print-only')?.textContent,
      }));
      assert.deepEqual(printed, { bar: 'none', buttons: 0, input: 'none', ink: 'rgb(0, 0, 0)', paper: 'rgb(255, 255, 255)', team });
      await shot(page, `action-plan-print-media-${lang}`);
      const pdf = join(artifacts, `action-plan-${lang}.pdf`);
      await page.pdf({ path: pdf, format: 'A4', printBackground: true, margin: { top: '15mm', bottom: '15mm', left: '12mm', right: '12mm' } });
      assert.ok(statSync(pdf).size > 1000);
      if (existsSync('/usr/bin/pdftoppm')) {
        const prefix = join(artifacts, `action-plan-${lang}`);
        execFileSync('/usr/bin/pdftoppm', ['-png', '-r', '60', pdf, prefix]);
        const pages = readdirSync(artifacts).filter((f) => f.startsWith(`action-plan-${lang}-`) && f.endsWith('.png'));
        assert.ok(pages.length >= 1, 'pdftoppm wrote the pages');
      } else {
        console.log(`pdftoppm is missing (poppler-utils): ${pdf} not rasterised`);
      }
      await context.close();
    });
  }
});

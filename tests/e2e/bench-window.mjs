// The window benchmark (issue 11): in the REAL app window, on the generated 2,000-question
// form, the time from a tap (an answer committed, or Next) to the page being drawn again,
// and the app's memory after the fill. Not a test: it prints figures. Run it through
// `scripts/bench-window.sh`, which builds the app and the form.
//
// How a tap is timed, inside the WebView: a capturing listener stamps the tap
// (performance.now() at the click or the Enter key); the fill screen's save state goes to
// "saving" while the call to the core is out and leaves it in the same update that puts
// the core's new view in the DOM; the sample ends two animation frames after that, that
// is after the frame that painted it. WebDriver's own overhead is outside the interval.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

import { By, Rig, TIMEOUT, artifacts, until } from './rig.mjs';

const FORMS = process.env.LANTERN_BENCH_FORMS;
const TAPS = Number(process.env.LANTERN_BENCH_TAPS ?? 400);
const PASS = 'bench passphrase river 42';
const tid = (id) => By.css(`[data-testid="${id}"]`);

const INSTRUMENT = `
if (!window.__bench) {
  const b = (window.__bench = { samples: [], start: null, saving: false });
  const stamp = (kind) => ((b.start = { t: performance.now(), kind }), (b.saving = false));
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') stamp('answer'); }, true);
  document.addEventListener('click', (e) => {
    const hit = e.target.closest('[data-testid="next"], [data-testid^="choice-"]');
    if (hit) stamp(hit.dataset.testid === 'next' ? 'next' : 'answer');
  }, true);
  // The fill screen marks its save state "saving" while a call is out and leaves it when
  // the core's new view is in the DOM (the same update).
  new MutationObserver(() => {
    const state = document.querySelector('[data-testid="save-state"]')?.dataset.state;
    if (!b.start) return;
    if (state === 'saving') return void (b.saving = true);
    if (!b.saving) return;
    const start = b.start;
    b.start = null;
    requestAnimationFrame(() => requestAnimationFrame(() =>
      b.samples.push({ kind: start.kind, ms: performance.now() - start.t })));
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
}
return 'ok';`;

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Resident memory (kB) of a process and all its descendants. */
function treeRss(pid) {
  const rows = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,rss=,comm='], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((r) => r.length >= 4)
    .map(([p, pp, rss, ...comm]) => ({ pid: Number(p), ppid: Number(pp), rss: Number(rss), comm: comm.join(' ') }));
  const tree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of rows) if (tree.has(r.ppid) && !tree.has(r.pid)) (tree.add(r.pid), (grew = true));
  }
  const members = rows.filter((r) => tree.has(r.pid)).map((r) => ({ ...r, pss: pssKb(r.pid) }));
  return {
    kb: members.reduce((s, r) => s + r.rss, 0),
    pssKb: members.reduce((s, r) => s + r.pss, 0),
    processes: members.map((r) => `${r.comm}:rss ${r.rss} pss ${r.pss}`),
  };
}

/** Proportional set size (kB): each shared page divided among the processes sharing it,
 *  so that libraries mapped by the app and its WebKit processes are counted once. */
function pssKb(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

async function main() {
  if (!FORMS || !existsSync(FORMS)) throw new Error('LANTERN_BENCH_FORMS must name the folder with bench.xlsx');
  const rig = await new Rig().start({ LANTERN_FORMS_DIR: FORMS });
  const d = rig.driver;
  const find = (id) => d.wait(until.elementLocated(tid(id)), TIMEOUT, `no ${id}`);
  const click = async (id) => {
    const e = await find(id);
    await d.wait(until.elementIsEnabled(e), TIMEOUT);
    await e.click();
  };
  try {
    await find('screen-create');
    await (await find('passphrase')).sendKeys(PASS);
    await (await find('passphrase-confirm')).sendKeys(PASS);
    await d.executeScript('arguments[0].click()', await find('understood'));
    await click('create-vault');
    await click('duress-skip');
    await find('screen-home');
    await click('start-bench');
    await find('screen-fill');
    await d.executeScript(INSTRUMENT);

    let taps = 0;
    const settle = async () => {
      // Wait for the sample of the last tap before the next one.
      const want = taps;
      await d.wait(async () => (await d.executeScript('return window.__bench.samples.length')) >= want, TIMEOUT).catch(async (e) => {
        console.error('waiting for sample', want, await d.executeScript('return JSON.stringify(window.__bench)'));
        throw e;
      });
    };
    while (taps < TAPS) {
      if (await d.findElements(tid('end-title')).then((e) => e.length > 0)) break;
      for (const q of await d.findElements(tid('question'))) {
        if (taps >= TAPS) break;
        const type = await q.getAttribute('data-type');
        const name = (await q.getAttribute('data-path')).split('/').pop();
        if (type.startsWith('select_')) {
          const choices = await q.findElements(By.css('[data-testid^="choice-"]'));
          const yes = [];
          for (const c of choices) if ((await c.getAttribute('data-testid')).endsWith('-yes')) yes.push(c);
          if (!yes.length || (await yes[0].findElement(By.css('input')).isSelected())) continue;
          await yes[0].click();
        } else {
          const input = await q.findElement(tid(`input-${name}`));
          if ((await input.getAttribute('value')) !== '') continue;
          await input.sendKeys(type === 'integer' ? (name.endsWith('_q0') ? '5' : '7') : 'abc', '\uE007');
        }
        taps += 1;
        await settle();
      }
      if (taps >= TAPS) break;
      await click('next');
      taps += 1;
      await settle();
    }
    const samples = await d.executeScript('return window.__bench.samples');
    const pid = rig.appPid();
    const memory = pid ? treeRss(pid) : { kb: NaN, pssKb: NaN, processes: [] };
    const report = { taps: samples.length, memory_mb: Math.round(memory.kb / 1024), memory_pss_mb: Math.round(memory.pssKb / 1024), processes: memory.processes };
    for (const kind of ['answer', 'next']) {
      const ms = samples.filter((s) => s.kind === kind).map((s) => s.ms).sort((a, b) => a - b);
      report[kind] = { n: ms.length, p50_ms: +quantile(ms, 0.5).toFixed(1), p95_ms: +quantile(ms, 0.95).toFixed(1), p99_ms: +quantile(ms, 0.99).toFixed(1), max_ms: +ms.at(-1).toFixed(1) };
    }
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'bench-window.json'), JSON.stringify({ report, samples }, null, 2));
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await rig.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

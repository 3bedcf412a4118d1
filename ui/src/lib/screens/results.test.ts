// The results screen against the in-memory backend: the groups, one group's results with
// hidden cells only ever as "fewer than k" and why (no number, no bar), the sector risk
// profile in words, baseline against endline, the printable action plan (red before
// amber, with the form's actions), and a lock dropping every result from memory and DOM.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import App from '../../App.svelte';
import { fakeBackend, question, type FakeForm } from '../../test/fake-backend';
import { CAMP_RESULTS, LIGHTING_ACTION, WASH_ACTION } from '../../test/share-fixtures';
import { app } from '../state/app.svelte';
import { ui } from '../state/ui.svelte';
import { translator } from '../i18n';

const FORM: FakeForm = { title: 'Widgets', languages: ['English (en)'], pages: [{ path: '/w/a', content: { kind: 'questions', label: null, questions: [question('/w/a')] } }] };
const PASS = 'river lamp orange seventy';

beforeEach(() => ui.setLanguage('en'));
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

async function openResults(lang: 'en' | 'ar' = 'en') {
  const fake = fakeBackend({ form: FORM, passphrase: PASS });
  render(App, { backend: fake.backend });
  await fireEvent.input(await screen.findByTestId('unlock-passphrase'), { target: { value: PASS } });
  await fireEvent.click(screen.getByTestId('unlock'));
  await screen.findByTestId('open-results');
  if (lang !== 'en') await fireEvent.change(screen.getByTestId('language'), { target: { value: lang } });
  await fireEvent.click(screen.getByTestId('open-results'));
  await screen.findByTestId('group-list');
  return fake;
}

async function openGroup(testid: string) {
  await fireEvent.click(screen.getByTestId(testid));
  await screen.findByTestId('results-responses');
}

const REASONS = ['small group', 'protects a small group', 'from a hidden count', 'too few responses'];

/**
 * Every hidden cell on screen (chart rows, table rows, totals): it says "fewer than k (why)"
 * and nothing else — no other digit, no bar, no track, no width.
 */
function assertHiddenCellsSayOnlyFewerThan(minimum: number) {
  const cells = [...document.querySelectorAll('[data-cell="hidden"]')];
  expect(cells.length).toBeGreaterThanOrEqual(minimum);
  for (const c of cells) {
    expect(c.querySelector('.bar, .track, [style*="width"], [style*="inline-size"], svg, progress, meter'), c.outerHTML).toBeNull();
    const values = [...c.querySelectorAll('[data-part="value"]')];
    expect(values.length, `never blank: ${c.outerHTML}`).toBeGreaterThan(0);
    for (const v of values) {
      const m = /^fewer than (\d+) \((.+)\)$/.exec(v.textContent!.replace(/\s+/g, ' ').trim());
      expect(m, v.textContent!).not.toBeNull();
      expect(REASONS).toContain(m![2]);
    }
    // Outside the row's label (a choice label may hold digits, "18–24"), no digit but k's.
    const label = c.querySelector('.row-label, th')?.textContent ?? '';
    const rest = c.textContent!.replace(label, '').replace(/fewer than \d+/g, '');
    expect(rest, c.outerHTML).not.toMatch(/\d/);
  }
}

describe('results', () => {
  it('lists every form × site × round with finalized responses', async () => {
    const fake = await openResults();
    const rows = [...screen.getByTestId('group-list').querySelectorAll('li')];
    expect(rows.map((r) => r.getAttribute('data-form-id') + ' ' + r.getAttribute('data-site') + ' ' + r.getAttribute('data-round'))).toEqual([
      'camp_safety_audit SO2401-0001 1',
      'camp_safety_audit SO2401-0002 1',
      'womens_participation SO2401-0001 baseline',
      'womens_participation SO2401-0001 endline',
    ]);
    expect(rows[0].textContent).toContain('Hodan camp');
    expect(rows[0].textContent).toContain('Responses: 3');
    expect(fake.calls).toContain('shareGroups en');
  });

  it('never draws a hidden cell as a number or a bar', async () => {
    await openResults();
    await openGroup('open-results-camp_safety_audit-SO2401-0001-1');
    // The refusals, four focus-group cells and the shelter score are hidden in the fixture.
    assertHiddenCellsSayOnlyFewerThan(6);
    const night = screen.getByTestId('indicator-fg_unsafe_night_pct');
    expect(night.textContent).toContain('fewer than 10 (small group)');
    expect(night.textContent).toContain('fewer than 10 (protects a small group)');
    expect(night.textContent).toContain('fewer than 10 (from a hidden count)');
    expect(night.querySelectorAll('.bar')).toHaveLength(0);
    // A released zero is a real zero: it keeps its (empty) bar and says 0%.
    const lit = screen.getByTestId('chart-adequately_lit-walk_time');
    const rows = [...lit.querySelectorAll('[data-cell="released"]')];
    expect(rows.map((r) => (r.querySelector('.bar') as HTMLElement).style.inlineSize)).toEqual(['100%', '0%']);
    expect(rows[1].textContent).toContain('0%');
    // Each reason present is explained once.
    const why = screen.getByTestId('why-hidden');
    expect(why.querySelectorAll('li')).toHaveLength(4);
    expect(why.textContent).toContain('cannot be worked out by subtracting');
  });

  it('shows each chart as a table too, for screen readers and on request', async () => {
    await openResults();
    await openGroup('open-results-camp_safety_audit-SO2401-0001-1');
    const chart = screen.getByTestId('chart-adequately_lit-walk_time');
    expect(chart.getAttribute('aria-hidden')).toBe('true');
    const table = screen.getByTestId('table-adequately_lit-walk_time');
    expect(table.closest('.table-wrap')!.classList.contains('visually-hidden')).toBe(true);
    expect([...table.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent!.trim()))).toEqual([
      ['Day walk', '100%', 'of 1'],
      ['Night walk', '0%', 'of 1'],
    ]);
    await fireEvent.click(screen.getByTestId('toggle-table-adequately_lit'));
    expect(table.closest('.table-wrap')!.classList.contains('visually-hidden')).toBe(false);
  });

  it('rates sectors in words, not colour alone', async () => {
    await openResults();
    await openGroup('open-results-camp_safety_audit-SO2401-0001-1');
    const sectors = [...screen.getByTestId('sectors').querySelectorAll('li')];
    expect(sectors.map((s) => s.textContent!.replace(/\s+/g, ' ').trim())).toEqual([
      'Water, sanitation and hygiene ■ Red Red 1 · Amber 0 · Green 0 · Not rated 0',
      'Lighting ▲ Amber Red 0 · Amber 1 · Green 0 · Not rated 0',
      'Security ● Green Red 0 · Amber 0 · Green 1 · Not rated 0',
      'Shelter ○ Not rated Red 0 · Amber 0 · Green 0 · Not rated 1',
    ]);
  });

  it('compares endline with baseline, and only where both are released', async () => {
    await openResults();
    await openGroup('open-results-womens_participation-SO2401-0001-endline');
    expect(screen.getByTestId('baseline-note').textContent).toBe('Compared with the round: Baseline');
    expect(screen.getByTestId('total-change-attending').textContent).toBe('Baseline 40%, change +15 points');
    const ages = screen.getByTestId('chart-attending-age_group');
    const released = [...ages.querySelectorAll('[data-cell="released"]')];
    expect(released).toHaveLength(2);
    for (const r of released) {
      expect(r.querySelectorAll('.bar.base')).toHaveLength(1);
      expect(r.querySelectorAll('.bar.now')).toHaveLength(1);
    }
    expect(released[0].textContent).toContain('+15 points');
    expect(released[1].textContent).toContain('+17.5 points');
    // Derived dimensions are worded by the app; hidden cells carry no baseline or change.
    const disability = screen.getByTestId('table-attending-disability');
    expect(disability.textContent).toContain('With a disability');
    expect(disability.textContent).toContain('Without a disability');
    assertHiddenCellsSayOnlyFewerThan(4);
  });
});

describe('action plan', () => {
  it('lists red before amber with the form’s action, the site, today and the team; prints', async () => {
    const print = vi.spyOn(window, 'print').mockImplementation(() => {});
    await openResults();
    await openGroup('open-results-camp_safety_audit-SO2401-0001-1');
    await fireEvent.click(screen.getByTestId('open-plan'));
    const plan = await screen.findByTestId('action-plan');
    const items = [...plan.querySelectorAll('[data-testid="action-item"]')];
    expect(items.map((i) => i.getAttribute('data-level'))).toEqual(['red', 'amber']);
    expect(items[0].textContent).toContain('Water, sanitation and hygiene');
    expect(within(items[0] as HTMLElement).getByTestId('action-text').textContent).toBe(WASH_ACTION);
    expect(within(items[1] as HTMLElement).getByTestId('action-text').textContent).toBe(LIGHTING_ACTION);
    expect(items[0].textContent).toContain('78 of 100');
    expect(plan.textContent).toContain('Hodan camp');
    expect(plan.textContent).toContain('SO2401-0001');
    expect(screen.getByTestId('plan-date').textContent).toBe(translator('en').date(new Date()));
    await fireEvent.input(screen.getByTestId('plan-team'), { target: { value: 'Team Hodan A' } });
    expect(plan.querySelector('.print-only')!.textContent).toBe('Team Hodan A');
    await fireEvent.click(screen.getByTestId('plan-print'));
    expect(print).toHaveBeenCalledOnce();
    await fireEvent.click(screen.getByTestId('plan-back'));
    await screen.findByTestId('sectors');
  });

  it('in Arabic: sectors translated, today in Arabic, the code as fallback for an unknown sector', async () => {
    await openResults('ar');
    await openGroup('open-results-camp_safety_audit-SO2401-0001-1');
    expect(document.documentElement.dir).toBe('rtl');
    expect(screen.getByTestId('sectors').textContent).toContain('المياه والصرف الصحي والنظافة');
    await fireEvent.click(screen.getByTestId('open-plan'));
    expect(screen.getByTestId('plan-date').textContent).toBe(translator('ar').date(new Date()));
    expect(screen.getByTestId('action-plan').textContent).toContain('أحمر: تصرّفوا الآن');
  });
});

describe('locking', () => {
  it('drops the results from memory and the DOM', async () => {
    const fake = await openResults();
    await openGroup('open-results-camp_safety_audit-SO2401-0001-1');
    expect(document.body.textContent).toContain('WASH risk score');
    fake.fireLocked('idle');
    await screen.findByTestId('screen-unlock');
    expect(app.results).toBeNull();
    expect(app.groups).toBeNull();
    expect(app.group).toBeNull();
    expect(document.body.textContent).not.toContain('WASH risk score');
    expect(document.body.textContent).not.toContain(CAMP_RESULTS.group.site_label);
  });

  it('a results call answered after the lock keeps nothing', async () => {
    const fake = await openResults();
    let release!: () => void;
    const gate = new Promise<void>((ok) => (release = ok));
    const results = fake.backend.results;
    fake.backend.results = async (...args) => {
      await gate;
      return results(...args).catch(() => structuredClone(CAMP_RESULTS));
    };
    await fireEvent.click(screen.getByTestId('open-results-camp_safety_audit-SO2401-0001-1'));
    fake.fireLocked('idle');
    release();
    await screen.findByTestId('screen-unlock');
    await waitFor(() => expect(app.results).toBeNull());
  });
});

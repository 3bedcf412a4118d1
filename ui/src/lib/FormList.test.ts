// Unit tests of the form list: what a field worker sees for readable and broken workbooks.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import FormList from './FormList.svelte';
import { STRINGS } from './i18n';
import { BROKEN, ENTRIES, SITE_VISIT } from '../test/fixtures';

afterEach(cleanup);

describe('FormList', () => {
  it('shows title, form id, version and languages of a readable form', () => {
    render(FormList, { entries: [SITE_VISIT], t: STRINGS.en });
    const item = screen.getByRole('listitem');
    expect(within(item).getByRole('heading', { name: 'Site visit check' })).toBeTruthy();
    expect(item.textContent).toContain('site_visit_check');
    expect(item.textContent).toContain('2026112301');
    expect(item.textContent).toContain('English (en), Français (fr)');
  });

  it('lists a broken workbook with its error next to the good ones', () => {
    render(FormList, { entries: ENTRIES, t: STRINGS.en });
    const list = screen.getByRole('list', { name: 'Forms' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    const broken = items[1];
    expect(broken.classList.contains('broken')).toBe(true);
    expect(broken.textContent).toContain('zz_broken.xlsx');
    expect(broken.textContent).toContain(STRINGS.en.broken);
    expect(broken.textContent).toContain(BROKEN.message);
    expect(broken.textContent).toContain('workbook.unreadable');
  });

  it('says when a form sets no version and has one language', () => {
    const bare = { ...SITE_VISIT, summary: { ...SITE_VISIT.summary, version: '', languages: [] } };
    render(FormList, { entries: [bare], t: STRINGS.fr });
    const item = screen.getByRole('listitem');
    expect(item.textContent).toContain(STRINGS.fr.notSet);
    expect(item.textContent).toContain(STRINGS.fr.singleLanguage);
  });

  it('says so when there are no forms instead of showing an empty list', () => {
    render(FormList, { entries: [], t: STRINGS.es });
    expect(screen.queryByRole('list')).toBeNull();
    expect(screen.getByText(STRINGS.es.noForms)).toBeTruthy();
  });
});

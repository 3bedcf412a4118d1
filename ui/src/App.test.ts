// The home screen against Tauri's IPC mocked at the `invoke` boundary: the real api.ts
// runs, only the shell's answers are canned.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import App from './App.svelte';
import { STRINGS, UI_LANGUAGES } from './lib/i18n';
import { ENTRIES } from './test/fixtures';

afterEach(() => {
  cleanup();
  clearMocks();
});

function mockShell(listForms: () => unknown) {
  const calls: string[] = [];
  mockIPC((cmd) => {
    calls.push(cmd);
    if (cmd === 'app_info') return { version: '0.1.0' };
    if (cmd === 'list_forms') return listForms();
    throw new Error(`unexpected command ${cmd}`);
  });
  return calls;
}

describe('App', () => {
  it('shows the version and the forms the shell lists', async () => {
    const calls = mockShell(() => ENTRIES);
    render(App);
    expect(await screen.findByText('Site visit check')).toBeTruthy();
    expect(screen.getByTestId('app-version').textContent).toBe('Version 0.1.0');
    expect(screen.getByText('zz_broken.xlsx', { exact: false })).toBeTruthy();
    expect(calls.sort()).toEqual(['app_info', 'list_forms']);
  });

  it('shows the code and message when the forms folder cannot be read', async () => {
    mockShell(() => {
      throw { code: 'app.forms_folder_unreadable', message: 'the forms folder /x could not be read' };
    });
    render(App);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('the forms folder /x could not be read');
    expect(alert.textContent).toContain('app.forms_folder_unreadable');
  });

  it('switches the screen to Arabic, right to left, and back', async () => {
    mockShell(() => ENTRIES);
    render(App);
    await screen.findByText('Site visit check');
    const select = screen.getByTestId('language') as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: 'ar' } });
    expect(document.documentElement.dir).toBe('rtl');
    expect(document.documentElement.lang).toBe('ar');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe(STRINGS.ar.forms);
    await fireEvent.change(select, { target: { value: 'fr' } });
    expect(document.documentElement.dir).toBe('ltr');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe(STRINGS.fr.forms);
  });
});

describe('i18n', () => {
  it('gives every language every string and an explicit direction', () => {
    const keys = Object.keys(STRINGS.en).sort();
    for (const code of UI_LANGUAGES) {
      expect(Object.keys(STRINGS[code]).sort()).toEqual(keys);
      expect(['ltr', 'rtl']).toContain(STRINGS[code].dir);
    }
    expect(UI_LANGUAGES.filter((c) => STRINGS[c].dir === 'rtl')).toEqual(['ar']);
  });
});

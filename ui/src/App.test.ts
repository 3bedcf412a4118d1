// The app frame and its screens against an in-memory backend: vault creation, the opaque
// unlock failure and the wait after repeated failures, locking and quick exit dropping
// every answer from the DOM, and right-to-left Arabic switching the form's language too.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import App from './App.svelte';
import { fakeBackend, question, type FakeForm } from './test/fake-backend';
import { ui } from './lib/state/ui.svelte';

const CANARY = 'CANARY-7f3a-answer';
const VIEW: FakeForm = {
  title: 'Widgets',
  languages: ['English (en)', 'العربية (ar)'],
  pages: [
    { path: '/w/notes', content: { kind: 'questions', label: null, questions: [question('/w/notes', { value: CANARY })] } },
    { path: '/w/count', content: { kind: 'questions', label: null, questions: [question('/w/count', { type: 'integer', required: true })] } },
  ],
};

beforeEach(() => ui.setLanguage('en'));
/** Everything the page holds: its markup and the values of its fields. */
function dom(): string {
  const values = [...document.querySelectorAll('input, textarea, select')].map((e) => (e as HTMLInputElement).value);
  return document.body.innerHTML + '\n' + values.join('\n');
}

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

async function unlockedApp() {
  const fake = fakeBackend({ form: VIEW, passphrase: 'river lamp orange seventy' });
  render(App, { backend: fake.backend });
  await fireEvent.input(await screen.findByTestId('unlock-passphrase'), { target: { value: 'river lamp orange seventy' } });
  await fireEvent.click(screen.getByTestId('unlock'));
  await screen.findByTestId('screen-home');
  return fake;
}

async function openForm() {
  const fake = await unlockedApp();
  await fireEvent.change(screen.getByTestId('site'), { target: { value: 'SO2401-0001' } });
  await fireEvent.click(screen.getByTestId('start-widgets'));
  await screen.findByTestId('screen-fill');
  return fake;
}

describe('vault screens', () => {
  it('create: warns that a lost passphrase loses the data, meters strength, refuses mismatches', async () => {
    const fake = fakeBackend({ form: VIEW, exists: false });
    render(App, { backend: fake.backend });
    await screen.findByTestId('screen-create');
    expect(screen.getByTestId('lost-warning').textContent).toContain('lost for good');
    const pass = screen.getByTestId('passphrase');
    await fireEvent.input(pass, { target: { value: 'password' } });
    await waitFor(() => expect(screen.getByTestId('passphrase-strength-label').textContent).toBe('Too weak'));
    await waitFor(() => expect(screen.getByTestId('passphrase-strength-hints').textContent).toBe('Too short.'));
    await fireEvent.input(pass, { target: { value: 'river lamp orange seventy' } });
    await waitFor(() => expect(screen.getByTestId('passphrase-strength-label').textContent).toBe('Very strong'));
    await fireEvent.input(screen.getByTestId('passphrase-confirm'), { target: { value: 'river lamp orange' } });
    await fireEvent.click(screen.getByTestId('create-vault'));
    expect(screen.getByText('The two passphrases are not the same.')).toBeTruthy();
    await fireEvent.input(screen.getByTestId('passphrase-confirm'), { target: { value: 'river lamp orange seventy' } });
    await fireEvent.click(screen.getByTestId('create-vault'));
    expect(screen.getByText('Tick the box to confirm you understand.')).toBeTruthy();
    expect(fake.calls).not.toContain('create');
    await fireEvent.click(screen.getByTestId('understood'));
    await fireEvent.click(screen.getByTestId('create-vault'));
    await screen.findByTestId('screen-duress');
    expect(fake.calls).toContain('create');
    await fireEvent.click(screen.getByTestId('duress-skip'));
    await screen.findByTestId('screen-home');
  });

  it('unlock: one opaque message, then the wait the shell imposes after three failures', async () => {
    const fake = fakeBackend({ form: VIEW });
    render(App, { backend: fake.backend });
    const input = await screen.findByTestId('unlock-passphrase');
    for (let i = 0; i < 3; i++) {
      await fireEvent.input(input, { target: { value: `wrong ${i}` } });
      await fireEvent.click(screen.getByTestId('unlock'));
      await waitFor(() => expect(fake.calls.filter((c) => c === 'unlock')).toHaveLength(i + 1));
    }
    expect(screen.getByTestId('message-unlock-passphrase').textContent).toContain('That did not work');
    expect(screen.getByTestId('message-unlock-passphrase').textContent).not.toMatch(/duress|wrong passphrase/i);
    await waitFor(() => expect(screen.getByTestId('unlock-wait').textContent).toMatch(/Try again in \d+ s/));
    expect((screen.getByTestId('unlock') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(input, { target: { value: 'correct horse battery staple' } });
    await fireEvent.click(screen.getByTestId('unlock'));
    expect(fake.calls.filter((c) => c === 'unlock')).toHaveLength(3);
    expect(screen.queryByTestId('screen-home')).toBeNull();
  });
});

describe('home', () => {
  it('lists each form\'s do-no-harm findings with the row to fix', async () => {
    const finding = (severity: 'error' | 'warning', code: string, row: number | null, column: string | null) => ({ code, severity, sheet: 'survey', row, column, message: `${code} message` });
    render(App, {
      backend: fakeBackend({
        form: VIEW,
        passphrase: 'river lamp orange seventy',
        home: {
          forms: [
            { status: 'ok', file: 'household.xlsx', form_id: 'household', version: '1', title: 'Household visit', languages: [], default_language: null, sites: [], rounds: [], policy: [finding('warning', 'policy.name', 2, 'label'), finding('warning', 'policy.identifying_type', null, null)] },
            { status: 'ok', file: 'clean.xlsx', form_id: 'clean', version: '1', title: 'Clean', languages: [], default_language: null, sites: [], rounds: [], policy: [] },
            { status: 'broken', file: 'exposing.xlsx', code: 'capture.form_unusable', message: 'the form has errors', policy: [finding('error', 'policy.name', 4, 'label'), finding('warning', 'policy.purpose_optional', null, null)] },
          ],
        },
      }).backend,
    });
    await fireEvent.input(await screen.findByTestId('unlock-passphrase'), { target: { value: 'river lamp orange seventy' } });
    await fireEvent.click(screen.getByTestId('unlock'));
    await screen.findByTestId('screen-home');
    const warnings = await screen.findByTestId('policy-household');
    expect(warnings.querySelector('summary')?.textContent).toContain('Do-no-harm check — warnings: 2');
    const rows = [...warnings.querySelectorAll('li')].map((li) => li.textContent?.replace(/[\u2066-\u2069]/g, '').replace(/\s+/g, ' ').trim());
    expect(rows).toEqual(['Sheet survey, row 2, column label policy.name message policy.name', 'Sheet survey policy.identifying_type message policy.identifying_type']);
    expect(screen.queryByTestId('policy-clean')).toBeNull();
    // Still usable: a warning does not take the start button away.
    expect(screen.getByTestId('start-household')).toBeTruthy();
    const errors = screen.getByTestId('policy-exposing.xlsx');
    expect(errors.textContent).toContain('Do-no-harm check — fix before use: 1');
    expect(errors.querySelector('li.error')?.getAttribute('data-row')).toBe('4');
    expect(errors.querySelectorAll('li')).toHaveLength(2);
  });
});

describe('locking', () => {
  it('the lock button removes every answer from the DOM and shows the unlock screen', async () => {
    const fake = await openForm();
    expect(dom()).toContain(CANARY);
    await fireEvent.click(screen.getByTestId('lock'));
    await screen.findByTestId('screen-unlock');
    expect(dom()).not.toContain(CANARY);
    expect(document.body.innerHTML).not.toContain('Widgets');
    expect(fake.calls).toContain('lock');
  });

  it('an idle lock from the shell does the same', async () => {
    const fake = await openForm();
    fake.fireLocked('idle');
    await screen.findByTestId('screen-unlock');
    expect(dom()).not.toContain(CANARY);
    expect(screen.getByTestId('locked-idle')).toBeTruthy();
  });

  it('quick exit locks and shows a neutral screen; Escape twice does too', async () => {
    const fake = await openForm();
    await fireEvent.click(screen.getByTestId('quick-exit'));
    await screen.findByTestId('screen-neutral');
    expect(dom()).not.toContain(CANARY);
    expect(document.body.textContent).not.toMatch(/Lantern|Widgets|Lock/);
    expect(fake.calls).toContain('quick_exit');
    await fireEvent.click(screen.getByTestId('neutral-continue'));
    await screen.findByTestId('screen-unlock');
    cleanup();
    await openForm();
    await fireEvent.keyDown(window, { key: 'Escape' });
    await fireEvent.keyDown(window, { key: 'Escape' });
    await screen.findByTestId('screen-neutral');
  });
});

describe('language', () => {
  it('Arabic lays out right to left and switches the open form to Arabic', async () => {
    const fake = await openForm();
    await fireEvent.change(screen.getByTestId('language'), { target: { value: 'ar' } });
    expect(document.documentElement.dir).toBe('rtl');
    expect(document.documentElement.lang).toBe('ar');
    await waitFor(() => expect(fake.calls).toContain('language العربية (ar)'));
    expect(screen.getByTestId('next').textContent).toContain('التالي');
    await fireEvent.change(screen.getByTestId('language'), { target: { value: 'fr' } });
    expect(document.documentElement.dir).toBe('ltr');
  });
});

describe('fill', () => {
  it('answers go to the core; next/back move; the end lists blockers as links', async () => {
    const fake = await openForm();
    expect(screen.getByTestId('progress-text').textContent).toBe('Question 1 of about 2');
    await fireEvent.click(screen.getByTestId('next'));
    await waitFor(() => expect(screen.getByTestId('screen-fill').dataset.pagePath).toBe('/w/count'));
    const input = screen.getByTestId('input-count');
    await fireEvent.input(input, { target: { value: '7' } });
    await fireEvent.blur(input);
    await waitFor(() => expect(fake.calls).toContain('answer /w/count=7'));
    await fireEvent.input(input, { target: { value: '' } });
    await fireEvent.blur(input);
    await waitFor(() => expect(fake.calls).toContain('answer /w/count='));
    await fireEvent.click(screen.getByTestId('next'));
    const link = await screen.findByTestId('blocker');
    expect(link.textContent).toContain('Label of count');
    expect((screen.getByTestId('finalize') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(link);
    await waitFor(() => expect(screen.getByTestId('screen-fill').dataset.pagePath).toBe('/w/count'));
    await fireEvent.click(screen.getByTestId('back'));
    await waitFor(() => expect(screen.getByTestId('screen-fill').dataset.pagePath).toBe('/w/notes'));
  });

  it('finalizes when nothing blocks', async () => {
    const fake = await openForm();
    await fireEvent.click(screen.getByTestId('next'));
    await waitFor(() => expect(screen.getByTestId('screen-fill').dataset.pagePath).toBe('/w/count'));
    const input = screen.getByTestId('input-count');
    await fireEvent.input(input, { target: { value: '7' } });
    await fireEvent.blur(input);
    await fireEvent.click(screen.getByTestId('next'));
    await screen.findByTestId('end-title');
    await waitFor(() => expect((screen.getByTestId('finalize') as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(screen.getByTestId('finalize'));
    await screen.findByTestId('finalized');
    expect(fake.calls).toContain('finalize');
  });
});

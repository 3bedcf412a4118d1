// The settings screen against the in-memory backend: its sections, the auto-lock time,
// the passphrase change, retention bounded by the form's period (refused in the UI before
// any call), backups that say where they were written, a site list that is imported
// whole or not at all (each bad line shown), the audit log's verification shown first
// (a broken chain as a warning), and a panic wipe that no single click can trigger. Then
// restore from the create screen, which lands on home.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import App from '../../App.svelte';
import { BACKUP_PASSPHRASE, fakeBackend, question, type FakeForm, type FakeSettings } from '../../test/fake-backend';
import { ui } from '../state/ui.svelte';

const FORM: FakeForm = { title: 'Widgets', languages: ['English (en)'], pages: [{ path: '/w/a', content: { kind: 'questions', label: null, questions: [question('/w/a')] } }] };
const PASS = 'river lamp orange seventy';
const NEW_PASS = 'copper river seven lanterns';

beforeEach(() => ui.setLanguage('en'));
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

async function openSettings(settings: FakeSettings = {}, lang: 'en' | 'ar' = 'en') {
  const fake = fakeBackend({ form: FORM, passphrase: PASS, settings });
  render(App, { backend: fake.backend });
  await fireEvent.input(await screen.findByTestId('unlock-passphrase'), { target: { value: PASS } });
  await fireEvent.click(screen.getByTestId('unlock'));
  await screen.findByTestId('screen-home');
  if (lang !== 'en') await fireEvent.change(screen.getByTestId('language'), { target: { value: lang } });
  await fireEvent.click(screen.getByTestId('open-settings'));
  await screen.findByTestId('screen-settings');
  await screen.findByTestId('retention');
  return fake;
}

const text = (id: string) => screen.getByTestId(id).textContent!.replace(/\s+/g, ' ').trim();

function csv(content: string, name = 'sites.csv') {
  return new File([content], name, { type: 'text/csv' });
}

describe('sections', () => {
  it('lists every section at the top and keeps language, digits, contrast and the referral editor', async () => {
    await openSettings();
    const nav = within(screen.getByTestId('settings-nav'));
    expect(nav.getAllByRole('link').map((a) => a.textContent!.trim())).toEqual(['Language and display', 'Security', 'Data on this device', 'Audit log', 'Referral pathway', 'Danger zone']);
    for (const id of ['display', 'security', 'data', 'audit', 'referral', 'danger']) {
      expect(screen.getByTestId(`settings-${id}`).getAttribute('id')).toBe(`settings-${id}`);
      expect(screen.getByTestId(`nav-${id}`).getAttribute('href')).toBe(`#settings-${id}`);
    }
    expect(screen.getByTestId('digits-arab')).toBeTruthy();
    expect(screen.getByTestId('contrast')).toBeTruthy();
    expect(screen.getByTestId('language')).toBeTruthy();
    await screen.findByTestId('referral-add');
    expect(screen.getByTestId('referral-site')).toBeTruthy();
    expect(screen.getByTestId('open-duress')).toBeTruthy();
  });

  it('sets the auto-lock time from the shell’s choices', async () => {
    const fake = await openSettings();
    const select = screen.getByTestId('idle-lock') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['1 min', '2 min', '5 min', '10 min', '15 min']);
    expect(select.value).toBe('5');
    await fireEvent.change(select, { target: { value: '2' } });
    await waitFor(() => expect(text('idle-lock-saved')).toContain('Saved.'));
    expect(fake.calls).toContain('idleLock 2');
  });

  it('changes the passphrase only with the current one and a strong new one typed twice', async () => {
    const fake = await openSettings();
    await fireEvent.click(screen.getByTestId('open-change-passphrase'));
    await fireEvent.input(screen.getByTestId('change-current'), { target: { value: 'not it at all, no' } });
    await fireEvent.input(screen.getByTestId('change-new'), { target: { value: 'short' } });
    await fireEvent.click(screen.getByTestId('change-submit'));
    await waitFor(() => expect(text('message-change-new')).toContain('Use at least 12 characters.'));
    expect(fake.calls).not.toContain('changePassphrase');
    await fireEvent.input(screen.getByTestId('change-new'), { target: { value: NEW_PASS } });
    await fireEvent.input(screen.getByTestId('change-new-confirm'), { target: { value: NEW_PASS } });
    await fireEvent.click(screen.getByTestId('change-submit'));
    await waitFor(() => expect(text('message-change-current')).toContain('That is not the current passphrase.'));
    await fireEvent.input(screen.getByTestId('change-current'), { target: { value: PASS } });
    await fireEvent.click(screen.getByTestId('change-submit'));
    await screen.findByTestId('passphrase-changed');
    expect(fake.calls.filter((c) => c === 'changePassphrase')).toHaveLength(2);
  });
});

describe('retention', () => {
  it('refuses a period longer than the form allows without asking the core, then saves and resets', async () => {
    const fake = await openSettings();
    expect(text('retention-now-camp_safety_audit')).toBe('Now: 90 days, the form’s own period.');
    expect(text('retention-now-womens_participation')).toBe('Now: 60 days, shorter than the form’s 180, chosen on this device.');
    expect(text('retention-now-widgets')).toContain('This form sets no period');
    expect(screen.queryByTestId('retention-widgets')).toBeNull();
    const input = screen.getByTestId('retention-camp_safety_audit') as HTMLInputElement;
    expect(input.max).toBe('90');
    await fireEvent.input(input, { target: { value: '120' } });
    await fireEvent.click(screen.getByTestId('retention-save-camp_safety_audit'));
    expect(text('message-retention-camp_safety_audit')).toContain('At most 90 days');
    expect(fake.calls.some((c) => c.startsWith('retention '))).toBe(false);
    await fireEvent.input(input, { target: { value: '2.5' } });
    await fireEvent.click(screen.getByTestId('retention-save-camp_safety_audit'));
    expect(text('message-retention-camp_safety_audit')).toContain('whole number');
    expect(fake.calls.some((c) => c.startsWith('retention '))).toBe(false);
    await fireEvent.input(input, { target: { value: '30' } });
    await fireEvent.click(screen.getByTestId('retention-save-camp_safety_audit'));
    await waitFor(() => expect(text('retention-now-camp_safety_audit')).toContain('Now: 30 days, shorter than the form’s 90'));
    expect(fake.calls).toContain('retention camp_safety_audit 30');
    expect(text('message-retention-camp_safety_audit')).toBe('');
    await fireEvent.click(screen.getByTestId('retention-reset-camp_safety_audit'));
    await waitFor(() => expect(text('retention-now-camp_safety_audit')).toBe('Now: 90 days, the form’s own period.'));
    expect(fake.calls).toContain('retention camp_safety_audit null');
  });
});

describe('backups', () => {
  it('writes a backup under a strong passphrase typed twice and shows where, what it holds and what was left out', async () => {
    const fake = await openSettings();
    await screen.findByTestId('backup-list');
    expect(screen.getAllByTestId('backup-item').map((li) => li.textContent)).toEqual([expect.stringContaining('lantern-backup-20261130-091500.lbk'), expect.stringContaining('lantern-backup-20261128-170412.lbk')]);
    await fireEvent.input(screen.getByTestId('backup-passphrase'), { target: { value: BACKUP_PASSPHRASE } });
    await fireEvent.input(screen.getByTestId('backup-passphrase-confirm'), { target: { value: 'amber kettle window nine' } });
    await fireEvent.click(screen.getByTestId('backup-create'));
    await waitFor(() => expect(text('message-backup-passphrase-confirm')).toContain('not the same'));
    expect(fake.calls.some((c) => c.startsWith('backup '))).toBe(false);
    await fireEvent.input(screen.getByTestId('backup-passphrase-confirm'), { target: { value: BACKUP_PASSPHRASE } });
    await fireEvent.click(screen.getByTestId('backup-create'));
    await screen.findByTestId('backup-done');
    expect(fake.calls).toContain('backup passphrase');
    expect(text('backup-file')).toBe('/home/field/.local/share/lantern/backups/lantern-backup-20261130-101500.lbk');
    expect(screen.getByTestId('backup-file').getAttribute('dir')).toBe('ltr');
    expect(text('backup-counts')).toContain('3 responses and 2 forms');
    expect(text('backup-skipped')).toContain('1 damaged record could not be read and was left out of the backup.');
    await waitFor(() => expect(screen.getAllByTestId('backup-item')).toHaveLength(3));
    // The backup was logged: the audit log reloads and shows it.
    await waitFor(() => expect(screen.getAllByTestId('audit-entry')[0].dataset.event).toBe('backup'));
  });

  it('to the organisation’s key: only 64 hex characters are sent', async () => {
    const fake = await openSettings();
    await fireEvent.click(screen.getByTestId('backup-kind-org'));
    await fireEvent.input(screen.getByTestId('backup-org-key'), { target: { value: 'abc123' } });
    await fireEvent.click(screen.getByTestId('backup-create'));
    await waitFor(() => expect(text('message-backup-org-key')).toContain('exactly 64 characters'));
    expect(fake.calls.some((c) => c.startsWith('backup '))).toBe(false);
    await fireEvent.input(screen.getByTestId('backup-org-key'), { target: { value: ` ${'AB12'.repeat(16)} ` } });
    await fireEvent.click(screen.getByTestId('backup-create'));
    await screen.findByTestId('backup-done');
    expect(fake.calls).toContain('backup org_key');
  });
});

describe('site list', () => {
  it('shows each bad line and imports nothing when any line is wrong', async () => {
    const fake = await openSettings();
    expect(text('sites-current')).toContain('2 sites imported');
    const input = screen.getByTestId('sites-file') as HTMLInputElement;
    expect(input.accept).toBe('.csv,text/csv');
    await fireEvent.change(input, { target: { files: [csv('site_code,site_name,admin1\nSO2401-0001,Hodan camp,SO24\n,Unnamed,SO24\nSO2401-0003,,SO24\nSO2401-0001,Again,SO24\n')] } });
    await fireEvent.click(screen.getByTestId('sites-import'));
    const problems = await screen.findByTestId('sites-problems');
    expect(fake.calls).toContain('sitesImport');
    // Worded from the core's codes in the UI language; the site codes set apart (isolates).
    const items = within(problems).getAllByTestId('site-problem').map((li) => li.textContent!.replace(/\s+/g, ' ').trim());
    expect(items.map((x) => x.replace(/[\u2068\u2069]/g, ''))).toEqual([
      'Line 3: The site code is missing, too long, or has characters a P-code cannot have (only letters, digits, _ . - :).',
      'Line 4: Site SO2401-0003 has no name.',
      'Line 5: Site SO2401-0001 appears twice.',
    ]);
    expect(items[1]).toContain('\u2068SO2401-0003\u2069');
    expect(problems.textContent).toContain('Nothing was imported: 3 lines need fixing.');
    expect(screen.queryByTestId('sites-imported')).toBeNull();
    // The list on the device is unchanged.
    expect(text('sites-current')).toContain('2 sites imported');
  });

  it('words a problem of the whole file without a line number', async () => {
    await openSettings();
    await fireEvent.change(screen.getByTestId('sites-file'), { target: { files: [csv('site_code,site_name,admin1\n')] } });
    await fireEvent.click(screen.getByTestId('sites-import'));
    const problems = await screen.findByTestId('sites-problems');
    expect(within(problems).getAllByTestId('site-problem').map((li) => li.textContent!.trim())).toEqual(['The file lists no site.']);
  });

  it('imports a good list whole and shows the new sites', async () => {
    await openSettings();
    await fireEvent.change(screen.getByTestId('sites-file'), { target: { files: [csv('site_code,site_name,admin1,admin2\nSO2401-0001,Hodan,SO24,SO2401\nSO2401-0002,Garasbaley,SO24,SO2401\nSO2402-0001,Kahda,SO24,SO2402\n')] } });
    await fireEvent.click(screen.getByTestId('sites-import'));
    await screen.findByTestId('sites-imported');
    expect(text('sites-imported')).toContain('3 sites imported.');
    await waitFor(() => expect(text('sites-current')).toContain('3 sites imported'));
    expect(screen.getByTestId('sites-current').textContent).toContain('SO2402-0001');
  });
});

describe('audit log', () => {
  it('shows a verified chain first, then the entries newest first with known events in words', async () => {
    await openSettings();
    const verified = await screen.findByTestId('audit-verified');
    expect(verified.textContent).toContain('4 entries, chain intact');
    const entries = screen.getAllByTestId('audit-entry');
    expect(entries.map((e) => e.dataset.event)).toEqual(['device_rekeyed', 'finalize', 'unlock', 'vault_created']);
    expect(entries[1].textContent).toContain('Response finalized');
    expect(entries[1].textContent).toContain('form=camp_safety_audit id=uuid:1');
    expect(entries[3].textContent).toContain('Vault created');
    // An event this app does not know is shown as written.
    expect(entries[0].textContent).toContain('device_rekeyed');
  });

  it('shows a broken chain as a warning that says where', async () => {
    await openSettings({ auditBrokenAt: 3 });
    const broken = await screen.findByTestId('audit-broken');
    expect(screen.queryByTestId('audit-verified')).toBeNull();
    expect(broken.getAttribute('role')).toBe('status');
    expect(broken.className).toContain('warn');
    expect(broken.textContent).toContain('The audit log has been tampered with: its chain is broken.');
    expect(broken.textContent).toContain('Entries before entry 3 were removed or reordered.');
    expect(broken.textContent).toContain('Disconnected { seq: 3 }');
  });
});

describe('panic wipe', () => {
  async function openWipe() {
    const fake = await openSettings();
    await fireEvent.click(screen.getByTestId('wipe-open'));
    const dialog = await screen.findByTestId('wipe-dialog');
    expect(dialog.textContent).toContain('Everything on this device will be destroyed');
    expect(dialog.textContent).toContain('Nothing can be recovered without a backup.');
    return fake;
  }

  it('is not triggered by a click, a tap, a short press, Cancel or Escape', async () => {
    const fake = await openWipe();
    const hold = screen.getByTestId('wipe-hold');
    await fireEvent.click(hold);
    await fireEvent.keyDown(hold, { key: 'Enter' });
    await fireEvent.keyUp(hold, { key: 'Enter' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await fireEvent.pointerDown(hold, { pointerType: 'touch' });
    expect(hold.dataset.holding).toBe('true');
    vi.advanceTimersByTime(2500);
    await fireEvent.pointerUp(hold, { pointerType: 'touch' });
    vi.advanceTimersByTime(5000);
    vi.useRealTimers();
    expect(hold.dataset.holding).toBe('false');
    expect(text('wipe-status')).toContain('Let go too soon: nothing was wiped.');
    await fireEvent.click(screen.getByTestId('wipe-cancel'));
    expect(screen.getByTestId('wipe-dialog').textContent).toBe('');
    await fireEvent.click(screen.getByTestId('wipe-open'));
    await fireEvent(screen.getByTestId('wipe-dialog'), new Event('cancel', { cancelable: true }));
    expect(screen.getByTestId('wipe-dialog').textContent).toBe('');
    expect(fake.calls).not.toContain('wipe');
    expect(screen.getByTestId('screen-settings')).toBeTruthy();
  });

  it('wipes after the button is held for three seconds, then shows the create screen', async () => {
    const fake = await openWipe();
    const hold = screen.getByTestId('wipe-hold');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await fireEvent.pointerDown(hold, { pointerType: 'mouse', button: 0 });
    vi.advanceTimersByTime(2999);
    expect(fake.calls).not.toContain('wipe');
    vi.advanceTimersByTime(1);
    vi.useRealTimers();
    expect(fake.calls).toContain('wipe');
    await screen.findByTestId('screen-create');
    expect(screen.queryByTestId('screen-settings')).toBeNull();
    expect(screen.queryByTestId('lock')).toBeNull();
  });

  it('also by holding Space on the focused button', async () => {
    const fake = await openWipe();
    const hold = screen.getByTestId('wipe-hold');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await fireEvent.keyDown(hold, { key: ' ' });
    await fireEvent.keyDown(hold, { key: ' ', repeat: true });
    vi.advanceTimersByTime(3000);
    vi.useRealTimers();
    expect(fake.calls).toContain('wipe');
    await screen.findByTestId('screen-create');
  });
});

describe('restore on the create screen', () => {
  async function openRestore() {
    const fake = fakeBackend({ form: FORM, exists: false });
    render(App, { backend: fake.backend });
    await screen.findByTestId('screen-create');
    await fireEvent.click(screen.getByTestId('mode-restore'));
    await screen.findByTestId('restore-form');
    await screen.findByTestId('restore-backups');
    return fake;
  }

  it('lists the backups newest first, says when the passphrase does not open one, and lands on home', async () => {
    const fake = await openRestore();
    expect(screen.getByTestId('mode-restore').getAttribute('aria-pressed')).toBe('true');
    expect(screen.queryByTestId('create-vault')).toBeNull();
    const first = screen.getByTestId('restore-backup-0') as HTMLInputElement;
    expect(first.checked).toBe(true);
    expect(first.value).toContain('lantern-backup-20261130-091500.lbk');
    expect(first.closest('label')!.textContent).toContain('1.3 MB');
    await fireEvent.input(screen.getByTestId('restore-secret'), { target: { value: 'amber kettle window ten' } });
    await fireEvent.input(screen.getByTestId('restore-new'), { target: { value: NEW_PASS } });
    await fireEvent.input(screen.getByTestId('restore-new-confirm'), { target: { value: NEW_PASS } });
    await fireEvent.click(screen.getByTestId('restore-submit'));
    await waitFor(() => expect(text('message-restore-secret')).toContain('This passphrase does not open the backup.'));
    expect(fake.calls).toContain('restore /home/field/.local/share/lantern/backups/lantern-backup-20261130-091500.lbk passphrase');
    await fireEvent.input(screen.getByTestId('restore-secret'), { target: { value: BACKUP_PASSPHRASE } });
    await fireEvent.click(screen.getByTestId('restore-submit'));
    await screen.findByTestId('screen-home');
    expect(screen.getByTestId('lock')).toBeTruthy();
  });

  it('asks for what is missing and judges the new passphrase before restoring', async () => {
    const fake = await openRestore();
    await fireEvent.click(screen.getByTestId('restore-other'));
    await fireEvent.click(screen.getByTestId('restore-kind-org'));
    await fireEvent.input(screen.getByTestId('restore-new'), { target: { value: 'too short' } });
    await fireEvent.click(screen.getByTestId('restore-submit'));
    await waitFor(() => expect(text('message-restore-file')).toContain('Choose a backup, or give the full path of one.'));
    expect(text('message-restore-key')).toContain('secret key file');
    expect(text('message-restore-new')).toContain('Use at least 12 characters.');
    expect(fake.calls.some((c) => c.startsWith('restore '))).toBe(false);
    expect(screen.getByTestId('restore-path').getAttribute('dir')).toBe('ltr');
    expect(screen.getByTestId('restore-key').getAttribute('dir')).toBe('ltr');
  });
});

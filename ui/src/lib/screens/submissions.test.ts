// The submissions screen, the finalize screen's receipt and the results screen's export
// against the in-memory backend: finalized responses grouped by form, site and round with
// counts and where each stands, never an answer in the list; one response read-only with
// no control that can be used; a receipt code found, not found or not a code; withdrawal
// only after a typed confirmation, then the response gone for good; the receipt shown once
// on finalizing (none for a refusal); an export only under a named agreement.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import App from '../../App.svelte';
import { fakeBackend, question, type FakeForm } from '../../test/fake-backend';
import { ROWS } from '../../test/submission-fixtures';
import { app } from '../state/app.svelte';
import { ui } from '../state/ui.svelte';

const FORM: FakeForm = { title: 'Widgets', languages: ['English (en)'], pages: [{ path: '/w/a', content: { kind: 'questions', label: null, questions: [question('/w/a', { value: 'x' })] } }] };
const PASS = 'river lamp orange seventy';
const [SENT, SENT_NO_PURGE, KEPT, REFUSAL, DUE] = ROWS;
/** Answers of the fixture's camp audit: never in the list, only in the read-only view. */
const ANSWER_TEXT = ['Lights out on the path', 'Partly', 'Water point'];

beforeEach(() => ui.setLanguage('en'));
afterEach(cleanup);

const text = (id: string) => screen.getByTestId(id).textContent!.replace(/\s+/g, ' ').trim();

async function unlocked(form: FakeForm = FORM, home: Parameters<typeof fakeBackend>[0]['home'] = undefined) {
  const fake = fakeBackend({ form, passphrase: PASS, home });
  render(App, { backend: fake.backend });
  await fireEvent.input(await screen.findByTestId('unlock-passphrase'), { target: { value: PASS } });
  await fireEvent.click(screen.getByTestId('unlock'));
  await screen.findByTestId('screen-home');
  return fake;
}

async function openSubmissions(lang: 'en' | 'ar' = 'en') {
  const fake = await unlocked();
  if (lang !== 'en') await fireEvent.change(screen.getByTestId('language'), { target: { value: lang } });
  await fireEvent.click(screen.getByTestId('open-submissions'));
  await screen.findByTestId('submission-groups');
  return fake;
}

async function find(code: string) {
  await fireEvent.input(screen.getByTestId('receipt-entry'), { target: { value: code } });
  await fireEvent.click(screen.getByTestId('receipt-find'));
}

describe('the list', () => {
  it('groups finalized responses by form, site and round, with counts and where each stands', async () => {
    const fake = await openSubmissions();
    expect(fake.calls).toContain('submissionsList');
    const groups = [...screen.getByTestId('submission-groups').children];
    expect(groups.map((g) => g.getAttribute('data-testid'))).toEqual([
      'sgroup-camp_safety_audit-SO2401-0001-1',
      'sgroup-camp_safety_audit-SO2401-0002-1',
      'sgroup-womens_participation-SO2401-0001-baseline',
      'sgroup-womens_participation-SO2401-0001-endline',
    ]);
    expect(text('scounts-camp_safety_audit-SO2401-0001-1')).toBe('Responses: 3 · Refusals: 1');
    expect(text('scounts-womens_participation-SO2401-0001-baseline')).toBe('Responses: 2 · Refusals: 0');
    // What is due for deletion shows on the group, even folded.
    expect(text('sdue-camp_safety_audit-SO2401-0002-1')).toBe('⚠ Due for deletion: 1');
    expect(screen.queryByTestId('sdue-camp_safety_audit-SO2401-0001-1')).toBeNull();
    const hodan = screen.getByTestId('sgroup-camp_safety_audit-SO2401-0001-1');
    expect(hodan.textContent).toContain('Hodan camp');
    expect(hodan.textContent).toContain('Round: 1');
    expect(within(hodan).getAllByRole('listitem')).toHaveLength(4);
    expect(screen.getByTestId('sgroup-womens_participation-SO2401-0001-endline').textContent).toContain('Round: Endline');

    const row = (r: (typeof ROWS)[number]) => text(`submission-${r.submission_id}`);
    expect(row(SENT)).toContain('Response · November 29, 2026');
    expect(row(SENT)).toContain('Counted in figures sent on November 30, 2026; deleted from this device on February 28, 2027');
    expect(row(SENT_NO_PURGE)).toContain('kept on this device (no deletion date)');
    expect(row(KEPT)).toContain('Kept on this device; not yet in figures sent to a server');
    expect(row(REFUSAL)).toContain('Refusal · November 27, 2026');
    expect(row(DUE)).toContain('Due for deletion: its time on this device ended on November 18, 2026');
    expect(screen.getByTestId(`submission-${DUE.submission_id}`).dataset.state).toBe('due_for_purge');
    expect(screen.getByTestId(`submission-${REFUSAL.submission_id}`).dataset.refusal).toBe('true');
    // The list never holds an answer.
    for (const answer of ANSWER_TEXT) expect(document.body.textContent).not.toContain(answer);
  });

  it('is reachable from home’s finalized counts', async () => {
    const fake = await unlocked(FORM, { finalized: [{ form_id: 'camp_safety_audit', title: 'Camp safety audit', site: 'SO2401-0001', round: '1', count: 3, refusals: 1 }] });
    await fireEvent.click(screen.getByTestId('home-submissions'));
    await screen.findByTestId('submission-groups');
    expect(app.screen).toBe('submissions');
    expect(fake.calls).toContain('submissionsList');
    // The bar leads back home.
    await fireEvent.click(screen.getByTestId('open-settings'));
    await screen.findByTestId('screen-home');
  });
});

describe('a response, read-only', () => {
  it('draws the form’s pages with every answer and no control that can be used', async () => {
    const fake = await openSubmissions();
    await fireEvent.click(screen.getByTestId(`open-submission-${SENT.submission_id}`));
    const view = await screen.findByTestId('submission-view');
    expect(fake.calls).toContain(`submissionOpen ${SENT.submission_id} en`);
    expect(text('readonly-banner')).toContain('Read-only.');
    expect(text('view-receipt')).toBe('M3HR-8VQA');
    expect(screen.getByTestId('view-receipt').getAttribute('dir')).toBe('ltr');
    expect(text('view-state')).toContain('deleted from this device on February 28, 2027');
    const pages = screen.getByTestId('readonly-pages');
    expect(pages.querySelectorAll('[data-testid=question]')).toHaveLength(6);
    // Answers in place: the chosen options checked, the text in its box.
    expect((screen.getByTestId('choice-q-_camp_safety_audit_access_perimeter-partial').querySelector('input') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('choice-q-_camp_safety_audit_access_hotspots-water_point').querySelector('input') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('input-latrines_sampled') as HTMLInputElement).value).toBe('6');
    expect((screen.getByTestId('input-site_notes') as HTMLTextAreaElement).value).toContain('Lights out on the path');
    // Nothing can be used: every control is disabled (the whole fieldset is), none editable.
    const controls = [...pages.querySelectorAll('input, select, textarea, button')];
    expect(controls.length).toBeGreaterThan(8);
    expect(controls.filter((c) => !c.matches(':disabled')).map((c) => c.outerHTML)).toEqual([]);
    expect((pages as HTMLFieldSetElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('choice-q-_camp_safety_audit_access_perimeter-no'));
    expect(fake.calls.some((c) => c.startsWith('answer'))).toBe(false);
    expect(view.querySelector('[data-testid^=clear-]')).toBeNull();
    // Back to the list: the answers are gone from the page and from memory.
    await fireEvent.click(screen.getByTestId('submission-back'));
    await screen.findByTestId('submission-groups');
    expect(app.submission).toBeNull();
    for (const answer of ANSWER_TEXT) expect(document.body.textContent).not.toContain(answer);
  });

  it('a refusal has no answers to show and no receipt', async () => {
    await openSubmissions();
    await fireEvent.click(screen.getByTestId(`open-submission-${REFUSAL.submission_id}`));
    await screen.findByTestId('submission-view');
    expect(text('no-answers')).toContain('Only a refusal was recorded');
    expect(screen.queryByTestId('view-receipt')).toBeNull();
    expect(screen.queryByTestId('readonly-pages')).toBeNull();
  });

  it('a lock drops the opened response', async () => {
    const fake = await openSubmissions();
    await fireEvent.click(screen.getByTestId(`open-submission-${SENT.submission_id}`));
    await screen.findByTestId('submission-view');
    fake.fireLocked('idle');
    await screen.findByTestId('screen-unlock');
    expect(app.submission).toBeNull();
    expect(app.submissions).toBeNull();
    expect(document.body.innerHTML).not.toContain('Lights out');
  });
});

describe('withdrawal by receipt code', () => {
  it('finds the response whatever the case, spaces and dashes, and shows no answer', async () => {
    const fake = await openSubmissions();
    await find(' bqs0 x37j ');
    const match = await screen.findByTestId('receipt-match');
    expect(fake.calls).toContain('receiptFind  bqs0 x37j ');
    expect(match.dataset.submissionId).toBe(SENT_NO_PURGE.submission_id);
    const words = match.textContent!.replace(/\s+/g, ' ');
    expect(words).toContain('Camp safety audit');
    expect(words).toContain('Hodan camp');
    expect(words).toContain('November 28, 2026');
    for (const answer of ANSWER_TEXT) expect(words).not.toContain(answer);
  });

  it('says plainly when no response has the code, and what a code looks like when it is not one', async () => {
    await openSubmissions();
    await fireEvent.click(screen.getByTestId('receipt-find'));
    expect(text('message-receipt-entry')).toContain('Type the code from the respondent’s receipt.');
    await find('ZZZZ-ZZZZ');
    expect(await screen.findByTestId('receipt-not-found')).toBeTruthy();
    expect(text('receipt-not-found')).toContain('No response on this device has this code');
    expect(screen.queryByTestId('receipt-match')).toBeNull();
    await find('K7QM-2X');
    await waitFor(() => expect(text('message-receipt-entry')).toContain('This is not a receipt code. A receipt code has 8 letters and digits, written like ABCD-EFGH'));
    expect(screen.queryByTestId('receipt-not-found')).toBeNull();
    expect(screen.getByTestId('receipt-entry').getAttribute('aria-invalid')).toBe('true');
  });

  it('deletes only after a typed confirmation, then the response is gone for good', async () => {
    const fake = await openSubmissions();
    await find('XE66-BX22');
    await screen.findByTestId('receipt-match');
    const opener = screen.getByTestId('withdraw-start');
    await fireEvent.click(opener);
    const dialog = await screen.findByTestId('withdraw-dialog');
    // The dialog names what will be deleted; its confirm button is not the one that opened it.
    expect(text('withdraw-names')).toContain('Camp safety audit');
    expect(text('withdraw-names')).toContain('SO2401-0002');
    expect(text('withdraw-names')).toContain('Finalized on August 19, 2026');
    expect(dialog.textContent).toContain('This cannot be undone.');
    const confirm = within(dialog).getByTestId('withdraw-confirm') as HTMLButtonElement;
    expect(confirm).not.toBe(opener);
    expect(opener.closest('dialog')).toBeNull();
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('withdraw-word'), { target: { value: 'delet' } });
    expect(confirm.disabled).toBe(true);
    // Cancel: nothing deleted.
    await fireEvent.click(screen.getByTestId('withdraw-cancel'));
    expect(fake.calls.some((c) => c.startsWith('withdraw'))).toBe(false);
    expect(screen.getByTestId(`submission-${DUE.submission_id}`)).toBeTruthy();

    await fireEvent.click(screen.getByTestId('withdraw-start'));
    await fireEvent.input(await screen.findByTestId('withdraw-word'), { target: { value: 'delete' } });
    await waitFor(() => expect((screen.getByTestId('withdraw-confirm') as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(screen.getByTestId('withdraw-confirm'));
    await screen.findByTestId('withdrawn');
    expect(fake.calls).toContain(`withdraw ${DUE.submission_id}`);
    expect(text('withdrawn')).toContain('cannot be brought back');
    expect(text('withdrawn')).toContain('next release');
    expect(screen.queryByRole('button', { name: /undo/i })).toBeNull();
    // Gone from the list (its group with it), and its code finds nothing any more.
    await waitFor(() => expect(screen.queryByTestId(`submission-${DUE.submission_id}`)).toBeNull());
    expect(screen.queryByTestId('sgroup-camp_safety_audit-SO2401-0002-1')).toBeNull();
    expect(screen.queryByTestId('receipt-match')).toBeNull();
    await find('XE66-BX22');
    await screen.findByTestId('receipt-not-found');
  });
});

describe('the receipt on finalizing', () => {
  async function finalize(form: FakeForm) {
    const fake = await unlocked(form);
    await fireEvent.change(screen.getByTestId('site'), { target: { value: 'SO2401-0001' } });
    await fireEvent.click(screen.getByTestId('start-widgets'));
    await screen.findByTestId('screen-fill');
    await fireEvent.click(screen.getByTestId('next'));
    await screen.findByTestId('end-title');
    await waitFor(() => expect((screen.getByTestId('finalize') as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(screen.getByTestId('finalize'));
    await screen.findByTestId('finalized');
    return fake;
  }

  it('shows the code large, left to right, with what to do with it; the code then finds the response', async () => {
    await finalize(FORM);
    const code = screen.getByTestId('receipt-code');
    expect(code.textContent).toBe('K7QM-2XPD');
    expect(code.getAttribute('dir')).toBe('ltr');
    expect(text('receipt')).toContain('Give this code to the respondent');
    expect(text('receipt')).toContain('This screen is not shown again');
    // Finalized: the one way on is Home (nothing to go back to or save).
    expect(screen.queryByTestId('back')).toBeNull();
    expect(screen.queryByTestId('save-exit')).toBeNull();
    await fireEvent.click(screen.getByTestId('finalized-home'));
    await screen.findByTestId('screen-home');
    expect(screen.queryByTestId('receipt-code')).toBeNull();
    await fireEvent.click(screen.getByTestId('open-submissions'));
    await screen.findByTestId('submission-groups');
    await find('k7qm2xpd');
    expect((await screen.findByTestId('receipt-match')).dataset.submissionId).toBe('uuid:1');
  });

  it('stays left to right in Arabic', async () => {
    ui.setLanguage('ar');
    await finalize(FORM);
    expect(document.documentElement.dir).toBe('rtl');
    expect(screen.getByTestId('receipt-code').getAttribute('dir')).toBe('ltr');
    expect(text('receipt')).toContain('أعطِ هذا الرمز للشخص');
  });

  it('shows nothing for a refusal', async () => {
    const refusing: FakeForm = { title: 'Widgets', languages: ['English (en)'], pages: [{ path: '/w/consent', content: { kind: 'questions', label: null, questions: [question('/w/consent', { type: 'select_one', value: 'no', choices: [{ name: 'yes', label: 'Yes' }, { name: 'no', label: 'No' }] })] } }] };
    const fake = await finalize(refusing);
    expect(fake.calls).toContain('finalize');
    expect(text('finalized')).toContain('Consent was refused');
    expect(screen.queryByTestId('receipt')).toBeNull();
    expect(screen.queryByTestId('receipt-code')).toBeNull();
  });
});

describe('export on the results screen', () => {
  async function openExport(testid: string) {
    const fake = await unlocked();
    await fireEvent.click(screen.getByTestId('open-results'));
    await fireEvent.click(await screen.findByTestId(testid));
    await screen.findByTestId('results-responses');
    await fireEvent.click(screen.getByTestId('export-open'));
    await screen.findByTestId('export-agreement');
    return fake;
  }

  it('needs a data-sharing agreement, then says where the file went and what was held back', async () => {
    const fake = await openExport('open-results-camp_safety_audit-SO2401-0001-1');
    const dialog = screen.getByTestId('export-dialog');
    expect(dialog.textContent).toContain('Camp safety audit');
    const select = screen.getByTestId('export-format') as HTMLSelectElement;
    expect([...select.options].map((o) => `${o.value}: ${o.textContent}`)).toEqual(['csv: CSV (comma-separated values)', 'xlsx: Excel workbook (.xlsx)', 'hxl: HXL CSV (with humanitarian hashtags)']);
    expect(select.value).toBe('csv');
    expect(within(dialog).getByLabelText('File format')).toBe(select);
    await fireEvent.click(screen.getByTestId('export-confirm'));
    expect(text('message-export-agreement')).toContain('Name the agreement this export falls under');
    await fireEvent.input(screen.getByTestId('export-agreement'), { target: { value: '   ' } });
    await fireEvent.click(screen.getByTestId('export-confirm'));
    expect(fake.calls.some((c) => c.startsWith('export'))).toBe(false);

    await fireEvent.change(select, { target: { value: 'hxl' } });
    await fireEvent.input(screen.getByTestId('export-agreement'), { target: { value: 'ISP GBV sub-cluster Banadir 2026' } });
    await fireEvent.click(screen.getByTestId('export-confirm'));
    await screen.findByTestId('export-done');
    expect(fake.calls).toContain('export camp_safety_audit SO2401-0001 1 hxl ISP GBV sub-cluster Banadir 2026');
    expect(text('export-file')).toBe('/home/field/.local/share/org.lantern.field/exports/lantern-camp_safety_audit-20261130-101500-hxl.csv');
    expect(text('export-done')).toContain('Tables written: 1');
    expect(text('export-held')).toBe('No table was held back.');
    await waitFor(() => expect(screen.queryByTestId('export-agreement')).toBeNull());
  });

  it('words a refusal when nothing may be exported (a batch of the group was just approved)', async () => {
    const fake = await openExport('open-results-camp_safety_audit-SO2401-0001-1');
    const p = await fake.backend.sharePreview('camp_safety_audit', 'SO2401-0001', '1', 'en');
    await fake.backend.shareApprove(p.payload!.hash);
    await fireEvent.input(screen.getByTestId('export-agreement'), { target: { value: 'ISP 2026' } });
    await fireEvent.click(screen.getByTestId('export-confirm'));
    await screen.findByTestId('export-error');
    expect(fake.calls).toContain('export camp_safety_audit SO2401-0001 1 csv ISP 2026');
    expect(text('export-error')).toContain('Nothing can be exported for this site and round now');
    expect(text('export-error')).toContain('settings.invalid');
    expect(screen.queryByTestId('export-done')).toBeNull();
  });
});

// The send screen against the in-memory backend: enrollment (and its errors in words),
// the server's pinned fingerprint or plain HTTP, each group's release state, the preview
// in plain words and as the exact bytes with their hash, approval only after a confirming
// step and only of the previewed hash, a stale preview replaced by the new one, the
// offline queue with its retries, and the shell's sync events while the screen shows.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import App from '../../App.svelte';
import { fakeBackend, question, type FakeForm, type FakeShare } from '../../test/fake-backend';
import { ENROLLMENT, HASH_1, HASH_2, NOT_ENROLLED, OFFLINE_QUEUE, preview, CAMP } from '../../test/share-fixtures';
import { ui } from '../state/ui.svelte';
import { translator } from '../i18n';

const FORM: FakeForm = { title: 'Widgets', languages: ['English (en)'], pages: [{ path: '/w/a', content: { kind: 'questions', label: null, questions: [question('/w/a')] } }] };
const PASS = 'river lamp orange seventy';

beforeEach(() => ui.setLanguage('en'));
afterEach(cleanup);

async function openSend(share: FakeShare = {}, lang: 'en' | 'fr' = 'en') {
  const fake = fakeBackend({ form: FORM, passphrase: PASS, share });
  render(App, { backend: fake.backend });
  await fireEvent.input(await screen.findByTestId('unlock-passphrase'), { target: { value: PASS } });
  await fireEvent.click(screen.getByTestId('unlock'));
  await screen.findByTestId('screen-home');
  if (lang !== 'en') await fireEvent.change(screen.getByTestId('language'), { target: { value: lang } });
  await fireEvent.click(await screen.findByTestId('home-send'));
  await screen.findByTestId('screen-send');
  await screen.findByTestId('send-groups');
  await screen.findByTestId('sync-status');
  return fake;
}

const text = (id: string) => screen.getByTestId(id).textContent!.replace(/\s+/g, ' ').trim();

describe('enrollment', () => {
  it('asks for the address and code, then shows the server and its pinned fingerprint', async () => {
    const fake = await openSend();
    expect(fake.calls).toContain('syncStatus');
    expect(fake.calls).toContain('onSync');
    expect(text('server')).toContain('This device is not enrolled with a server yet');
    await fireEvent.click(screen.getByTestId('enroll'));
    expect(text('message-enroll-url')).toContain('Type the server address.');
    expect(text('message-enroll-code')).toContain('Type the enrollment code.');
    expect(fake.calls.some((c) => c.startsWith('syncEnroll'))).toBe(false);
    await fireEvent.input(screen.getByTestId('enroll-url'), { target: { value: ' https://lantern.example.org ' } });
    await fireEvent.input(screen.getByTestId('enroll-code'), { target: { value: 'K7QM-2XPD' } });
    await fireEvent.input(screen.getByTestId('enroll-pin'), { target: { value: ENROLLMENT.pin } });
    await fireEvent.click(screen.getByTestId('enroll'));
    await screen.findByTestId('enrolled');
    expect(fake.calls).toContain(`syncEnroll https://lantern.example.org K7QM-2XPD ${ENROLLMENT.pin}`);
    expect(text('server-url')).toBe('https://lantern.example.org');
    expect(text('server-pin')).toContain(ENROLLMENT.pin);
    expect(text('server-pin')).toContain('Only a server with this certificate is ever sent anything.');
    expect(screen.queryByTestId('enroll-form')).toBeNull();
  });

  it('says when the server is plain HTTP on this machine; an empty fingerprint is sent as none', async () => {
    const fake = await openSend();
    await fireEvent.input(screen.getByTestId('enroll-url'), { target: { value: 'http://127.0.0.1:8700' } });
    await fireEvent.input(screen.getByTestId('enroll-code'), { target: { value: 'ABCD' } });
    await fireEvent.click(screen.getByTestId('enroll'));
    await screen.findByTestId('enrolled');
    expect(fake.calls).toContain('syncEnroll http://127.0.0.1:8700 ABCD null');
    expect(text('server-pin')).toContain('plain HTTP to a server on this same machine');
  });

  it('words each enrollment error so the enumerator can act', async () => {
    for (const [code, words] of [
      ['sync.bad_pin', '32 pairs of letters'],
      ['sync.certificate_mismatch', 'send nothing and call your coordinator'],
      ['sync.unreachable', 'Check the connection'],
      ['sync.refused', 'enrollment code may be wrong'],
      ['sync.bad_url', 'it starts with https://'],
    ]) {
      await openSend({ enrollFails: code });
      await fireEvent.input(screen.getByTestId('enroll-url'), { target: { value: 'https://x.example' } });
      await fireEvent.input(screen.getByTestId('enroll-code'), { target: { value: 'ABCD' } });
      await fireEvent.click(screen.getByTestId('enroll'));
      const banner = await screen.findByTestId('enroll-error');
      expect(banner.textContent).toContain(words);
      expect(banner.textContent).toContain(code);
      cleanup();
    }
  });
});

describe('what may leave', () => {
  it('says each group’s release state in plain words', async () => {
    await openSend();
    expect(text('release-camp_safety_audit-SO2401-0001-1')).toContain('Ready');
    expect(text('release-womens_participation-SO2401-0001-baseline')).toContain('Held until 3 more responses change, so no one can be singled out by comparing releases');
    expect(text('release-camp_safety_audit-SO2401-0002-1')).toContain('fewer responses than the form needs');
    // Only a releasable group can be previewed.
    expect(screen.getByTestId('preview-camp_safety_audit-SO2401-0001-1')).toBeTruthy();
    expect(screen.queryByTestId('preview-womens_participation-SO2401-0001-baseline')).toBeNull();
  });

  it('previews in plain words and as the exact bytes with their hash', async () => {
    const fake = await openSend();
    await fireEvent.click(screen.getByTestId('preview-camp_safety_audit-SO2401-0001-1'));
    await screen.findByTestId('preview');
    expect(fake.calls).toContain('sharePreview camp_safety_audit SO2401-0001 1 en');
    const plain = text('preview-plain');
    expect(plain).toContain('Period: November 2026');
    expect(plain).toContain('3 indicators, in 3 cells');
    expect(plain).toContain('2 cells with their numbers');
    expect(plain).toContain('1 cell sent only as “fewer than 5”');
    expect(text('preview-assure')).toContain('No individual answer, name, free text or GPS position is included');
    const totals = [...screen.getByTestId('preview-totals').querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent!.replace(/\s+/g, ' ').trim()));
    expect(totals).toEqual([
      ['Sites where most or all communal areas and routes are lit', '50%'],
      ['WASH risk score', '78 of 100'],
      ['People feeling unsafe moving at night', 'fewer than 10 (small group)'],
    ]);
    const body = preview(CAMP).payload!.body;
    expect(screen.getByTestId('preview-body').textContent).toBe(body);
    expect(JSON.parse(screen.getByTestId('preview-json').textContent!)).toEqual(JSON.parse(body));
    expect(text('exact-bytes')).toContain(`(${translator('en').number(new TextEncoder().encode(body).length)} bytes)`);
    expect(text('preview-hash')).toBe(HASH_1);
  });

  it('approves the previewed hash only after the confirming step', async () => {
    const fake = await openSend({ sync: { ...NOT_ENROLLED, enrollment: ENROLLMENT } });
    await fireEvent.click(screen.getByTestId('preview-camp_safety_audit-SO2401-0001-1'));
    await screen.findByTestId('preview');
    await fireEvent.click(screen.getByTestId('approve'));
    const dialog = screen.getByTestId('approve-dialog');
    expect(dialog.textContent).toContain('sent to https://lantern.example.org');
    expect(dialog.textContent).toContain(HASH_1);
    expect(fake.calls.filter((c) => c.startsWith('shareApprove'))).toEqual([]);
    await fireEvent.click(screen.getByTestId('approve-cancel'));
    expect(fake.calls.filter((c) => c.startsWith('shareApprove'))).toEqual([]);
    await fireEvent.click(screen.getByTestId('approve'));
    await fireEvent.click(screen.getByTestId('approve-confirm'));
    await screen.findByTestId('approved');
    expect(fake.calls.filter((c) => c.startsWith('shareApprove'))).toEqual([`shareApprove ${HASH_1}`]);
    // The new batch is in the history and the group now waits for more changes.
    await waitFor(() => expect(screen.getByTestId('state-batch-new').textContent).toBe('Waiting to send'));
    expect(text('release-camp_safety_audit-SO2401-0001-1')).toContain('Held until 5 more responses change');
    expect(screen.queryByTestId('preview')).toBeNull();
  });

  it('a stale preview says so, shows the new preview, and approves only the new hash', async () => {
    const fake = await openSend({ staleOnce: true });
    await fireEvent.click(screen.getByTestId('preview-camp_safety_audit-SO2401-0001-1'));
    await screen.findByTestId('preview');
    await fireEvent.click(screen.getByTestId('approve'));
    await fireEvent.click(screen.getByTestId('approve-confirm'));
    const stale = await screen.findByTestId('stale');
    expect(stale.textContent).toContain('changed since this preview');
    await waitFor(() => expect(text('preview-hash')).toBe(HASH_2));
    expect(fake.calls.filter((c) => c.startsWith('sharePreview'))).toHaveLength(2);
    expect(screen.getByTestId('preview-body').textContent).toContain('66.66666666666667');
    await fireEvent.click(screen.getByTestId('approve'));
    await fireEvent.click(screen.getByTestId('approve-confirm'));
    await screen.findByTestId('approved');
    expect(fake.calls.filter((c) => c.startsWith('shareApprove'))).toEqual([`shareApprove ${HASH_1}`, `shareApprove ${HASH_2}`]);
  });
});

describe('status and history', () => {
  it('waits for a connection, retries by itself, explains a refused batch', async () => {
    await openSend({ sync: OFFLINE_QUEUE });
    const waiting = text('waiting');
    expect(waiting).toContain('Waiting for a connection; 3 batches approved.');
    expect(waiting).toContain('Lantern tries again by itself; next try:');
    expect(text('count-queued')).toBe('2');
    expect(text('count-failed')).toBe('2');
    expect(text('count-sent')).toBe('1');
    expect(text('state-batch-2')).toBe('Refused by the server');
    expect(text('problem-batch-2')).toContain('The server refused');
    expect(text('problem-batch-2')).toContain('It is not tried again.');
    expect(text('problem-batch-3')).toContain('The server could not be reached');
    expect(text('problem-batch-3')).toContain('Lantern tries again by itself');
    expect(text('state-batch-1')).toBe('Sent');
    expect(text('item-batch-1')).toContain('Sent');
    expect(text('item-batch-5')).toContain('not yet');
    const order = [...screen.getByTestId('history').querySelectorAll('li')].map((li) => li.getAttribute('data-testid'));
    expect(order).toEqual(['item-batch-5', 'item-batch-4', 'item-batch-3', 'item-batch-2', 'item-batch-1']);
  });

  it('follows the shell’s sync events while shown, and stops listening when left', async () => {
    const fake = await openSend({ sync: OFFLINE_QUEUE });
    fake.fireSync({ ...OFFLINE_QUEUE, offline: false, queued: 0, sent: 3, items: OFFLINE_QUEUE.items.map((i) => (i.state === 'queued' ? { ...i, state: 'sent' as const, sent_at: '2026-11-30T10:31:00Z', attempts: 1 } : i)) });
    await waitFor(() => expect(text('count-sent')).toBe('3'));
    expect(text('state-batch-5')).toBe('Sent');
    expect(screen.queryByText(/Waiting for a connection/)).toBeNull();
    await fireEvent.click(screen.getByTestId('open-settings'));
    await screen.findByTestId('screen-home');
    expect(fake.calls).toContain('offSync');
  });

  it('“Try now” asks the shell to send now; not enrolled is said in words', async () => {
    const fake = await openSend();
    await fireEvent.click(screen.getByTestId('try-now'));
    const error = await screen.findByTestId('try-error');
    expect(fake.calls).toContain('syncNow');
    expect(error.textContent).toContain('not enrolled with a server yet');
  });

  it('speaks French', async () => {
    await openSend({ sync: OFFLINE_QUEUE }, 'fr');
    expect(text('waiting')).toContain('En attente d’une connexion ; 3 lots approuvés.');
    expect(text('release-womens_participation-SO2401-0001-baseline')).toContain('Retenu jusqu’à ce que 3 réponses de plus changent');
  });
});

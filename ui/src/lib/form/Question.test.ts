// Each widget turns what the user does into the XForms value the core expects.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import Question from './Question.svelte';
import { question } from '../../test/fake-backend';
import type { Question as Q } from './model';

afterEach(cleanup);

const CHOICES = [
  { name: 'none', label: 'None' },
  { name: 'some', label: 'Some' },
  { name: 'all', label: 'All' },
];

function show(extra: Partial<Q>) {
  const onanswer = vi.fn();
  const onquick = vi.fn();
  const q = question('/f/q', extra);
  const r = render(Question, { q, onanswer, onquick });
  return { onanswer, onquick, ...r };
}

describe('Question widgets', () => {
  it('text: multiline is a textarea; the answer is sent when leaving the field', async () => {
    const { onanswer } = show({ appearance: 'multiline' });
    const area = screen.getByTestId('input-q');
    expect(area.tagName).toBe('TEXTAREA');
    await fireEvent.input(area, { target: { value: 'two\nlines' } });
    expect(onanswer).not.toHaveBeenCalled();
    await fireEvent.blur(area);
    expect(onanswer).toHaveBeenCalledWith('/f/q', 'two\nlines');
  });

  it('integer: a numeric keyboard, left to right even in Arabic; Enter commits', async () => {
    const { onanswer } = show({ type: 'integer' });
    const input = screen.getByTestId('input-q') as HTMLInputElement;
    expect(input.inputMode).toBe('numeric');
    expect(input.dir).toBe('ltr');
    await fireEvent.input(input, { target: { value: '42' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(onanswer).toHaveBeenCalledWith('/f/q', '42');
  });

  it('select one: whole rows, one value; quick moves on', async () => {
    const { onanswer, onquick } = show({ type: 'select_one', choices: CHOICES, appearance: 'quick' });
    await fireEvent.click(screen.getByLabelText('Some'));
    expect(onanswer).toHaveBeenCalledWith('/f/q', 'some');
    expect(onquick).toHaveBeenCalled();
  });

  it('select one minimal is a dropdown; likert a scale', async () => {
    const { onanswer } = show({ type: 'select_one', choices: CHOICES, appearance: 'minimal' });
    const select = screen.getByTestId('input-q') as HTMLSelectElement;
    expect(select.tagName).toBe('SELECT');
    await fireEvent.change(select, { target: { value: 'all' } });
    expect(onanswer).toHaveBeenCalledWith('/f/q', 'all');
    cleanup();
    const { container } = show({ type: 'select_one', choices: CHOICES, appearance: 'likert' });
    expect(container.querySelector('.choices.likert')).toBeTruthy();
  });

  it('select multiple keeps the list order and space-separates names', async () => {
    const { onanswer } = show({ type: 'select_multiple', choices: CHOICES, value: 'all' });
    await fireEvent.click(screen.getByLabelText('None'));
    expect(onanswer).toHaveBeenCalledWith('/f/q', 'none all');
  });

  it('rank moves a choice up', async () => {
    const { onanswer } = show({ type: 'rank', choices: CHOICES, value: '' });
    await fireEvent.click(screen.getByTestId('rank-up-some'));
    expect(onanswer).toHaveBeenCalledWith('/f/q', 'some none all');
  });

  it('geopoint typed: "lat lon altitude accuracy"', async () => {
    const { onanswer } = show({ type: 'geopoint' });
    await fireEvent.input(screen.getByTestId('geo-lat-q'), { target: { value: '2.04' } });
    await fireEvent.input(screen.getByTestId('geo-lon-q'), { target: { value: '45.3' } });
    await fireEvent.input(screen.getByTestId('geo-acc-q'), { target: { value: '8' } });
    await fireEvent.blur(screen.getByTestId('geo-acc-q'));
    expect(onanswer).toHaveBeenLastCalledWith('/f/q', '2.04 45.3 0 8');
  });

  it('acknowledge sends OK; range sends its value; date keeps YYYY-MM-DD', async () => {
    const { onanswer } = show({ type: 'acknowledge' });
    await fireEvent.click(screen.getByTestId('input-q'));
    expect(onanswer).toHaveBeenCalledWith('/f/q', 'OK');
    cleanup();
    const r = show({ type: 'range', parameters: [['start', '0'], ['end', '10'], ['step', '2']] });
    const range = screen.getByTestId('input-q') as HTMLInputElement;
    expect([range.min, range.max, range.step]).toEqual(['0', '10', '2']);
    await fireEvent.change(range, { target: { value: '6' } });
    expect(r.onanswer).toHaveBeenCalledWith('/f/q', '6');
    cleanup();
    const d = show({ type: 'date' });
    await fireEvent.change(screen.getByTestId('input-q'), { target: { value: '2026-11-30' } });
    expect(d.onanswer).toHaveBeenCalledWith('/f/q', '2026-11-30');
  });

  it('shows the core message under the answer, announced politely', () => {
    show({ type: 'integer', outcome: { outcome: 'constraint_violated', message: 'Between 0 and 500' } });
    const msg = screen.getByTestId('message-q-_f_q');
    expect(msg.getAttribute('aria-live')).toBe('polite');
    expect(msg.textContent).toContain('Between 0 and 500');
  });

  it('table lists: the label row shows choice labels, list-nolabel rows only buttons', () => {
    show({ type: 'select_one', choices: CHOICES, appearance: 'label', label: 'Places' });
    const head = screen.getByTestId('table-head');
    expect(within(head).getByText('Some')).toBeTruthy();
    expect(head.querySelector('input')).toBeNull();
    cleanup();
    show({ type: 'select_one', choices: CHOICES, appearance: 'list-nolabel', label: 'Water point' });
    expect(screen.getAllByRole('radio')).toHaveLength(3);
    expect(screen.queryByText('Some')).toBeNull();
    expect(screen.getByRole('radio', { name: 'Some' })).toBeTruthy();
  });

  it('shows label media the shell loads', async () => {
    const q = question('/f/q', { media: [{ kind: 'image', file: 'map.png' }] });
    const loadMedia = vi.fn(async (file: string) => `data:image/png;base64,${btoa(file)}`);
    render(Question, { q, onanswer: vi.fn(), loadMedia });
    const img = await screen.findByTestId('media-image');
    expect(loadMedia).toHaveBeenCalledWith('map.png');
    expect(img.getAttribute('src')).toBe(`data:image/png;base64,${btoa('map.png')}`);
  });

  it('notes show text, unknown types say they cannot be answered here', () => {
    show({ type: 'note', label: 'Read this first' });
    expect(screen.getByTestId('note').textContent).toContain('Read this first');
    cleanup();
    show({ type: 'image' });
    expect(screen.getByTestId('unsupported').textContent).toContain('image');
  });
});

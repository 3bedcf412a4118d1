// The shared components: each does its one job and is reachable by keyboard and screen reader.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import Button from './Button.svelte';
import Banner from './Banner.svelte';
import EmptyState from './EmptyState.svelte';
import ProgressBar from './ProgressBar.svelte';
import ChoiceList from './ChoiceList.svelte';
import Field from './Field.svelte';
import Dialog from './Dialog.svelte';

afterEach(cleanup);

const text = (s: string) => createRawSnippet(() => ({ render: () => `<span>${s}</span>` }));

describe('components', () => {
  it('Button: clicks, disables, labels an icon-only button', async () => {
    const onclick = vi.fn();
    render(Button, { onclick, testid: 'b', icon: '▲', label: 'Move up' });
    const b = screen.getByTestId('b');
    expect(b.getAttribute('aria-label')).toBe('Move up');
    await fireEvent.click(b);
    expect(onclick).toHaveBeenCalledOnce();
    cleanup();
    render(Button, { onclick, testid: 'b', disabled: true, children: text('Go') });
    expect((screen.getByTestId('b') as HTMLButtonElement).disabled).toBe(true);
  });

  it('Banner: errors are alerts, others status, always with an icon', () => {
    render(Banner, { kind: 'error', children: text('Broken') });
    expect(screen.getByRole('alert').textContent).toContain('✖');
    cleanup();
    render(Banner, { kind: 'ok', children: text('Fine') });
    expect(screen.getByRole('status').textContent).toContain('✓');
  });

  it('EmptyState says what is missing', () => {
    render(EmptyState, { text: 'No drafts.', testid: 'e' });
    expect(screen.getByTestId('e').textContent).toBe('No drafts.');
  });

  it('ProgressBar reports value and text to assistive technology', () => {
    render(ProgressBar, { value: 3, max: 12, text: 'Question 3 of about 12' });
    const bar = screen.getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('3');
    expect(bar.getAttribute('aria-valuetext')).toBe('Question 3 of about 12');
    expect((bar.firstElementChild as HTMLElement).style.inlineSize).toBe('25%');
  });

  it('ChoiceList: a radio group; unchecking a single choice clears it', async () => {
    const onchange = vi.fn();
    render(ChoiceList, { name: 'c', choices: [{ name: 'a', label: 'A' }, { name: 'b', label: 'B' }], selected: ['a'], onchange });
    expect(screen.getByRole('radiogroup')).toBeTruthy();
    await fireEvent.click(screen.getByLabelText('B'));
    expect(onchange).toHaveBeenCalledWith(['b']);
  });

  it('Field ties label, hint and message to the control', () => {
    render(Field, { id: 'x', label: 'Households', hint: 'Count them', message: 'Too many', required: true, requiredText: 'Required', children: createRawSnippet(() => ({ render: () => '<input id="x" />' })) });
    expect(screen.getByLabelText(/Households/)).toBeTruthy();
    expect(screen.getByText('Count them').id).toBe('x-hint');
    expect(screen.getByTestId('message-x').textContent).toContain('Too many');
    expect(screen.getByText('Required').className).toContain('visually-hidden');
  });

  it('Dialog shows its title and content only when open', () => {
    const props = { open: false, title: 'Remove?', onclose: vi.fn(), testid: 'd', children: text('Sure?'), actions: text('') };
    render(Dialog, props);
    expect(screen.queryByText('Remove?')).toBeNull();
    cleanup();
    render(Dialog, { ...props, open: true });
    expect(screen.getByText('Remove?')).toBeTruthy();
    expect(screen.getByText('Sure?')).toBeTruthy();
  });
});

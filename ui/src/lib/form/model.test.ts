import { describe, expect, it } from 'vitest';
import { outcomeMessage, repeatCount, repeatOf, stepOf, steps, type FormView, type PageView, type QuestionView } from './model';

function q(path: string, extra: Partial<QuestionView> = {}): QuestionView {
  return {
    path,
    name: path.split('/').pop()!.replace(/\[\d+\]/, ''),
    type: 'text',
    label: path,
    hint: '',
    appearance: null,
    value: '',
    relevant: true,
    required: false,
    read_only: false,
    choices: [],
    outcome: { outcome: 'ok' },
    ...extra,
  };
}
function page(path: string, relevant = true): PageView {
  return { path, label: null, relevant, questions: [q(path, { relevant })] };
}

const VIEW: FormView = {
  title: 'T',
  language: 'English (en)',
  languages: ['English (en)'],
  pages: [page('/f/a'), page('/f/hidden', false), page('/f/fg[1]/x'), page('/f/fg[1]/y'), page('/f/fg[2]/x'), page('/f/fg[2]/y'), page('/f/z')],
};

describe('view model rules', () => {
  it('finds the innermost repeat instance of a path', () => {
    expect(repeatOf('/f/a')).toBeNull();
    expect(repeatOf('/f/fg[2]/x')).toEqual({ repeat: '/f/fg', instance: '/f/fg[2]', index: 2, name: 'fg' });
    expect(repeatOf('/f/o[1]/in[3]/x')).toEqual({ repeat: '/f/o[1]/in', instance: '/f/o[1]/in[3]', index: 3, name: 'in' });
    expect(repeatCount(VIEW, '/f/fg')).toBe(2);
  });

  it('skips non-relevant pages and asks "add another?" after the last instance only', () => {
    const s = steps(VIEW);
    expect(s.map((x) => (x.kind === 'page' ? x.page.path : `+${x.repeat}:${x.count}`))).toEqual([
      '/f/a',
      '/f/fg[1]/x',
      '/f/fg[1]/y',
      '/f/fg[2]/x',
      '/f/fg[2]/y',
      '+/f/fg:2',
      '/f/z',
    ]);
    expect(stepOf(s, '/f/fg[2]/y')).toBe(4);
    expect(stepOf(s, '/f/hidden')).toBe(-1);
  });

  it('shows the core message, or the required text when the form gives none', () => {
    expect(outcomeMessage({ outcome: 'ok' }, 'req')).toBe('');
    expect(outcomeMessage({ outcome: 'required_but_empty' }, 'req')).toBe('req');
    expect(outcomeMessage({ outcome: 'constraint_violated', message: 'Between 0 and 500' }, 'req')).toBe('Between 0 and 500');
  });
});

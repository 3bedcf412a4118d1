import { describe, expect, it } from 'vitest';
import { appearanceWords, hasAppearance, outcomeMessage, parameter, visibleQuestions } from './model';
import { question } from '../../test/fake-backend';

describe('page model helpers', () => {
  it('reads appearances and parameters as the core sends them', () => {
    const q = question('/f/q', { appearance: 'minimal  quick', parameters: [['start', '0'], ['end', '10']] });
    expect(appearanceWords(q)).toEqual(['minimal', 'quick']);
    expect(hasAppearance(q, 'quick')).toBe(true);
    expect(hasAppearance(q, 'likert')).toBe(false);
    expect(parameter(q, 'end')).toBe('10');
    expect(parameter(q, 'step')).toBeUndefined();
  });

  it('shows only relevant questions', () => {
    const qs = [question('/f/a'), question('/f/b', { relevant: false })];
    expect(visibleQuestions(qs).map((q) => q.path)).toEqual(['/f/a']);
  });

  it('shows the core message, or the required text', () => {
    expect(outcomeMessage({ outcome: 'ok' }, 'req')).toBe('');
    expect(outcomeMessage({ outcome: 'required_but_empty' }, 'req')).toBe('req');
    expect(outcomeMessage({ outcome: 'constraint_violated', message: 'Between 0 and 500' }, 'req')).toBe('Between 0 and 500');
  });
});

// Small pure helpers over the core's page model (bindings: DraftView, Question). The core
// decides the order of pages, relevance, repeats and messages; these only read them.
import type { Outcome, Question } from '../api';

export type { Question, Outcome };

/** Appearance words of a question (`minimal`, `likert`, `quick`, …). */
export function appearanceWords(q: { appearance: string | null }): string[] {
  return (q.appearance ?? '').split(/\s+/).filter(Boolean);
}

export function hasAppearance(q: { appearance: string | null }, word: string): boolean {
  return appearanceWords(q).includes(word);
}

/** `parameters` pairs as a map (`start`, `end`, `step`). */
export function parameter(q: Question, key: string): string | undefined {
  return q.parameters.find(([k]) => k === key)?.[1];
}

/** Which questions of a page are shown now. */
export function visibleQuestions(questions: Question[]): Question[] {
  return questions.filter((q) => q.relevant);
}

/** The message to show under a question, or '' (the core's own words, in the form's language). */
export function outcomeMessage(o: Outcome, requiredText: string): string {
  switch (o.outcome) {
    case 'required_but_empty':
      return requiredText;
    case 'constraint_violated':
    case 'expression_failed':
      return o.message;
    default:
      return '';
  }
}

export const SELECT_TYPES = ['select_one', 'select_multiple', 'select_one_from_file', 'select_multiple_from_file'];

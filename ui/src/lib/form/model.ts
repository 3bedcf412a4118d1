// The form's view model as the core sends it (lantern_core::engine::view), and the pure
// rules the fill screen applies to it: which pages are shown, where repeats are, what an
// answer's message is. Nothing here decides what the form means; the core does.

export type OutcomeKind = 'ok' | 'required_but_empty' | 'constraint_violated' | 'expression_failed';

export interface Outcome {
  outcome: OutcomeKind;
  message?: string;
}

export interface ChoiceView {
  name: string;
  label: string;
  /** Media of the choice (an image URL the WebView may load), when the form has one. */
  image?: string | null;
}

export interface Media {
  image?: string | null;
  audio?: string | null;
  video?: string | null;
}

export interface QuestionView {
  path: string;
  name: string;
  type: string;
  label: string;
  hint: string;
  appearance: string | null;
  value: string;
  relevant: boolean;
  required: boolean;
  read_only: boolean;
  choices: ChoiceView[];
  outcome: Outcome;
  media?: Media | null;
  /** `parameters` (range start/end/step), when the core sends them. */
  parameters?: Record<string, string> | null;
}

export interface RepeatInfo {
  /** The repeat's path without the instance index (`/form/focus_group`). */
  path: string;
  label: string;
  count: number;
  /** Whether the form lets the user add or remove instances (no fixed repeat_count). */
  can_add?: boolean;
}

export interface PageView {
  path: string;
  label: string | null;
  relevant: boolean;
  questions: QuestionView[];
  /** The repeat the page belongs to, when the core says so. */
  repeat?: RepeatInfo | null;
}

export interface FormView {
  title: string;
  language: string;
  languages: string[];
  pages: PageView[];
}

export interface Blocker {
  path: string;
  outcome: OutcomeKind;
  message?: string;
}

/** Appearance words of a question (`minimal`, `likert`, `quick`, …). */
export function appearanceWords(q: { appearance: string | null }): string[] {
  return (q.appearance ?? '').split(/\s+/).filter(Boolean);
}

export function hasAppearance(q: { appearance: string | null }, word: string): boolean {
  return appearanceWords(q).includes(word);
}

/**
 * The innermost repeat instance a path lies in: `/f/fg[2]/x` → `{ repeat: '/f/fg',
 * instance: '/f/fg[2]', index: 2, name: 'fg' }`; `null` outside repeats.
 */
export function repeatOf(path: string): { repeat: string; instance: string; index: number; name: string } | null {
  const parts = path.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const m = /^(.+)\[(\d+)\]$/.exec(parts[i]);
    if (m) {
      const base = [...parts.slice(0, i), m[1]].join('/');
      return { repeat: base, instance: parts.slice(0, i + 1).join('/'), index: Number(m[2]), name: m[1] };
    }
  }
  return null;
}

/** How many instances of `repeat` the view holds now. */
export function repeatCount(view: FormView, repeat: string): number {
  const seen = new Set<string>();
  for (const page of view.pages) {
    for (const q of [page.path, ...page.questions.map((x) => x.path)]) {
      const r = repeatOf(q);
      if (r && r.repeat === repeat) seen.add(r.instance);
    }
  }
  return seen.size;
}

/** A step of the fill screen: a page of the form, or the "add another?" prompt after a repeat instance. */
export type Step =
  | { kind: 'page'; page: PageView; index: number }
  | { kind: 'repeat'; repeat: string; instance: string; label: string; count: number; canAdd: boolean };

function humanize(name: string): string {
  return name.replace(/_/g, ' ');
}

/**
 * The steps shown now: relevant pages in the form's order, and after the last page of
 * each repeat's last instance an "add another?" prompt.
 */
export function steps(view: FormView): Step[] {
  const out: Step[] = [];
  const relevant = view.pages.map((page, index) => ({ page, index })).filter((p) => p.page.relevant);
  relevant.forEach(({ page, index }, i) => {
    out.push({ kind: 'page', page, index });
    const here = repeatOf(page.path);
    if (!here) return;
    const next = relevant[i + 1];
    const nextRepeat = next ? repeatOf(next.page.path) : null;
    // Still inside the same repeat (another instance or the same one): no prompt yet.
    if (nextRepeat && nextRepeat.repeat === here.repeat) return;
    // A nested repeat's prompt comes before the outer instance continues.
    if (nextRepeat && nextRepeat.instance.startsWith(here.instance + '/')) return;
    const count = page.repeat?.count ?? repeatCount(view, here.repeat);
    out.push({
      kind: 'repeat',
      repeat: here.repeat,
      instance: here.instance,
      label: page.repeat?.label || humanize(here.name),
      count,
      canAdd: page.repeat?.can_add ?? true,
    });
  });
  return out;
}

/** Which questions of a page are shown now. */
export function visibleQuestions(page: PageView): QuestionView[] {
  return page.questions.filter((q) => q.relevant);
}

/** Whether a question takes an answer at all (notes only show text). */
export function isAnswerable(q: QuestionView): boolean {
  return q.type !== 'note' && !q.read_only;
}

/** The message to show under a question, or '' (the core's own words, in the form's language). */
export function outcomeMessage(o: Outcome, requiredText: string): string {
  switch (o.outcome) {
    case 'required_but_empty':
      return o.message || requiredText;
    case 'constraint_violated':
    case 'expression_failed':
      return o.message ?? '';
    default:
      return '';
  }
}

/** The step index showing `path` (a question's or a page's), or -1. */
export function stepOf(all: Step[], path: string): number {
  return all.findIndex(
    (s) => s.kind === 'page' && (s.page.path === path || s.page.questions.some((q) => q.path === path)),
  );
}

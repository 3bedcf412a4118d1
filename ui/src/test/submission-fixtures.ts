// Finalized responses shaped exactly as the core sends them (crates/lantern-core/src/
// capture/responses.rs): the submissions list (no answers), each response's receipt
// code, and one camp safety audit opened read-only in its form's layout. Sites and rounds
// match share-fixtures.ts: Hodan camp's audits (two counted in figures a server received,
// one refusal), Garasbaley's night walk past its retention, women's participation
// interviews at baseline and endline.
import type { PageView, Question, SubmissionRow, SubmissionView } from '../lib/backend';

const camp = (id: string, state: SubmissionRow['state'], extra: Partial<SubmissionRow> = {}): SubmissionRow => ({
  submission_id: id,
  form_id: 'camp_safety_audit',
  form_version: '2026113001',
  title: 'Camp safety audit',
  site: 'SO2401-0001',
  round: '1',
  finalized_day: '2026-11-28',
  refusal: false,
  state,
  ...extra,
});

const women = (id: string, round: string, day: string): SubmissionRow => ({
  submission_id: id,
  form_id: 'womens_participation',
  form_version: '2026113001',
  title: "Women's participation (baseline and endline)",
  site: 'SO2401-0001',
  round,
  finalized_day: day,
  refusal: false,
  state: { state: 'kept' },
});

/** In the core's order: form, site, round, newest day first. */
export const ROWS: SubmissionRow[] = [
  camp('uuid:0a1b2c3d-0000-4000-8000-000000000001', { state: 'sent', acknowledged_day: '2026-11-30', purge_on: '2027-02-28' }, { finalized_day: '2026-11-29' }),
  camp('uuid:0a1b2c3d-0000-4000-8000-000000000002', { state: 'sent', acknowledged_day: '2026-11-30', purge_on: null }),
  camp('uuid:0a1b2c3d-0000-4000-8000-000000000003', { state: 'kept' }),
  camp('uuid:0a1b2c3d-0000-4000-8000-000000000004', { state: 'kept' }, { refusal: true, finalized_day: '2026-11-27' }),
  camp('uuid:0a1b2c3d-0000-4000-8000-000000000005', { state: 'due_for_purge', purge_on: '2026-11-18' }, { site: 'SO2401-0002', finalized_day: '2026-08-19' }),
  women('uuid:5e6f7a8b-0000-4000-8000-000000000011', 'baseline', '2026-06-02'),
  women('uuid:5e6f7a8b-0000-4000-8000-000000000012', 'baseline', '2026-06-01'),
  women('uuid:5e6f7a8b-0000-4000-8000-000000000021', 'endline', '2026-11-26'),
];

/** Each response's receipt code (none for the refusal), as `draft_finalize` gave it. */
export const RECEIPTS: Record<string, string | null> = {
  'uuid:0a1b2c3d-0000-4000-8000-000000000001': 'M3HR-8VQA',
  'uuid:0a1b2c3d-0000-4000-8000-000000000002': 'BQS0-X37J',
  'uuid:0a1b2c3d-0000-4000-8000-000000000003': 'KZ6E-J6TH',
  'uuid:0a1b2c3d-0000-4000-8000-000000000004': null,
  'uuid:0a1b2c3d-0000-4000-8000-000000000005': 'XE66-BX22',
  'uuid:5e6f7a8b-0000-4000-8000-000000000011': 'NFMJ-4HBN',
  'uuid:5e6f7a8b-0000-4000-8000-000000000012': 'TRJX-F4ZV',
  'uuid:5e6f7a8b-0000-4000-8000-000000000021': 'W9CA-7D1R',
};

function q(path: string, type: string, label: string, value: string, extra: Partial<Question> = {}): Question {
  return {
    path: `/camp_safety_audit/${path}`,
    name: path.split('/').pop()!.replace(/\[\d+\]$/, ''),
    type,
    label,
    hint: '',
    appearance: null,
    parameters: [],
    media: [],
    value,
    relevant: true,
    required: true,
    read_only: false,
    choices: [],
    outcome: { outcome: 'ok' },
    repeat: null,
    ...extra,
  };
}

const yesPartialNo = [
  { name: 'yes', label: 'Yes' },
  { name: 'partial', label: 'Partly' },
  { name: 'no', label: 'No' },
];

/** A camp safety audit's relevant pages, answers in place (a repeat prompt page included, as the core pages it). */
export const CAMP_PAGES: PageView[] = [
  {
    index: 0,
    path: '/camp_safety_audit/site',
    content: { kind: 'questions', label: null, questions: [q('site', 'select_one_from_file', 'Site', 'SO2401-0001', { appearance: 'autocomplete', hint: 'Choose the site code (P-code) from the site list', choices: [{ name: 'SO2401-0001', label: 'Hodan camp (SO2401-0001)' }, { name: 'SO2401-0002', label: 'Garasbaley (SO2401-0002)' }] })] },
  },
  {
    index: 1,
    path: '/camp_safety_audit/walk_time',
    content: { kind: 'questions', label: null, questions: [q('walk_time', 'select_one', 'When is this walk taking place?', 'day', { choices: [{ name: 'day', label: 'Day' }, { name: 'night', label: 'Night (after dark)' }] })] },
  },
  {
    index: 4,
    path: '/camp_safety_audit/access',
    content: {
      kind: 'questions',
      label: 'Access and lighting',
      questions: [
        q('access/perimeter', 'select_one', 'Is there a perimeter or controlled access?', 'partial', { choices: yesPartialNo }),
        q('access/latrines_sampled', 'integer', 'How many latrine blocks did you look at?', '6'),
        q('access/hotspots', 'select_multiple', 'Dark or isolated places', 'latrines water_point', { required: false, choices: [{ name: 'latrines', label: 'Latrines' }, { name: 'water_point', label: 'Water point' }, { name: 'market', label: 'Market' }] }),
      ],
    },
  },
  {
    index: 9,
    path: '/camp_safety_audit/site_notes',
    content: { kind: 'questions', label: null, questions: [q('site_notes', 'text', 'Notes on the site (never names)', 'Lights out on the path to block C latrines since the storm.', { appearance: 'multiline', required: false })] },
  },
  { index: 10, path: '/camp_safety_audit/focus_group', content: { kind: 'repeat_prompt', repeat: '/camp_safety_audit/focus_group', label: 'Focus group', count: 0 } },
];

export function viewOf(id: string): SubmissionView | null {
  const row = ROWS.find((r) => r.submission_id === id);
  if (!row) return null;
  const pages = row.refusal ? [] : row.form_id === 'camp_safety_audit' ? structuredClone(CAMP_PAGES) : [];
  return { row: structuredClone(row), receipt: RECEIPTS[id] ?? null, pages };
}

/** As the core reads a typed code: case, spaces and dashes ignored, O → 0, I and L → 1; `null` when it cannot be one. */
export function normalizeReceipt(typed: string): string | null {
  const chars: string[] = [];
  for (const c of typed.toUpperCase()) {
    if (c === ' ' || c === '-' || (c >= '\u2010' && c <= '\u2015')) continue;
    const d = c === 'O' ? '0' : c === 'I' || c === 'L' ? '1' : c;
    if (!'0123456789ABCDEFGHJKMNPQRSTVWXYZ'.includes(d)) return null;
    chars.push(d);
  }
  return chars.length === 8 ? `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}` : null;
}

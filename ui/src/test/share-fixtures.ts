// Results, send previews and sync views shaped exactly as the core sends them (see
// crates/lantern-core/src/capture/share.rs), for the component tests: a camp safety
// audit with a red and an amber sector and hidden focus-group cells; a women's
// participation endline with baseline values; sync before and after enrollment, and an
// offline queue with a batch the server refused.
import type { IndicatorResult, RiskLevel, Payload, ResultCell, Results, ShareGroup, SharePreview, Shown, SyncItem, SyncView } from '../lib/backend';

export const CAMP: ShareGroup = {
  form_id: 'camp_safety_audit',
  title: 'Camp safety audit',
  site: 'SO2401-0001',
  site_label: 'Hodan camp',
  round: '1',
  round_label: 'Round 1',
  responses: 3,
  rated: true,
  release: { state: 'releasable' },
};
export const CAMP_SMALL: ShareGroup = { ...CAMP, site: 'SO2401-0002', site_label: 'Garasbaley', responses: 1, release: { state: 'all_hidden', min_responses: true } };
export const BASELINE: ShareGroup = {
  form_id: 'womens_participation',
  title: "Women's participation",
  site: 'SO2401-0001',
  site_label: 'Hodan camp',
  round: 'baseline',
  round_label: 'Baseline',
  responses: 48,
  rated: false,
  release: { state: 'need_more_changes', changes: 2, needed: 3 },
};
export const ENDLINE: ShareGroup = { ...BASELINE, round: 'endline', round_label: 'Endline', responses: 60, release: { state: 'releasable' } };
export const GROUPS: ShareGroup[] = [CAMP, CAMP_SMALL, BASELINE, ENDLINE];

const released = (n: number, value: number | null, level: RiskLevel | null = null, denominator: number | null = n): Shown => ({ shown: 'released', n, denominator, value, level });
const hidden = (because: 'primary' | 'complementary' | 'derived' | 'min_responses', k = 5): Shown => ({ shown: 'hidden', because, fewer_than: k });
const by = (dimension: string, value: string, label: string) => ({ dimension, value, label });
const cell = (shown: Shown, on: ReturnType<typeof by>[] = [], baseline: number | null = null): ResultCell => ({ by: on, shown, baseline });

function score(name: string, label: string, sector: string, shown: Shown, level: 'red' | 'amber' | 'green' | null, action: string): IndicatorResult {
  return { name, label, kind: 'score', sector, higher_is: 'worse', amber: 34, red: 67, min_cell: 1, level, action, cells: [cell(shown)] };
}

export const WASH_ACTION = 'Separate latrines and bathing areas by sex with picture signs, fit inside locks, keep them within 50 m of shelters';
export const LIGHTING_ACTION = 'Install solar lights on main routes and at latrines, bathing areas and water points';

export const CAMP_RESULTS: Results = {
  group: CAMP,
  period: '2026-11',
  min_cell_size: 5,
  refusals: hidden('primary'),
  baseline_round: null,
  indicators: [
    {
      name: 'adequately_lit',
      label: 'Sites where most or all communal areas and routes are lit',
      kind: 'proportion',
      sector: null,
      higher_is: null,
      amber: null,
      red: null,
      min_cell: 1,
      level: null,
      action: '',
      cells: [cell(released(2, 50)), cell(released(1, 100), [by('walk_time', 'day', 'Day walk')]), cell(released(1, 0), [by('walk_time', 'night', 'Night walk')])],
    },
    {
      name: 'fg_unsafe_night_pct',
      label: 'People feeling unsafe moving at night (% of hands, average of groups)',
      kind: 'mean',
      sector: null,
      higher_is: null,
      amber: null,
      red: null,
      min_cell: 10,
      level: null,
      action: '',
      cells: [
        cell(hidden('primary', 10)),
        cell(hidden('primary', 10), [by('fg_type', 'women', 'Women (18–59)')]),
        cell(hidden('complementary', 10), [by('fg_type', 'girls', 'Adolescent girls (15–17)')]),
        cell(hidden('derived', 10), [by('fg_type', 'men', 'Men')]),
      ],
    },
    { name: 'latrines_lockable_pct', label: 'Latrines that lock from inside (% of latrines checked)', kind: 'mean', sector: null, higher_is: null, amber: null, red: null, min_cell: 1, level: null, action: '', cells: [cell(released(2, 37.5))] },
    score('risk_wash', 'WASH risk score', 'wash', released(2, 78, 'red'), 'red', WASH_ACTION),
    score('risk_lighting', 'Lighting risk score', 'lighting', released(1, 45, 'amber'), 'amber', LIGHTING_ACTION),
    score('risk_security', 'Security risk score', 'security', released(2, 20, 'green'), 'green', 'Agree with the community on patrols that include women officers'),
    score('risk_shelter', 'Shelter risk score', 'shelter', hidden('min_responses', 1), null, 'Distribute door locks and internal partitions'),
  ],
  sectors: [
    { sector: 'wash', level: 'red', red: 1, amber: 0, green: 0, unrated: 0 },
    { sector: 'lighting', level: 'amber', red: 0, amber: 1, green: 0, unrated: 0 },
    { sector: 'security', level: 'green', red: 0, amber: 0, green: 1, unrated: 0 },
    { sector: 'shelter', level: null, red: 0, amber: 0, green: 0, unrated: 1 },
  ],
  actions: [
    { indicator: 'risk_wash', label: 'WASH risk score', sector: 'wash', level: 'red', value: 78, action: WASH_ACTION },
    { indicator: 'risk_lighting', label: 'Lighting risk score', sector: 'lighting', level: 'amber', value: 45, action: LIGHTING_ACTION },
  ],
};

export const ENDLINE_RESULTS: Results = {
  group: ENDLINE,
  period: '2026-11',
  min_cell_size: 5,
  refusals: released(6, null, null, null),
  baseline_round: 'baseline',
  indicators: [
    {
      name: 'attending',
      label: 'Attended a community meeting in the last 3 months',
      kind: 'proportion',
      sector: null,
      higher_is: 'better',
      amber: null,
      red: null,
      min_cell: 5,
      level: null,
      action: '',
      cells: [
        cell(released(60, 55), [], 40),
        cell(released(20, 50), [by('age_group', '18_24', '18–24')], 35),
        cell(released(37, 59.5), [by('age_group', '25_49', '25–49')], 42),
        cell(hidden('primary'), [by('age_group', '50_59', '50–59')]),
        cell(hidden('complementary'), [by('age_group', '60_plus', '60 and over')]),
        cell(hidden('primary'), [by('disability', 'yes', 'yes')]),
        cell(hidden('complementary'), [by('disability', 'no', 'no')]),
      ],
    },
  ],
  sectors: [],
  actions: [],
};

const BODY = JSON.stringify({
  schema: 'lantern.aggregate/1',
  batch_id: '0b7c1f0e-3c55-4a57-9a43-6c1f6f1d2a10',
  sequence: 1,
  form_id: 'camp_safety_audit',
  form_version: '2026113001',
  site: 'SO2401-0001',
  round: '1',
  period: '2026-11',
  generated_at: '2026-11-30',
  min_cell_size: 5,
  indicators: [
    { name: 'adequately_lit', labels: { 'English (en)': 'Sites where most or all communal areas and routes are lit' }, kind: 'proportion', hxl: '#indicator+pct+lit', sector: null, higher_is: null, amber: null, red: null, min_cell: 1, actions: {} },
    { name: 'risk_wash', labels: { 'English (en)': 'WASH risk score' }, kind: 'score', hxl: '#severity+wash', sector: 'wash', higher_is: 'worse', amber: 34, red: 67, min_cell: 1, actions: { 'English (en)': WASH_ACTION } },
    { name: 'fg_unsafe_night_pct', labels: { 'English (en)': 'People feeling unsafe moving at night' }, kind: 'mean', hxl: '#indicator+pct+unsafe_night', sector: null, higher_is: null, amber: null, red: null, min_cell: 10, actions: {} },
  ],
  cells: [
    { indicator: 'adequately_lit', by: {}, suppressed: false, rule: null, n: 2, denominator: 2, value: 50 },
    { indicator: 'risk_wash', by: {}, suppressed: false, rule: null, n: 2, denominator: 2, value: 78, level: 'red' },
    { indicator: 'fg_unsafe_night_pct', by: {}, suppressed: true, rule: 'primary' },
  ],
  refusals: { suppressed: true, rule: 'primary' },
});

export function payload(hash: string, body = BODY): Payload {
  return {
    batch_id: '0b7c1f0e-3c55-4a57-9a43-6c1f6f1d2a10',
    sequence: 1,
    hash,
    body,
    period: '2026-11',
    min_cell_size: 5,
    indicators: 3,
    cells: 3,
    released: 2,
    hidden: 1,
    totals: [
      { label: 'Sites where most or all communal areas and routes are lit', shown: released(2, 50) },
      { label: 'WASH risk score', shown: released(2, 78, 'red') },
      { label: 'People feeling unsafe moving at night', shown: hidden('primary', 10) },
    ],
  };
}

export const HASH_1 = '9f2c4e0b7d1a3c5e8f6b2d4a1c3e5f7a9b0d2c4e6f8a1b3d5c7e9f0a2b4c6d8e';
export const HASH_2 = '1a3c5e7f9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a';

export function preview(group: ShareGroup, hash = HASH_1): SharePreview {
  return { group, payload: group.release.state === 'releasable' ? payload(hash, hash === HASH_1 ? BODY : BODY.replace('"n":2,"denominator":2,"value":50', '"n":3,"denominator":3,"value":66.66666666666667')) : null };
}

export const NOT_ENROLLED: SyncView = { enrollment: null, queued: 0, sending: 0, sent: 0, failed: 0, next_retry_at: null, offline: false, items: [] };

export const ENROLLMENT = {
  server_url: 'https://lantern.example.org',
  device_id: 'dev-5f1c2a',
  pin: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
  enrolled_at: '2026-11-30T09:12:00Z',
  sites: ['SO2401-0001'],
};

function item(n: number, state: SyncItem['state'], extra: Partial<SyncItem> = {}): SyncItem {
  return {
    batch_id: `batch-${n}`,
    form_id: 'camp_safety_audit',
    title: 'Camp safety audit',
    site: 'SO2401-0001',
    round: '1',
    sequence: n,
    batch_hash: HASH_1,
    state,
    approved_at: `2026-11-2${n}T10:00:00Z`,
    sent_at: null,
    attempts: 0,
    next_attempt_at: null,
    problem: null,
    ...extra,
  };
}

/** Enrolled, the server out of reach: three batches approved and waiting, one refused for good, one sent. */
export const OFFLINE_QUEUE: SyncView = {
  enrollment: ENROLLMENT,
  queued: 2,
  sending: 0,
  sent: 1,
  failed: 2,
  next_retry_at: '2026-11-30T10:30:00Z',
  offline: true,
  items: [
    item(5, 'queued'),
    item(4, 'queued', { form_id: 'womens_participation', title: "Women's participation", round: 'endline' }),
    item(3, 'failed', { attempts: 2, next_attempt_at: '2026-11-30T10:30:00Z', problem: { code: 'sync.unreachable', message: 'the server could not be reached', retry: true } }),
    item(2, 'failed', { attempts: 1, problem: { code: 'sync.refused', message: 'the server refused the batch (403)', retry: false } }),
    item(1, 'sent', { sent_at: '2026-11-21T10:05:00Z', attempts: 1 }),
  ],
};

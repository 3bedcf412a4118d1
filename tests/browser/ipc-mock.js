// Loaded by the browser tier before the app's module: stands in for the Tauri shell with
// @tauri-apps/api's mockIPC, answering the commands of docs/ipc.md with the types of
// ui/src/lib/bindings. Form pages come from views recorded from the REAL core
// (fixtures/views.json, written by fixtures/gen from engine::view): when the UI does what
// a recording did next (answer, add or remove a repeat), the mock answers with the core's
// own view; other answers are patched into the last view. The scenario comes from the
// query string (`?scenario=fresh|locked|unlocked|demo`). Results, send previews, the
// approval and the sync view after it are recorded from a real vault by the same
// generator (`share`); enrollment and an offline queue need a server and are written
// here in the core's shapes (`&sync=offline` starts enrolled, the server out of reach).
// Device settings, backups, restore and the wipe are hand-written too (see below).
import { mockIPC } from '/__test/mocks.js';
import VIEWS from '/__test/views.js';

const params = new URLSearchParams(location.search);
const scenario = params.get('scenario') ?? 'fresh';
const PASS = 'river lamp orange seventy';
const calls = (window.__lanternCalls = []);

const SITES = [
  { name: 'SO2401-0001', label: 'Hodan IDP site' },
  { name: 'SO2401-0002', label: 'Garasbaley' },
];
const ROUNDS = [{ name: '2026-r1', label: 'Round 1 (2026)' }];
// A form meant for shared aggregates that asks a name, a GPS point and unmarked free
// text: what the core's do-no-harm check says of forms/verify/exposing_form.xlsx.
const EXPOSING_FINDINGS = [
  { code: 'policy.name', severity: 'error', sheet: 'survey', row: 4, column: 'label', message: '`respondent` asks for a name ("your name" in its label); do not collect it' },
  { code: 'policy.identifying_type', severity: 'error', sheet: 'survey', row: 5, column: 'type', message: '`shelter` has type `geopoint`, which records location, images, sound or an identifier; remove it: Lantern\'s forms record places and conditions, never people' },
  { code: 'policy.free_text_shared', severity: 'error', sheet: 'survey', row: 6, column: 'lantern::share', message: 'the free text `comments` may hold anything, including what identifies someone; set `lantern::share` to `never` on this row so it never leaves the device' },
];
const FORMS = {
  widgets: { file: 'widgets.xlsx', title: 'Widgets', rec: { en: 'widgets_en', ar: 'widgets_ar' }, version: '2026113001' },
  camp_safety_audit: { file: 'camp_safety_audit.xlsx', title: 'Camp safety audit', rec: { en: 'camp_en', ar: 'camp_ar' }, version: '2026113001' },
};

const vault = {
  exists: scenario !== 'fresh',
  unlocked: scenario === 'unlocked' || scenario === 'demo',
  failures: 0,
  waitUntil: 0,
  passphrase: PASS,
};
let referrals = { cards: [{ site: 'SO2401-0001', services: [{ name: 'Women and girls safe space (IRC)', contact: '+252 61 555 0101', hours: 'Sun–Thu 08:00–16:00', notes: 'Walk-in; female staff' }] }, { site: null, services: [{ name: 'GBV hotline', contact: '5555', hours: '24/7', notes: '' }] }] };
let uiLanguage = null;

// --- results and sync ------------------------------------------------------------------

const SHARE = VIEWS.share;
const PIN = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';
const ENROLLMENT = { server_url: 'https://lantern.example.org', device_id: 'device-5f1c2a90', pin: PIN, enrolled_at: '2026-11-28T09:12:00Z', sites: ['SO2401-0001', 'SO2401-0002'] };
/** What the recorded approval did to the groups (the approved one now waits for changes). */
let approvedGroups = null;
/** The payload hash the shell keeps from the last preview (approve names it). */
let keptHash = null;
let sync = structuredClone(SHARE.sync_before);
if (params.get('sync') === 'offline') {
  // Enrolled; the server out of reach: approved batches wait, one was refused for good.
  const item = SHARE.approved.item;
  sync = {
    enrollment: ENROLLMENT,
    queued: 2,
    sending: 0,
    sent: 1,
    failed: 2,
    next_retry_at: '2026-11-30T10:30:00Z',
    offline: true,
    items: [
      item,
      { ...item, batch_id: '00000000-0000-0000-0000-0000000000f4', form_id: 'womens_participation', title: "Women's participation", round: 'endline', sequence: 1 },
      { ...item, batch_id: '00000000-0000-0000-0000-0000000000f3', site: 'SO2401-0002', state: 'failed', attempts: 3, next_attempt_at: '2026-11-30T10:30:00Z', problem: { code: 'sync.unreachable', message: 'the server could not be reached: connection refused', retry: true } },
      { ...item, batch_id: '00000000-0000-0000-0000-0000000000f2', form_id: 'womens_participation', title: "Women's participation", round: 'baseline', state: 'failed', attempts: 1, approved_at: '2026-11-25T10:00:00Z', problem: { code: 'sync.refused', message: 'the server refused the batch (403): device revoked', retry: false } },
      { ...item, batch_id: '00000000-0000-0000-0000-0000000000f1', state: 'sent', approved_at: '2026-11-21T10:00:00Z', sent_at: '2026-11-21T10:05:00Z', attempts: 1, sequence: 1 },
    ],
  };
}
function shareLang(lang) {
  return lang === 'ar' ? 'ar' : 'en';
}
function shareKey(formId, site, round, lang) {
  return `${formId}|${site}|${round ?? ''}|${lang}`;
}
function groupsIn(lang) {
  const groups = structuredClone(SHARE.groups[shareLang(lang)]);
  if (!approvedGroups) return groups;
  return groups.map((g) => ({ ...g, release: approvedGroups.find((a) => a.form_id === g.form_id && a.site === g.site && a.round === g.round)?.release ?? g.release }));
}
// --- device settings (issue 16, item 4) -------------------------------------------------
// Hand-written in the core's shapes (capture::settings, dto.rs): the forms' own retention
// periods (camp safety audit 90 days, shelter review 365, women's participation 180; the
// widgets form sets none), a site list of P-codes, the audit log as the vault words it
// (`&audit=broken` stages a chain broken at entry 9), and two backups in the backups
// folder, which exists without a vault too (restore starts from it). The backup
// passphrase that opens them is BACKUP_PASS.
const BACKUP_DIR = '/home/enumerator/.local/share/org.lantern.field/backups';
const BACKUP_PASS = 'amber kettle window ninety';
let settings = {
  idle_lock_minutes: 5,
  idle_lock_choices: [1, 2, 5, 10, 15],
  retention: [
    { form_id: 'camp_safety_audit', title: 'Camp safety audit', form_days: 90, days: null },
    { form_id: 'shelter_site_risk_review', title: 'Shelter and site risk review', form_days: 365, days: 120 },
    { form_id: 'widgets', title: 'Widgets', form_days: null, days: null },
    { form_id: 'womens_participation', title: "Women's participation", form_days: 180, days: null },
  ],
  sites: [
    { code: 'SO2401-0001', name: 'Hodan IDP site', admin: ['SO24', 'SO2401'] },
    { code: 'SO2401-0002', name: 'Garasbaley', admin: ['SO24', 'SO2401'] },
    { code: 'SO2402-0007', name: 'Kahda 7', admin: ['SO24', 'SO2402'] },
  ],
};
let backups = [
  { name: 'lantern-backup-20261128-170412.lbk', file: `${BACKUP_DIR}/lantern-backup-20261128-170412.lbk`, bytes: 48213, modified: '2026-11-28T17:04:12Z' },
  { name: 'lantern-backup-20261130-091500.lbk', file: `${BACKUP_DIR}/lantern-backup-20261130-091500.lbk`, bytes: 1310720, modified: '2026-11-30T09:15:00Z' },
];
const SUB_1 = '6f0c2a4e-9b1d-4c77-8e2a-1d5b7c9e0f31';
const SUB_2 = 'b2d94c10-57aa-4e0b-a8c3-92f1e6d7a405';
const BATCH = '00000000-0000-0000-0000-0000000000f1';
const audit = [
  ['2026-11-20T07:58:12Z', 'vault_created', ''],
  ['2026-11-20T07:58:40Z', 'duress_passphrase_set', ''],
  ['2026-11-24T06:41:05Z', 'unlock', ''],
  ['2026-11-24', 'unlock_failed', ''],
  ['2026-11-24T06:44:30Z', 'unlock', ''],
  ['2026-11-24T09:12:47Z', 'submission_created', `id=${SUB_1} form=camp_safety_audit`],
  ['2026-11-24T09:31:02Z', 'finalize', `id=${SUB_1} form=camp_safety_audit`],
  ['2026-11-24T10:02:19Z', 'finalize', `id=${SUB_2} form=camp_safety_audit`],
  ['2026-11-26T14:05:00Z', 'sync', `enrolled device=device-5f1c2a90 server=https://lantern.example.org certificate_sha256=${PIN}`],
  ['2026-11-28T10:00:00Z', 'sync', `approved batch=${BATCH} hash=9c1f0e7a52d4b8e3 form=camp_safety_audit site=SO2401-0001 round=1 sequence=1`],
  ['2026-11-28T17:04:12Z', 'backup', 'mode=passphrase submissions=12 forms=2 skipped=0'],
  ['2026-11-29T08:15:40Z', 'acknowledged', 'count=12'],
  ['2026-11-30T08:02:10Z', 'withdraw', `id=${SUB_2}`],
  ['2026-11-30T09:15:00Z', 'backup', 'mode=passphrase submissions=11 forms=2 skipped=0'],
  ['2026-11-30T10:01:00Z', 'unlock', ''],
].map(([at, event, detail], i) => ({ seq: i + 1, at, event, detail }));
function logEvent(event, detail) {
  audit.push({ seq: audit.length + 1, at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), event, detail });
}
/** The site list as capture::settings::parse_sites reads it: every row, or every bad line. */
function parseSites(text) {
  /** A LineProblem as the core words it: a code for the window, the site, the English. */
  const at = (line, code, message, site = null) => ({ line, code, site, column: null, message });
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const code = header.findIndex((h) => ['site_code', 'code', 'pcode', 'p-code'].includes(h));
  const name = header.findIndex((h) => ['site_name', 'name'].includes(h));
  if (code < 0 || name < 0) return { rows: [], problems: [at(1, 'sites.header', 'the header needs site_code, site_name and admin1 (admin2, … optional) columns')] };
  const admin = header.map((h, i) => (/^admin\d+(_code)?$/.test(h) ? i : -1)).filter((i) => i >= 0);
  const rows = [];
  const problems = [];
  lines.slice(1).forEach((l, i) => {
    if (!l.trim()) return;
    const cells = l.split(',').map((c) => c.trim());
    const line = i + 2;
    const c = cells[code] ?? '';
    if (!c) problems.push(at(line, 'sites.bad_code', 'site_code is empty'));
    else if (!/^[A-Za-z0-9_.-]{1,64}$/.test(c)) problems.push(at(line, 'sites.bad_code', `site_code "${c}" contains a character names may not hold`));
    else if (!cells[name]) problems.push(at(line, 'sites.no_name', `site ${c} has no name`, c));
    else if (rows.some((r) => r.code === c)) problems.push(at(line, 'sites.duplicate', `site ${c} appears twice`, c));
    else rows.push({ code: c, name: cells[name], admin: admin.map((a) => cells[a] ?? '').filter(Boolean) });
  });
  if (!problems.length && !rows.length) problems.push(at(0, 'sites.no_site', 'the file lists no site'));
  return problems.length ? { rows: [], problems } : { rows, problems };
}

const drafts = new Map();
const finalized = [];
let nextId = 1;

function err(code, message) {
  return { code, message };
}
function state() {
  const retry = Math.max(0, Math.ceil((vault.waitUntil - Date.now()) / 1000));
  return { exists: vault.exists, unlocked: vault.unlocked, demo: scenario === 'demo', retry_after_seconds: retry, idle_lock_seconds: 300 };
}
function needUnlocked() {
  if (!vault.unlocked) throw err('app.locked', 'the vault is locked');
}
function emit(event, payload) {
  window.__TAURI_INTERNALS__.invoke('plugin:event|emit', { event, payload });
}
window.__lanternEmit = emit;

function strength(p) {
  const chars = [...p];
  const hints = [];
  if (chars.length < 12) hints.push('too_short');
  if (/password|123456|qwerty/i.test(p)) hints.push('common');
  if (/(.)\1{3,}/.test(p)) hints.push('repeated');
  const words = p.split(/\s+/).filter((w) => w.length >= 3).length;
  const score = hints.length ? Math.min(1, Math.floor(chars.length / 8)) : words >= 4 ? 4 : words >= 3 ? 3 : chars.length >= 16 ? 3 : 2;
  return { score, acceptable: chars.length >= 12 && score >= 2, min_length: 12, hints };
}

// --- drafts over recorded views ------------------------------------------------------

function recording(d) {
  return VIEWS[FORMS[d.form].rec[d.lang === 'ar' ? 'ar' : 'en']];
}
function repeatOf(path) {
  const parts = path.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const m = /^(.+)\[(\d+)\]$/.exec(parts[i]);
    if (m) return { repeat: [...parts.slice(0, i), m[1]].join('/'), instance: parts.slice(0, i + 1).join('/'), index: Number(m[2]), name: m[1] };
  }
  return null;
}
function currentView(d) {
  const view = structuredClone(recording(d).steps[d.cursor].view);
  for (const page of view.pages)
    for (const q of page.questions)
      if (d.patches.has(q.path)) {
        q.value = d.patches.get(q.path);
        q.outcome = q.required && !q.value ? { outcome: 'required_but_empty' } : { outcome: 'ok' };
      }
  return view;
}
/** The pages of the draft as capture pages them: engine pages plus a repeat prompt after each repeat's last instance. */
function pages(d) {
  const view = currentView(d);
  const out = [];
  view.pages.forEach((p, i) => {
    const r = repeatOf(p.path);
    const count = r ? new Set(view.pages.map((x) => repeatOf(x.path)).filter((x) => x && x.repeat === r.repeat).map((x) => x.instance)).size : 0;
    const questions = p.questions.map((q) => {
      const qr = repeatOf(q.path);
      return {
        path: q.path, name: q.name, type: q.type, label: q.label, hint: q.hint, appearance: q.appearance,
        parameters: q.type === 'range' ? [['start', '0'], ['end', '10'], ['step', '1']] : [],
        media: [], value: q.value, relevant: q.relevant, required: q.required, read_only: q.read_only,
        choices: q.choices, outcome: q.outcome,
        repeat: qr ? { instance: qr.instance, index: qr.index, count, label: d.lang === 'ar' ? 'الأسرة' : 'Household', fixed: false } : null,
      };
    });
    out.push({ path: p.path, relevant: p.relevant, content: { kind: 'questions', label: p.label, questions } });
    const next = view.pages[i + 1];
    const nr = next ? repeatOf(next.path) : null;
    if (r && !(nr && nr.repeat === r.repeat)) {
      out.push({ path: r.repeat, relevant: p.relevant, content: { kind: 'repeat_prompt', repeat: r.repeat, label: d.lang === 'ar' ? 'الأسرة' : 'Household', count } });
    }
  });
  return out;
}
function ending(d) {
  return d.form === 'camp_safety_audit' && (d.patches.get('/camp_safety_audit/site_consent') === 'no' || currentView(d).pages.some((p) => p.questions.some((q) => q.name === 'site_consent' && q.value === 'no'))) ? 'refused' : null;
}
function draftView(d) {
  const all = pages(d);
  const relevant = all.map((p, i) => ({ p, i })).filter((x) => x.p.relevant);
  if (!all[d.page] || !all[d.page].relevant) d.page = relevant.find((x) => x.i >= d.page)?.i ?? relevant[relevant.length - 1].i;
  const pos = relevant.findIndex((x) => x.i === d.page);
  const page = all[d.page];
  const answered = all.filter((p) => p.relevant && p.content.kind === 'questions' && p.content.questions.some((q) => q.value)).length;
  const view = currentView(d);
  return {
    draft_id: d.id, form_id: d.form, form_version: FORMS[d.form].version, title: view.title,
    language: view.language, languages: view.languages, site: d.site, round: d.round,
    page_count: all.length, page: { index: d.page, path: page.path, content: page.content },
    progress: { position: pos + 1, relevant_pages: relevant.length, answered },
    at_start: pos === 0, at_end: pos === relevant.length - 1, ending: ending(d), saved_at: d.savedAt,
  };
}
function saved(d) {
  d.savedAt = new Date().toISOString();
  emit('draft://saved', { draft_id: d.id, saved_at: d.savedAt });
}
function advance(d, op, args) {
  const steps = recording(d).steps;
  const next = steps[d.cursor + 1];
  if (next && next.op === op && JSON.stringify(next.args) === JSON.stringify(args)) {
    d.cursor += 1;
    if (op === 'answer') d.patches.delete(args.path);
    return true;
  }
  return false;
}
function blockers(d) {
  const all = pages(d);
  const out = [];
  all.forEach((p, page_index) => {
    if (!p.relevant || p.content.kind !== 'questions') return;
    for (const q of p.content.questions) {
      if (!q.relevant) continue;
      if (q.required && !q.value) out.push({ path: q.path, label: q.label, page_index, outcome: { outcome: 'required_but_empty' } });
      else if (q.outcome.outcome === 'constraint_violated') out.push({ path: q.path, label: q.label, page_index, outcome: q.outcome });
    }
  });
  return ending(d) ? [] : out;
}
function draft(id) {
  const d = drafts.get(id);
  if (!d) throw err('capture.unknown_draft', `no draft ${id}`);
  return d;
}

// --- finalized responses (issue 16, item 1) ------------------------------------------
// Recorded from the generator's vault (`share.responses`): the list as submissions_list
// gives it (Hodan's audits, two counted in figures a server acknowledged, a refusal; the
// women's interviews, one due for deletion), every response's receipt code, and three
// responses opened read-only by the core in English and Arabic (a Hodan audit, an
// endline interview, the refusal). Any other response opens with its own row and receipt
// in the recorded layout of its form. A draft finalized here joins the list with a
// receipt of its own and opens as it was filled. Exports are hand-written (the file name
// as the shell makes it).
const RESPONSES = SHARE.responses;
let responses = structuredClone(RESPONSES.list);
const receipts = { ...RESPONSES.receipts };
const filledViews = new Map();
const SESSION_RECEIPTS = ['H4RW-9KPC', 'T2VB-6MQX', 'D8NE-3ZFY', 'P5JG-7WSA'];
const EXPORT_DIR = '/home/enumerator/.local/share/org.lantern.field/exports';

/** As the core reads a typed code: case, spaces and dashes ignored, O → 0, I and L → 1; null when it cannot be one. */
function normalizeReceipt(typed) {
  const chars = [];
  for (const c of String(typed).toUpperCase()) {
    if (c === ' ' || c === '-' || (c >= '\u2010' && c <= '\u2015')) continue;
    const d = c === 'O' ? '0' : c === 'I' || c === 'L' ? '1' : c;
    if (!'0123456789ABCDEFGHJKMNPQRSTVWXYZ'.includes(d)) return null;
    chars.push(d);
  }
  return chars.length === 8 ? `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}` : null;
}
function responseView(id, lang) {
  const row = responses.find((r) => r.submission_id === id);
  if (!row) throw err('capture.unknown_draft', `no open or stored draft ${id}`);
  if (filledViews.has(id)) return structuredClone(filledViews.get(id));
  const l = lang === 'ar' ? 'ar' : 'en';
  const recorded = RESPONSES.views[`${id}|${l}`] ?? RESPONSES.views[`${id}|en`];
  if (recorded) return structuredClone(recorded);
  if (row.refusal) return { row: structuredClone(row), receipt: null, pages: [] };
  const key = Object.keys(RESPONSES.views).find((k) => k.endsWith(`|${l}`) && RESPONSES.views[k].row.form_id === row.form_id && !RESPONSES.views[k].row.refusal);
  const like = key ? RESPONSES.views[key] : null;
  return { row: structuredClone(row), receipt: receipts[id] ?? null, pages: like ? structuredClone(like.pages) : [] };
}

// --- commands ---------------------------------------------------------------------

const COMMANDS = {
  app_info: () => ({ version: '0.1.0', demo: scenario === 'demo' }),
  vault_state: () => state(),
  passphrase_strength: ({ passphrase }) => strength(passphrase),
  vault_create: ({ passphrase }) => {
    if (vault.exists) throw err('vault.already_exists', 'a vault exists');
    if (!strength(passphrase).acceptable) throw err('capture.weak_passphrase', 'too weak');
    Object.assign(vault, { exists: true, unlocked: true, passphrase });
    return state();
  },
  vault_unlock: ({ passphrase }) => {
    if (Date.now() < vault.waitUntil) throw err('app.unlock_wait', 'wait');
    if (passphrase !== vault.passphrase) {
      vault.failures += 1;
      if (vault.failures >= 3) vault.waitUntil = Date.now() + 5000 * 2 ** (vault.failures - 3);
      throw err('vault.wrong_passphrase', 'the vault could not be unlocked');
    }
    vault.failures = 0;
    vault.unlocked = true;
    return state();
  },
  vault_lock: () => {
    vault.unlocked = false;
    emit('vault://locked', { reason: 'user' });
    return state();
  },
  vault_touch: () => null,
  vault_set_duress: ({ passphrase }) => {
    if (passphrase !== vault.passphrase) throw err('vault.wrong_passphrase', 'no');
    return null;
  },
  quick_exit: () => {
    vault.unlocked = false;
    emit('vault://locked', { reason: 'quick_exit' });
    return null;
  },
  home: () => {
    needUnlocked();
    const counts = new Map();
    for (const f of finalized) {
      const key = `${f.form}|${f.site}|${f.round}`;
      const c = counts.get(key) ?? { form_id: f.form, title: FORMS[f.form].title, site: f.site, round: f.round, count: 0, refusals: 0 };
      if (f.refusal) c.refusals += 1;
      else c.count += 1;
      counts.set(key, c);
    }
    return {
      forms: [
        ...Object.entries(FORMS).map(([form_id, f]) => ({ status: 'ok', file: f.file, form_id, version: f.version, title: f.title, languages: ['English (en)', 'العربية (ar)'], default_language: 'English (en)', sites: SITES, rounds: ROUNDS, policy: [] })),
        { status: 'broken', file: 'exposing_form.xlsx', code: 'capture.form_unusable', message: 'exposing_form.xlsx: the form has errors; fix them to fill it', policy: EXPOSING_FINDINGS },
        { status: 'broken', file: 'zz_broken.xlsx', code: 'workbook.unreadable', message: 'the workbook could not be read as .xlsx: invalid Zip archive', policy: [] },
      ],
      drafts: [...drafts.values()].map((d) => ({ draft_id: d.id, form_id: d.form, form_version: FORMS[d.form].version, title: FORMS[d.form].title, site: d.site, round: d.round, updated_day: '2026-11-30', answered: draftView(d).progress.answered })),
      finalized: [...counts.values()],
      sync: { state: 'not_configured' },
    };
  },
  draft_start: ({ request }) => {
    needUnlocked();
    if (!FORMS[request.form_id]) throw err('capture.unknown_form', request.form_id);
    const d = { id: `draft-${nextId++}`, form: request.form_id, lang: request.ui_language === 'ar' ? 'ar' : 'en', site: request.site, round: request.round, cursor: 0, page: 0, patches: new Map(), savedAt: null };
    drafts.set(d.id, d);
    saved(d);
    return draftView(d);
  },
  draft_resume: ({ draftId }) => (needUnlocked(), draftView(draft(draftId))),
  draft_go: ({ draftId, nav }) => {
    needUnlocked();
    const d = draft(draftId);
    const all = pages(d);
    const rel = all.map((p, i) => ({ p, i })).filter((x) => x.p.relevant).map((x) => x.i);
    const pos = rel.indexOf(d.page);
    if (nav.to === 'next') d.page = rel[Math.min(pos + 1, rel.length - 1)];
    else if (nav.to === 'back') d.page = rel[Math.max(pos - 1, 0)];
    else if (nav.to === 'page') d.page = nav.index;
    else d.page = Math.max(0, all.findIndex((p) => p.path === nav.path || (p.content.questions ?? []).some((q) => q.path === nav.path)));
    return draftView(d);
  },
  draft_answer: ({ draftId, path, value }) => {
    needUnlocked();
    const d = draft(draftId);
    const bare = path.replace(/^\/[^/]+\//, '');
    if (!advance(d, 'answer', { path, value }) && !advance(d, 'answer', { path: bare, value })) d.patches.set(path, value);
    saved(d);
    return draftView(d);
  },
  draft_repeat_add: ({ draftId, repeat }) => {
    const d = draft(draftId);
    if (!advance(d, 'add_repeat', { repeat })) throw err('engine.not_a_repeat', `the recording has no add of ${repeat} here`);
    const all = pages(d);
    d.page = all.findLastIndex((p) => p.content.kind === 'questions' && repeatOf(p.path)?.repeat === repeat && repeatOf(p.path).index === Math.max(...all.map((x) => (repeatOf(x.path)?.repeat === repeat ? repeatOf(x.path).index : 0))));
    const first = all.findIndex((p) => repeatOf(p.path)?.instance === repeatOf(all[d.page].path).instance);
    d.page = first;
    saved(d);
    return draftView(d);
  },
  draft_repeat_remove: ({ draftId, instance }) => {
    const d = draft(draftId);
    if (!advance(d, 'remove_repeat', { instance })) throw err('engine.not_a_repeat', `the recording has no removal of ${instance} here`);
    saved(d);
    return draftView(d);
  },
  draft_repeat_move: ({ draftId }) => draftView(draft(draftId)),
  draft_set_language: ({ draftId, language }) => {
    const d = draft(draftId);
    d.lang = language.endsWith('(ar)') ? 'ar' : 'en';
    return draftView(d);
  },
  draft_index: ({ draftId }) => {
    const d = draft(draftId);
    return pages(d).map((p, index) => ({
      index,
      label: p.content.kind === 'questions' ? (p.content.label ?? p.content.questions[0]?.label ?? p.path) : p.content.label,
      relevant: p.relevant,
      answered: p.content.kind === 'questions' && p.content.questions.filter((q) => q.relevant && q.type !== 'note').every((q) => q.value),
      blocking: blockers(d).some((b) => b.page_index === index),
    }));
  },
  draft_check: ({ draftId }) => {
    const d = draft(draftId);
    const blocking = blockers(d);
    return { finalizable: blocking.length === 0, blocking, ending: ending(d) };
  },
  draft_finalize: ({ draftId }) => {
    const d = draft(draftId);
    if (blockers(d).length) throw err('capture.not_finalizable', 'something blocks');
    const refusal = ending(d) === 'refused';
    const id = `uuid:${d.id}`;
    finalized.push({ id, form: d.form, site: d.site, round: d.round, refusal });
    // The response joins the finalized ones; a refusal has no receipt (nothing to withdraw).
    const receipt = refusal ? null : SESSION_RECEIPTS[filledViews.size % SESSION_RECEIPTS.length];
    const row = { submission_id: id, form_id: d.form, form_version: FORMS[d.form].version, title: FORMS[d.form].title, site: d.site, round: d.round, finalized_day: '2026-11-30', refusal, state: { state: 'kept' } };
    responses = [...responses, row];
    receipts[id] = receipt;
    const all = pages(d);
    const filled = refusal ? [] : all.map((p, index) => ({ index, path: p.path, content: p.content })).filter((_, i) => all[i].relevant);
    filledViews.set(id, { row, receipt, pages: filled });
    drafts.delete(d.id);
    return { submission_id: id, refusal, receipt };
  },
  draft_close: () => null,
  draft_discard: ({ draftId }) => (drafts.delete(draftId), null),
  form_media: () => ({ mime: 'image/png', data_url: '/favicon.png' }),
  ui_language: () => uiLanguage,
  set_ui_language: ({ language }) => ((uiLanguage = language), null),
  referrals_get: () => (needUnlocked(), structuredClone(referrals)),
  referrals_set: ({ cards }) => ((referrals = structuredClone(cards)), null),
  submissions_list: () => (needUnlocked(), structuredClone(responses)),
  submission_open: ({ submissionId, uiLanguage }) => (needUnlocked(), responseView(submissionId, uiLanguage)),
  receipt_find: ({ code }) => {
    needUnlocked();
    const normal = normalizeReceipt(code);
    if (!normal) throw err('capture.bad_receipt', RESPONSES.bad_receipt);
    return structuredClone(responses.find((r) => receipts[r.submission_id] === normal) ?? null);
  },
  submission_withdraw: ({ submissionId }) => {
    needUnlocked();
    if (!responses.some((r) => r.submission_id === submissionId)) throw err('capture.unknown_draft', `no open or stored draft ${submissionId}`);
    responses = responses.filter((r) => r.submission_id !== submissionId);
    const i = finalized.findIndex((f) => f.id === submissionId);
    if (i >= 0) finalized.splice(i, 1);
    return null;
  },
  export_aggregates: ({ request }) => {
    needUnlocked();
    if (!request.agreement.trim()) throw err('settings.invalid', 'name the data-sharing agreement this export falls under');
    if (!['csv', 'xlsx', 'hxl'].includes(request.format)) throw err('settings.invalid', `unknown format ${JSON.stringify(request.format)}: csv, xlsx or hxl`);
    const group = groupsIn('en').find((g) => g.form_id === request.form_id && g.site === request.site && g.round === request.round);
    if (!group) throw err('share.no_results', `no finalized, consenting response of ${request.form_id} at ${request.site} for that round`);
    if (group.release.state !== 'releasable') throw err('settings.invalid', 'nothing may be exported now: every table is held back by disclosure control');
    const ext = request.format === 'xlsx' ? 'xlsx' : 'csv';
    const file = `${EXPORT_DIR}/lantern-${request.form_id}-20261130-101500${request.format === 'hxl' ? '-hxl' : ''}.${ext}`;
    return { file, bytes: { csv: 4318, hxl: 4506, xlsx: 9871 }[request.format], batches: 1, held: 0 };
  },
  share_groups: ({ uiLanguage }) => (needUnlocked(), groupsIn(uiLanguage)),
  results: ({ formId, site, round, uiLanguage }) => {
    needUnlocked();
    const r = SHARE.results[shareKey(formId, site, round, shareLang(uiLanguage))] ?? SHARE.results[shareKey(formId, site, round, 'en')];
    if (!r) throw err('share.no_results', `no finalized, consenting response of ${formId} at ${site} for that round`);
    const out = structuredClone(r);
    out.group = groupsIn(uiLanguage).find((g) => g.form_id === formId && g.site === site && g.round === round) ?? out.group;
    return out;
  },
  share_preview: ({ formId, site, round, uiLanguage }) => {
    needUnlocked();
    const group = groupsIn(uiLanguage).find((g) => g.form_id === formId && g.site === site && g.round === round);
    if (!group) throw err('share.no_results', 'no results');
    if (group.release.state !== 'releasable') return { group, payload: null };
    const p = SHARE.previews[shareKey(formId, site, round, shareLang(uiLanguage))] ?? SHARE.previews[shareKey(formId, site, round, 'en')];
    if (!p) throw err('share.no_results', 'this preview was not recorded');
    keptHash = p.payload.hash;
    return { ...structuredClone(p), group };
  },
  share_approve: ({ hash }) => {
    needUnlocked();
    if (hash !== keptHash) throw err('share.stale_preview', 'what would be sent changed since the preview was shown (or the preview is no longer kept): look at the new preview before approving');
    keptHash = null;
    const item = { ...structuredClone(SHARE.approved.item), batch_hash: hash };
    approvedGroups = structuredClone(SHARE.approved.groups_en);
    const recorded = structuredClone(SHARE.approved.sync);
    sync = { ...sync, queued: sync.queued + 1, items: [item, ...sync.items.filter((i) => i.batch_id !== item.batch_id)], next_retry_at: sync.next_retry_at ?? recorded.next_retry_at };
    return item;
  },
  sync_status: () => (needUnlocked(), structuredClone(sync)),
  sync_enroll: ({ request }) => {
    needUnlocked();
    if (sync.enrollment) throw err('sync.already_enrolled', 'this device is already enrolled');
    if (!/^https?:\/\/[^\s/]+/.test(request.server_url)) throw err('sync.bad_url', `not a server address: ${request.server_url}`);
    if (request.pin && !/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(request.pin)) throw err('sync.bad_pin', 'a pin is 32 hex pairs separated by colons');
    const plain = request.server_url.startsWith('http://127.0.0.1') || request.server_url.startsWith('http://localhost');
    sync = { ...sync, enrollment: { ...ENROLLMENT, server_url: request.server_url, pin: plain ? null : (request.pin ?? PIN).toUpperCase(), enrolled_at: '2026-11-30T10:05:00Z' } };
    return structuredClone(sync);
  },
  settings_get: () => (needUnlocked(), structuredClone(settings)),
  settings_set_idle_lock: ({ minutes }) => {
    needUnlocked();
    if (!settings.idle_lock_choices.includes(minutes)) throw err('settings.invalid', 'the vault can lock after 1, 2, 5, 10, 15 minutes of inactivity');
    settings = { ...settings, idle_lock_minutes: minutes };
    return structuredClone(settings);
  },
  settings_set_retention: ({ formId, days }) => {
    needUnlocked();
    const row = settings.retention.find((r) => r.form_id === formId);
    if (!row) throw err('capture.unknown_form', `no form ${formId}`);
    if (days !== null && row.form_days === null) throw err('settings.invalid', 'this form sets no retention period, so none can be shortened');
    if (days !== null && days > row.form_days) throw err('settings.invalid', `the form allows keeping responses at most ${row.form_days} days after they are sent`);
    settings = { ...settings, retention: settings.retention.map((r) => (r.form_id === formId ? { ...r, days } : r)) };
    return structuredClone(settings);
  },
  vault_change_passphrase: ({ passphrase, newPassphrase }) => {
    needUnlocked();
    if (!strength(newPassphrase).acceptable) throw err('capture.weak_passphrase', 'too weak');
    if (passphrase !== vault.passphrase) throw err('vault.wrong_passphrase', 'wrong passphrase');
    vault.passphrase = newPassphrase;
    logEvent('passphrase_changed', '');
    return null;
  },
  sites_import: ({ text }) => {
    needUnlocked();
    const { rows, problems } = parseSites(text);
    if (problems.length) return { imported: 0, problems };
    settings = { ...settings, sites: rows };
    return { imported: rows.length, problems: [] };
  },
  audit_log: () => {
    needUnlocked();
    const broken = params.get('audit') === 'broken';
    return { verified: !broken, checked: broken ? 0 : audit.length, problem: broken ? 'Disconnected { seq: 9 }' : null, entries: structuredClone(audit).reverse() };
  },
  backup_create: ({ to }) => {
    needUnlocked();
    if (to.kind === 'passphrase' && !strength(to.passphrase).acceptable) throw err('vault.weak_passphrase', 'the backup passphrase is too easy to guess');
    if (to.kind === 'org_key' && !/^[0-9a-fA-F]{64}$/.test(to.public_key)) throw err('vault.invalid_input', 'an organisation public key is 64 hex digits (from `lantern vault org-keygen`)');
    const d = new Date();
    const p2 = (n) => String(n).padStart(2, '0');
    const name = `lantern-backup-${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}-${p2(d.getHours())}${p2(d.getMinutes())}${p2(d.getSeconds())}${backups.length}.lbk`;
    const file = `${BACKUP_DIR}/${name}`;
    const done = { file, name, submissions: 11, forms: 2, bytes: 51874, skipped: 0 };
    backups = [...backups, { name, file, bytes: done.bytes, modified: d.toISOString() }];
    logEvent('backup', `mode=${to.kind === 'passphrase' ? 'passphrase' : 'org_key'} submissions=11 forms=2 skipped=0`);
    return done;
  },
  backup_list: () => structuredClone(backups).sort((a, b) => b.modified.localeCompare(a.modified)),
  vault_restore: ({ request }) => {
    if (vault.exists) throw err('vault.already_exists', 'a vault already exists in /home/enumerator/.local/share/org.lantern.field/vault');
    if (!strength(request.passphrase).acceptable) throw err('capture.weak_passphrase', 'too weak');
    const b = backups.find((x) => x.file === request.file || x.name === request.file);
    if (!b) throw err('vault.io', `file error: ${request.file}: No such file or directory (os error 2)`);
    if (request.secret.kind === 'org_key_file') throw err('vault.invalid_input', 'this backup is protected by a backup passphrase');
    if (request.secret.passphrase !== BACKUP_PASS) throw err('vault.decryption', 'vault data could not be decrypted: it is damaged or has been tampered with');
    Object.assign(vault, { exists: true, unlocked: true, passphrase: request.passphrase });
    logEvent('restore', 'submissions=11 forms=2');
    return state();
  },
  vault_wipe: () => {
    if (!vault.exists) throw err('app.no_vault', 'no vault');
    Object.assign(vault, { exists: false, unlocked: false });
    drafts.clear();
    emit('vault://locked', { reason: 'user' });
    return state();
  },
  sync_now: () => {
    needUnlocked();
    if (!sync.enrollment) throw err('sync.not_enrolled', 'this device is not enrolled with a server');
    // The server stays out of reach here: the shell says so, and tries again by itself.
    sync = { ...sync, offline: true, next_retry_at: sync.next_retry_at ?? '2026-11-30T10:30:00Z' };
    emit('sync://changed', structuredClone(sync));
    return structuredClone(sync);
  },
};

mockIPC(
  (cmd, args) => {
    calls.push(cmd);
    const f = COMMANDS[cmd];
    if (!f) throw err('ipc.unknown', `unknown command ${cmd}`);
    return f(args ?? {});
  },
  { shouldMockEvents: true },
);

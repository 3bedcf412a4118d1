// An in-memory Backend for component tests: a vault with a passphrase and one form of a
// few pages the test gives, navigated as the shell does (relevant pages, next/back, an
// index). Answers are patched into the pages. Results, send previews and sync come from
// share-fixtures.ts: approving needs the previewed hash, a stale preview can be staged,
// enrolling turns the not-enrolled view into an enrolled one, and `fireSync` plays the
// shell's `sync://changed`. Finalized responses come from submission-fixtures.ts (a
// finalized draft joins them with its receipt; a receipt finds one, withdrawing removes
// it); an export is refused without an agreement or for a group that may not be released.
// Device settings keep their state: idle lock, retention bounded
// by each form's period, a site list read as the core reads it (every row or none), an
// audit log that can be staged broken, backups opened by BACKUP_PASSPHRASE, and a wipe
// that plays the shell's `vault://locked`. The browser tier goes through the real IPC.
import { AppError, type AuditView, type Backend, type BackupFile, type DeviceSettings, type DraftView, type Home, type LineProblem, type PageContent, type Question, type ReferralCards, type SyncView } from '../lib/backend';
import { CAMP_RESULTS, ENDLINE_RESULTS, ENROLLMENT, GROUPS, HASH_1, HASH_2, NOT_ENROLLED, preview } from './share-fixtures';
import { RECEIPTS, ROWS, normalizeReceipt, viewOf } from './submission-fixtures';

export function question(path: string, extra: Partial<Question> = {}): Question {
  return {
    path,
    name: path.split('/').pop()!.replace(/\[\d+\]$/, ''),
    type: 'text',
    label: `Label of ${path.split('/').pop()}`,
    hint: '',
    appearance: null,
    parameters: [],
    media: [],
    value: '',
    relevant: true,
    required: false,
    read_only: false,
    choices: [],
    outcome: { outcome: 'ok' },
    repeat: null,
    ...extra,
  };
}

export interface FakeForm {
  title: string;
  languages: string[];
  pages: { path: string; content: PageContent }[];
}

export interface FakeShare {
  /** The sync view at start (default: not enrolled, nothing approved). */
  sync?: SyncView;
  /** The first approval finds the data changed since the preview (`share.stale_preview`). */
  staleOnce?: boolean;
  /** Enrolling fails with this code. */
  enrollFails?: string;
}

export interface FakeSettings {
  /** The audit log's chain is broken at this entry (`Disconnected`), else it verifies. */
  auditBrokenAt?: number;
  /** The backups folder at start (default: two backups). */
  backups?: BackupFile[];
}

/** The passphrase that opens the fake's backups (restore). */
export const BACKUP_PASSPHRASE = 'amber kettle window ninety';

export const FAKE_BACKUPS: BackupFile[] = [
  { name: 'lantern-backup-20261128-170412.lbk', file: '/home/field/.local/share/lantern/backups/lantern-backup-20261128-170412.lbk', bytes: 48_213, modified: '2026-11-28T17:04:12Z' },
  { name: 'lantern-backup-20261130-091500.lbk', file: '/home/field/.local/share/lantern/backups/lantern-backup-20261130-091500.lbk', bytes: 1_310_720, modified: '2026-11-30T09:15:00Z' },
];

/** A small CSV reader as the core's site import reads a list: code and name, then admin areas. */
function parseSites(text: string): { rows: DeviceSettings['sites']; problems: LineProblem[] } {
  const at = (line: number, code: string, message: string, site: string | null = null): LineProblem => ({ line, code, site, column: null, message });
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const code = header.findIndex((h) => h === 'site_code' || h === 'code');
  const name = header.findIndex((h) => h === 'site_name' || h === 'name');
  if (code < 0 || name < 0) return { rows: [], problems: [at(1, 'sites.header', 'the header needs site_code, site_name and admin1 (admin2, … optional) columns')] };
  const admin = header.map((h, i) => (/^admin\d+/.test(h) ? i : -1)).filter((i) => i >= 0);
  const rows: DeviceSettings['sites'] = [];
  const problems: LineProblem[] = [];
  lines.slice(1).forEach((l, i) => {
    if (!l.trim()) return;
    const cells = l.split(',').map((c) => c.trim());
    const line = i + 2;
    if (!cells[code]) problems.push(at(line, 'sites.bad_code', 'site_code is empty'));
    else if (!cells[name]) problems.push(at(line, 'sites.no_name', `site ${cells[code]} has no name`, cells[code]));
    else if (rows.some((r) => r.code === cells[code])) problems.push(at(line, 'sites.duplicate', `site ${cells[code]} appears twice`, cells[code]));
    else rows.push({ code: cells[code], name: cells[name], admin: admin.map((a) => cells[a] ?? '').filter(Boolean) });
  });
  if (!problems.length && !rows.length) problems.push(at(0, 'sites.no_site', 'the file lists no site'));
  return { rows, problems };
}

export function fakeBackend(opts: { form: FakeForm; exists?: boolean; passphrase?: string; home?: Partial<Home>; share?: FakeShare; settings?: FakeSettings }) {
  const calls: string[] = [];
  let exists = opts.exists ?? true;
  let unlocked = false;
  let failures = 0;
  let passphrase = opts.passphrase ?? 'correct horse battery staple';
  const form = structuredClone(opts.form);
  let language = form.languages[0] ?? '';
  let at = 0;
  let referrals: ReferralCards = { cards: [{ site: 'SO2401-0001', services: [{ name: 'Women’s centre', contact: '+252 61 000 0000', hours: 'Sun–Thu 8–16', notes: '' }] }] };
  const locked: ((e: { reason: 'user' | 'idle' | 'quick_exit' }) => void)[] = [];
  const synced: ((v: SyncView) => void)[] = [];
  let sync: SyncView = structuredClone(opts.share?.sync ?? NOT_ENROLLED);
  let stale = opts.share?.staleOnce ?? false;
  let changed = false;
  /** The hash of the preview the shell keeps (approve names it), as `share_preview` sets it. */
  let kept: string | null = null;
  let groups = structuredClone(GROUPS);
  let submissions = structuredClone(ROWS);
  const receipts = { ...RECEIPTS };
  /** The form's `consent` question answered "no": the form ends in a refusal. */
  const refused = () => form.pages.some((p) => p.content.kind === 'questions' && p.content.questions.some((q) => q.name === 'consent' && q.value === 'no'));
  let settings: DeviceSettings = {
    idle_lock_minutes: 5,
    idle_lock_choices: [1, 2, 5, 10, 15],
    retention: [
      { form_id: 'camp_safety_audit', title: 'Camp safety audit', form_days: 90, days: null },
      { form_id: 'widgets', title: form.title, form_days: null, days: null },
      { form_id: 'womens_participation', title: "Women's participation", form_days: 180, days: 60 },
    ],
    sites: [
      { code: 'SO2401-0001', name: 'Hodan camp', admin: ['SO24', 'SO2401'] },
      { code: 'SO2401-0002', name: 'Garasbaley', admin: ['SO24', 'SO2401'] },
    ],
  };
  let backups = structuredClone(opts.settings?.backups ?? FAKE_BACKUPS);
  const audit: AuditView['entries'] = [
    { seq: 1, at: '2026-11-20T08:00:00Z', event: 'vault_created', detail: '' },
    { seq: 2, at: '2026-11-20T08:01:00Z', event: 'unlock', detail: '' },
    { seq: 3, at: '2026-11-21T10:00:00Z', event: 'finalize', detail: 'form=camp_safety_audit id=uuid:1' },
    { seq: 4, at: '2026-11-22T09:00:00Z', event: 'device_rekeyed', detail: 'reason=test' },
  ];
  const home: Home = {
    forms: [
      {
        status: 'ok',
        file: 'widgets.xlsx',
        form_id: 'widgets',
        version: '1',
        title: form.title,
        languages: form.languages,
        default_language: form.languages[0] ?? null,
        sites: [{ name: 'SO2401-0001', label: 'Hodan camp' }],
        rounds: [{ name: '2026-r1', label: 'Round 1 (2026)' }],
        policy: [],
      },
    ],
    drafts: [],
    finalized: [],
    sync: { state: 'not_configured' },
    ...opts.home,
  };
  const relevant = () => form.pages.map((p, i) => ({ p, i })).filter(({ p }) => p.content.kind !== 'questions' || p.content.questions.some((q) => q.relevant));
  function view(): DraftView {
    const r = relevant();
    const pos = r.findIndex((x) => x.i === at);
    const page = form.pages[at];
    return {
      draft_id: 'd1',
      form_id: 'widgets',
      form_version: '1',
      title: form.title,
      language,
      languages: form.languages,
      site: null,
      round: null,
      page_count: form.pages.length,
      page: { index: at, path: page.path, content: structuredClone(page.content) },
      progress: { position: pos + 1, relevant_pages: r.length, answered: 0 },
      at_start: pos === 0,
      at_end: pos === r.length - 1,
      ending: null,
      saved_at: null,
    };
  }
  function unsupported(name: string) {
    return async (): Promise<never> => {
      throw new AppError('fake.unsupported', `${name} is not in this fake backend`);
    };
  }
  function needUnlocked() {
    if (!unlocked) throw new AppError('app.locked', 'the vault is locked');
  }
  const backend: Backend = {
    appInfo: async () => ({ version: '0.1.0', demo: false }),
    vaultState: async () => ({ exists, unlocked, demo: false, retry_after_seconds: failures >= 3 ? 30 : 0, idle_lock_seconds: 300 }),
    passphraseStrength: async (p) => {
      const score = p.length < 8 ? 0 : p.length < 12 ? 1 : p.split(' ').length >= 4 ? 4 : 2;
      return { score, acceptable: p.length >= 12 && score >= 2, min_length: 12, hints: p.length < 12 ? ['too_short'] : [] };
    },
    vaultCreate: async (p) => {
      calls.push('create');
      exists = true;
      unlocked = true;
      passphrase = p;
      return backend.vaultState();
    },
    vaultUnlock: async (p) => {
      calls.push('unlock');
      if (failures >= 3) throw new AppError('app.unlock_wait', 'wait');
      if (p !== passphrase) {
        failures += 1;
        throw new AppError('vault.wrong_passphrase', 'could not unlock');
      }
      unlocked = true;
      return backend.vaultState();
    },
    vaultLock: async () => {
      calls.push('lock');
      unlocked = false;
      return backend.vaultState();
    },
    vaultTouch: async () => {},
    vaultSetDuress: async () => {
      calls.push('duress');
    },
    quickExit: async () => {
      calls.push('quick_exit');
      unlocked = false;
    },
    home: async () => (needUnlocked(), structuredClone(home)),
    draftStart: async (req) => {
      needUnlocked();
      calls.push(`start ${req.form_id} ${req.site} ${req.round} ${req.ui_language}`);
      at = relevant()[0].i;
      return view();
    },
    draftResume: async () => (needUnlocked(), view()),
    draftGo: async (_d, nav) => {
      needUnlocked();
      const r = relevant();
      const pos = r.findIndex((x) => x.i === at);
      if (nav.to === 'next') at = r[Math.min(pos + 1, r.length - 1)].i;
      else if (nav.to === 'back') at = r[Math.max(pos - 1, 0)].i;
      else if (nav.to === 'page') at = nav.index;
      return view();
    },
    draftAnswer: async (_d, path, value) => {
      needUnlocked();
      calls.push(`answer ${path}=${value}`);
      for (const p of form.pages) if (p.content.kind === 'questions') for (const q of p.content.questions) if (q.path === path) q.value = value;
      return view();
    },
    draftRepeatAdd: async (_d, repeat) => (calls.push(`add ${repeat}`), view()),
    draftRepeatRemove: async (_d, instance) => (calls.push(`remove ${instance}`), view()),
    draftRepeatMove: async () => view(),
    draftSetLanguage: async (_d, l) => {
      calls.push(`language ${l}`);
      language = l;
      return view();
    },
    draftIndex: async () =>
      form.pages.map((p, index) => ({
        index,
        label: p.content.kind === 'questions' ? (p.content.label ?? p.content.questions[0]?.label ?? p.path) : p.content.label,
        relevant: true,
        answered: p.content.kind === 'questions' && p.content.questions.every((q) => !!q.value),
        blocking: p.content.kind === 'questions' && p.content.questions.some((q) => q.required && !q.value),
      })),
    draftCheck: async () => {
      const blocking = form.pages.flatMap((p, page_index) =>
        p.content.kind === 'questions'
          ? p.content.questions.filter((q) => q.required && !q.value).map((q) => ({ path: q.path, label: q.label, page_index, outcome: { outcome: 'required_but_empty' as const } }))
          : [],
      );
      // A `consent` answered "no" ends the form: only the refusal is kept, nothing blocks.
      if (refused()) return { finalizable: true, blocking: [], ending: 'refused' as const };
      return { finalizable: blocking.length === 0, blocking, ending: null };
    },
    draftFinalize: async () => {
      needUnlocked();
      calls.push('finalize');
      const refusal = refused();
      const receipt = refusal ? null : 'K7QM-2XPD';
      // The new response joins the finalized ones (its receipt finds it, to withdraw it).
      submissions = [...submissions, { submission_id: 'uuid:1', form_id: 'widgets', form_version: '1', title: form.title, site: null, round: null, finalized_day: '2026-11-30', refusal, state: { state: 'kept' } }];
      receipts['uuid:1'] = receipt;
      return { submission_id: 'uuid:1', refusal, receipt };
    },
    draftClose: async () => {
      calls.push('close');
    },
    draftDiscard: async (id) => {
      calls.push(`discard ${id}`);
    },
    formMedia: async (_f, _v, file) => ({ mime: 'image/png', data_url: `data:image/png;base64,${btoa(file)}` }),
    uiLanguage: async () => null,
    setUiLanguage: async (l) => {
      calls.push(`ui ${l}`);
    },
    referralsGet: async () => structuredClone(referrals),
    referralsSet: async (cards) => {
      referrals = structuredClone(cards);
    },
    // Finalized responses (issue 16, item 1): submission-fixtures.ts, as the core lists and opens them.
    submissionsList: async () => (needUnlocked(), calls.push('submissionsList'), structuredClone(submissions)),
    submissionOpen: async (id, l) => {
      needUnlocked();
      calls.push(`submissionOpen ${id} ${l}`);
      const row = submissions.find((r) => r.submission_id === id);
      const view = row && (viewOf(id) ?? { row: structuredClone(row), receipt: receipts[id] ?? null, pages: [] });
      if (!view) throw new AppError('capture.unknown_draft', `no draft or submission ${id}`);
      return view;
    },
    receiptFind: async (code) => {
      needUnlocked();
      calls.push(`receiptFind ${code}`);
      const normal = normalizeReceipt(code);
      if (!normal) throw new AppError('capture.bad_receipt', 'that is not a receipt code: a receipt code has 8 letters and digits, like ABCD-EFGH');
      return structuredClone(submissions.find((r) => receipts[r.submission_id] === normal) ?? null);
    },
    submissionWithdraw: async (id) => {
      needUnlocked();
      calls.push(`withdraw ${id}`);
      if (!submissions.some((r) => r.submission_id === id)) throw new AppError('capture.unknown_draft', `no draft or submission ${id}`);
      submissions = submissions.filter((r) => r.submission_id !== id);
    },
    // Device settings (issue 16, item 4), as the shell answers them.
    settingsGet: async () => (needUnlocked(), calls.push('settingsGet'), structuredClone(settings)),
    settingsSetIdleLock: async (minutes) => {
      needUnlocked();
      calls.push(`idleLock ${minutes}`);
      if (!settings.idle_lock_choices.includes(minutes)) throw new AppError('settings.invalid', 'the vault can lock after 1, 2, 5, 10, 15 minutes of inactivity');
      settings = { ...settings, idle_lock_minutes: minutes };
      return structuredClone(settings);
    },
    settingsSetRetention: async (formId, days) => {
      needUnlocked();
      calls.push(`retention ${formId} ${days}`);
      const row = settings.retention.find((r) => r.form_id === formId);
      if (!row) throw new AppError('capture.unknown_form', formId);
      if (days !== null && (row.form_days === null || days > row.form_days)) throw new AppError('settings.invalid', `the form allows keeping responses at most ${row.form_days} days after they are sent`);
      settings = { ...settings, retention: settings.retention.map((r) => (r.form_id === formId ? { ...r, days } : r)) };
      return structuredClone(settings);
    },
    vaultChangePassphrase: async (current, next) => {
      needUnlocked();
      calls.push('changePassphrase');
      if (current !== passphrase) throw new AppError('vault.wrong_passphrase', 'wrong passphrase');
      if ((await backend.passphraseStrength(next)).acceptable === false) throw new AppError('capture.weak_passphrase', 'too weak');
      passphrase = next;
      audit.push({ seq: audit.length + 1, at: '2026-11-30T10:00:00Z', event: 'passphrase_changed', detail: '' });
    },
    sitesImport: async (text) => {
      needUnlocked();
      calls.push('sitesImport');
      const { rows, problems } = parseSites(text);
      if (problems.length) return { imported: 0, problems };
      settings = { ...settings, sites: rows };
      return { imported: rows.length, problems: [] };
    },
    auditLog: async () => {
      needUnlocked();
      calls.push('auditLog');
      const broken = opts.settings?.auditBrokenAt;
      return {
        verified: broken === undefined,
        checked: broken === undefined ? audit.length : 0,
        problem: broken === undefined ? null : `Disconnected { seq: ${broken} }`,
        entries: structuredClone(audit).reverse(),
      };
    },
    exportAggregates: async (request) => {
      needUnlocked();
      calls.push(`export ${request.form_id} ${request.site} ${request.round} ${request.format} ${request.agreement}`);
      if (!request.agreement.trim()) throw new AppError('settings.invalid', 'name the data-sharing agreement this export falls under');
      const g = groups.find((x) => x.form_id === request.form_id && x.site === request.site && x.round === request.round);
      if (!g) throw new AppError('share.no_results', 'no results');
      if (g.release.state !== 'releasable') throw new AppError('settings.invalid', 'nothing may be exported now: every table is held back by disclosure control');
      const ext = request.format === 'xlsx' ? 'xlsx' : 'csv';
      const file = `/home/field/.local/share/org.lantern.field/exports/lantern-${request.form_id}-20261130-101500${request.format === 'hxl' ? '-hxl' : ''}.${ext}`;
      return { file, bytes: request.format === 'xlsx' ? 9_214 : 3_871, batches: 1, held: 0 };
    },
    backupCreate: async (to) => {
      needUnlocked();
      calls.push(`backup ${to.kind}`);
      if (to.kind === 'org_key' && !/^[0-9a-f]{64}$/.test(to.public_key)) throw new AppError('vault.invalid_input', 'an organisation public key is 64 hex digits');
      const name = 'lantern-backup-20261130-101500.lbk';
      const file = `/home/field/.local/share/lantern/backups/${name}`;
      backups = [...backups, { name, file, bytes: 52_480, modified: '2026-11-30T10:15:00Z' }];
      audit.push({ seq: audit.length + 1, at: '2026-11-30T10:15:00Z', event: 'backup', detail: `file=${name} submissions=3` });
      return { file, name, submissions: 3, forms: 2, bytes: 52_480, skipped: 1 };
    },
    backupList: async () => (calls.push('backupList'), structuredClone(backups).sort((a, b) => b.modified.localeCompare(a.modified))),
    vaultRestore: async (request) => {
      calls.push(`restore ${request.file} ${request.secret.kind}`);
      if (exists) throw new AppError('vault.already_exists', 'a vault already exists');
      if (!(await backend.passphraseStrength(request.passphrase)).acceptable) throw new AppError('capture.weak_passphrase', 'too weak');
      if (!backups.some((b) => b.file === request.file || b.name === request.file)) throw new AppError('vault.io', `${request.file}: No such file or directory (os error 2)`);
      if (request.secret.kind === 'passphrase' && request.secret.passphrase !== BACKUP_PASSPHRASE) throw new AppError('vault.decryption', 'vault data could not be decrypted');
      if (request.secret.kind === 'org_key_file') throw new AppError('vault.invalid_input', 'this backup is protected by a backup passphrase');
      exists = true;
      unlocked = true;
      passphrase = request.passphrase;
      return backend.vaultState();
    },
    vaultWipe: async () => {
      calls.push('wipe');
      exists = false;
      unlocked = false;
      locked.forEach((h) => h({ reason: 'user' }));
      return backend.vaultState();
    },
    shareGroups: async (l) => (needUnlocked(), calls.push(`shareGroups ${l}`), structuredClone(groups)),
    results: async (formId, site, round, l) => {
      needUnlocked();
      calls.push(`results ${formId} ${site} ${round} ${l}`);
      const r = [CAMP_RESULTS, ENDLINE_RESULTS].find((x) => x.group.form_id === formId && x.group.site === site && x.group.round === round);
      if (!r) throw new AppError('share.no_results', `no finalized, consenting response of ${formId} at ${site} for that round`);
      return structuredClone(r);
    },
    sharePreview: async (formId, site, round, l) => {
      needUnlocked();
      calls.push(`sharePreview ${formId} ${site} ${round} ${l}`);
      const g = groups.find((x) => x.form_id === formId && x.site === site && x.round === round);
      if (!g) throw new AppError('share.no_results', 'no results');
      // After a stale approval the data changed: a new preview, a new hash.
      const p = preview(g, changed ? HASH_2 : HASH_1);
      kept = p.payload?.hash ?? null;
      return structuredClone(p);
    },
    shareApprove: async (hash) => {
      needUnlocked();
      calls.push(`shareApprove ${hash}`);
      if (hash !== kept || stale) {
        changed = changed || stale;
        stale = false;
        kept = null;
        throw new AppError('share.stale_preview', 'what would be sent changed since the preview was shown');
      }
      kept = null;
      const item = { batch_id: 'batch-new', form_id: 'camp_safety_audit', title: 'Camp safety audit', site: 'SO2401-0001', round: '1', sequence: 1, batch_hash: hash, state: 'queued' as const, approved_at: '2026-11-30T10:00:00Z', sent_at: null, attempts: 0, next_attempt_at: null, problem: null };
      sync = { ...sync, queued: sync.queued + 1, items: [item, ...sync.items] };
      groups = groups.map((g) => (g.form_id === 'camp_safety_audit' && g.site === 'SO2401-0001' ? { ...g, release: { state: 'need_more_changes', changes: 0, needed: 5 } } : g));
      return structuredClone(item);
    },
    syncStatus: async () => (needUnlocked(), calls.push('syncStatus'), structuredClone(sync)),
    syncEnroll: async (request) => {
      needUnlocked();
      calls.push(`syncEnroll ${request.server_url} ${request.code} ${request.pin}`);
      if (opts.share?.enrollFails) throw new AppError(opts.share.enrollFails, 'enrollment failed');
      if (sync.enrollment) throw new AppError('sync.already_enrolled', 'already enrolled');
      sync = { ...sync, enrollment: { ...ENROLLMENT, server_url: request.server_url, pin: request.server_url.startsWith('http://127.0.0.1') ? null : ENROLLMENT.pin } };
      return structuredClone(sync);
    },
    syncNow: async () => {
      needUnlocked();
      calls.push('syncNow');
      if (!sync.enrollment) throw new AppError('sync.not_enrolled', 'this device is not enrolled');
      return structuredClone(sync);
    },
    onLocked: async (h) => {
      locked.push(h);
      return () => {};
    },
    onSaved: async () => () => {},
    onSync: async (h) => {
      synced.push(h);
      calls.push('onSync');
      return () => {
        calls.push('offSync');
        synced.splice(synced.indexOf(h), 1);
      };
    },
  };
  return {
    backend,
    calls,
    fireLocked: (reason: 'user' | 'idle' | 'quick_exit' = 'idle') => locked.forEach((h) => h({ reason })),
    /** The shell's `sync://changed`: the retry loop moved. */
    fireSync: (view: SyncView) => {
      sync = structuredClone(view);
      synced.forEach((h) => h(structuredClone(view)));
    },
  };
}

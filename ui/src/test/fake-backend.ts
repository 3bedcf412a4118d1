// An in-memory Backend for component tests: a vault with a passphrase and one form of a
// few pages the test gives, navigated as the shell does (relevant pages, next/back, an
// index). Answers are patched into the pages. Results, send previews and sync come from
// share-fixtures.ts: approving needs the previewed hash, a stale preview can be staged,
// enrolling turns the not-enrolled view into an enrolled one, and `fireSync` plays the
// shell's `sync://changed`. The browser tier goes through the real IPC.
import { AppError, type Backend, type DraftView, type Home, type PageContent, type Question, type ReferralCards, type SyncView } from '../lib/backend';
import { CAMP_RESULTS, ENDLINE_RESULTS, ENROLLMENT, GROUPS, HASH_1, HASH_2, NOT_ENROLLED, preview } from './share-fixtures';

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

export function fakeBackend(opts: { form: FakeForm; exists?: boolean; passphrase?: string; home?: Partial<Home>; share?: FakeShare }) {
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
      return { finalizable: blocking.length === 0, blocking, ending: null };
    },
    draftFinalize: async () => (calls.push('finalize'), { submission_id: 'uuid:1', refusal: false, receipt: 'K7QM-2XPD' }),
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
    // Finalized responses (issue 16, item 1): none in this fake yet.
    submissionsList: async () => (needUnlocked(), []),
    submissionOpen: async (id) => {
      needUnlocked();
      throw new AppError('capture.unknown_submission', `no submission ${id}`);
    },
    receiptFind: async () => (needUnlocked(), null),
    submissionWithdraw: async (id) => {
      needUnlocked();
      calls.push(`withdraw ${id}`);
    },
    // Device settings (issue 16, item 4): not in this fake yet; a test that needs one adds it.
    settingsGet: unsupported('settingsGet'),
    settingsSetIdleLock: unsupported('settingsSetIdleLock'),
    settingsSetRetention: unsupported('settingsSetRetention'),
    vaultChangePassphrase: unsupported('vaultChangePassphrase'),
    sitesImport: unsupported('sitesImport'),
    auditLog: unsupported('auditLog'),
    exportAggregates: unsupported('exportAggregates'),
    backupCreate: unsupported('backupCreate'),
    backupList: unsupported('backupList'),
    vaultRestore: unsupported('vaultRestore'),
    vaultWipe: unsupported('vaultWipe'),
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

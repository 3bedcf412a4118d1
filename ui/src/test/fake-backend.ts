// An in-memory Backend for component tests: a vault with a passphrase and one form of a
// few pages the test gives, navigated as the shell does (relevant pages, next/back, an
// index). Answers are patched into the pages. The browser tier goes through the real IPC.
import { AppError, type Backend, type DraftView, type Home, type PageContent, type Question, type ReferralCards } from '../lib/backend';

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

export function fakeBackend(opts: { form: FakeForm; exists?: boolean; passphrase?: string; home?: Partial<Home> }) {
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
    draftFinalize: async () => (calls.push('finalize'), { submission_id: 'uuid:1', refusal: false }),
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
    onLocked: async (h) => {
      locked.push(h);
      return () => {};
    },
    onSaved: async () => () => {},
  };
  return { backend, calls, fireLocked: (reason: 'user' | 'idle' | 'quick_exit' = 'idle') => locked.forEach((h) => h({ reason })) };
}

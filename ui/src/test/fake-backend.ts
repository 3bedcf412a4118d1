// An in-memory Backend for component tests: a vault with a passphrase, one form whose
// view is given, answers patched into the view. The browser tier uses the real IPC path.
import { AppError, type Backend, type FormView, type HomeData, type ReferralService } from '../lib/backend';

export function fakeBackend(opts: { view: FormView; exists?: boolean; passphrase?: string; home?: Partial<HomeData> }) {
  const calls: string[] = [];
  let exists = opts.exists ?? true;
  let unlocked = false;
  let passphrase = opts.passphrase ?? 'correct horse battery staple';
  let view: FormView = structuredClone(opts.view);
  const referral: Record<string, ReferralService[]> = { 'SO2401-0001': [{ name: 'Women’s centre', contact: '+252 61 000 0000', notes: 'Sun–Thu' }] };
  const locked: (() => void)[] = [];
  const home: HomeData = {
    forms: [{ file: 'w.md', status: 'ok', summary: { form_id: 'widgets', version: '1', title: view.title, default_language: 'English (en)', languages: view.languages } }],
    sites: [{ code: 'SO2401-0001', name: 'Hodan camp' }],
    rounds: ['2026-R1'],
    drafts: [],
    finalized: [],
    sync: { enrolled: false, last_sent_at: null, pending: 0 },
    ...opts.home,
  };
  function patch(path: string, value: string) {
    for (const p of view.pages) for (const q of p.questions) if (q.path === path) q.value = value;
  }
  const backend: Backend = {
    appVersion: async () => '0.1.0',
    vaultState: async () => ({ exists, unlocked, demo: false, idle_lock_minutes: 5 }),
    createVault: async (p) => {
      calls.push('create');
      exists = true;
      unlocked = true;
      passphrase = p;
    },
    unlock: async (p) => {
      calls.push('unlock');
      if (p !== passphrase) throw new AppError('vault.unlock_failed', 'could not unlock');
      unlocked = true;
    },
    lock: async () => {
      calls.push('lock');
      unlocked = false;
    },
    setDuress: async () => {
      calls.push('duress');
    },
    home: async () => structuredClone(home),
    start: async () => {
      calls.push('start');
      return { draft_id: 'd1', view: structuredClone(view) };
    },
    resume: async () => ({ draft_id: 'd1', view: structuredClone(view) }),
    discard: async () => {
      calls.push('discard');
    },
    answer: async (_d, path, value) => {
      calls.push(`answer ${path}=${value}`);
      patch(path, value);
      return structuredClone(view);
    },
    addRepeat: async () => structuredClone(view),
    removeRepeat: async () => structuredClone(view),
    setFormLanguage: async (_d, language) => {
      calls.push(`language ${language}`);
      view.language = language;
      return structuredClone(view);
    },
    blockers: async () => [],
    finalize: async () => ({ finalized: true, blocking: [] }),
    close: async () => {
      calls.push('close');
    },
    referral: async (site) => referral[site] ?? [],
    saveReferral: async (site, services) => {
      referral[site] = services;
    },
    onLocked: async (h) => {
      locked.push(h);
      return () => {};
    },
    onSaved: async () => () => {},
  };
  return { backend, calls, fireLocked: () => locked.forEach((h) => h()) };
}

export function question(path: string, extra: Record<string, unknown> = {}) {
  return {
    path,
    name: path.split('/').pop()!,
    type: 'text',
    label: `Label of ${path.split('/').pop()}`,
    hint: '',
    appearance: null,
    value: '',
    relevant: true,
    required: false,
    read_only: false,
    choices: [],
    outcome: { outcome: 'ok' as const },
    ...extra,
  };
}

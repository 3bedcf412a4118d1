// The app's one state: which screen shows, and — only while the vault is unlocked — the
// decrypted data the screens present (home lists, the open draft's page). Locking, by the
// button, the shell's idle timer or quick exit, drops every piece of it, so no answer is
// left in the UI's memory or in the DOM (the screens render only from here).
import { asAppError, type AppError, type Backend, type DraftView, type Home, type Results, type ShareGroup, type SubmissionRow, type SubmissionView, type SyncView, type VaultState } from '../backend';
import { isUiLanguage } from '../i18n';
import { ui } from './ui.svelte';

export type Screen = 'loading' | 'create' | 'duress' | 'unlock' | 'home' | 'fill' | 'settings' | 'results' | 'send' | 'submissions' | 'neutral';

/** One form × site × round, as results and the send preview name it. */
export interface GroupKey {
  form_id: string;
  site: string;
  round: string | null;
}

export function sameGroup(a: GroupKey | null, b: GroupKey | null): boolean {
  return !!a && !!b && a.form_id === b.form_id && a.site === b.site && a.round === b.round;
}

class AppState {
  backend: Backend | null = null;
  screen: Screen = $state('loading');
  version: string | null = $state(null);
  demo = $state(false);
  vault: VaultState | null = $state(null);
  home: Home | null = $state(null);
  /** The open draft's current page, as the core sent it. */
  draft: DraftView | null = $state(null);
  /** Every form × site × round with finalized responses (results and send screens). */
  groups: ShareGroup[] | null = $state(null);
  /** The group whose results are open, and its results as the core computed them. */
  group: GroupKey | null = $state(null);
  results: Results | null = $state(null);
  /** Sync as the send screen shows it (the shell's `sync://changed` keeps it current). */
  sync: SyncView | null = $state(null);
  /** Finalized responses on this device (no answers), and the one opened read-only. */
  submissions: SubmissionRow[] | null = $state(null);
  submission: SubmissionView | null = $state(null);
  site: string | null = $state(null);
  round: string | null = $state(null);
  referralOpen = $state(false);
  lockedIdle = $state(false);
  savedAt: string | null = $state(null);
  error: AppError | null = $state(null);
  private lastTouch = 0;
  private unlisten: (() => void)[] = [];

  get b(): Backend {
    if (!this.backend) throw new Error('backend not set');
    return this.backend;
  }

  /** Starts from nothing with this backend (before any screen mounts). */
  attach(backend: Backend) {
    for (const u of this.unlisten) u();
    this.unlisten = [];
    this.backend = backend;
    this.dropAll('loading');
    this.vault = null;
    this.site = null;
    this.round = null;
    this.lastTouch = 0;
  }

  async init(backend: Backend) {
    if (this.backend !== backend) this.attach(backend);
    this.unlisten.push(
      // After a panic wipe there is no vault left to unlock: the create screen.
      await backend.onLocked((e) => this.dropAll(e.reason === 'quick_exit' ? 'neutral' : this.vault?.exists === false ? 'create' : 'unlock', e.reason === 'idle')),
    );
    this.unlisten.push(
      await backend.onSaved((e) => {
        if (this.draft && this.draft.draft_id === e.draft_id) this.savedAt = e.saved_at;
      }),
    );
    backend.appInfo().then(
      (info) => {
        this.version = info.version;
        this.demo = info.demo;
      },
      () => (this.version = null),
    );
    try {
      const lang = await backend.uiLanguage();
      if (isUiLanguage(lang)) ui.setLanguage(lang);
    } catch {
      // No saved language yet: English until the user picks one.
    }
    await this.refreshVault();
  }

  async refreshVault() {
    try {
      this.vault = await this.b.vaultState();
      this.demo = this.demo || this.vault.demo;
      if (!this.vault.exists) this.screen = 'create';
      else if (!this.vault.unlocked) this.screen = 'unlock';
      else await this.goHome();
    } catch (e) {
      this.error = asAppError(e);
      this.screen = 'unlock';
    }
  }

  /** User activity keeps the shell's idle lock away (at most one call per 10 s). */
  touch() {
    if (!this.vault?.unlocked || !this.backend) return;
    const now = Date.now();
    if (now - this.lastTouch < 10_000) return;
    this.lastTouch = now;
    this.backend.vaultTouch().catch((e) => {
      if (asAppError(e).code === 'app.locked') this.dropAll('unlock', true);
    });
  }

  async unlocked(state: VaultState) {
    this.vault = state;
    this.lockedIdle = false;
  }

  async goHome() {
    this.draft = null;
    this.group = null;
    this.results = null;
    this.screen = 'home';
    await this.loadHome();
  }

  async loadHome() {
    this.error = null;
    try {
      this.home = await this.b.home(ui.lang);
      const sites = this.sites();
      if (this.site && !sites.some((s) => s.name === this.site)) this.site = null;
      const rounds = this.rounds();
      if (!this.round && rounds.length) this.round = rounds[rounds.length - 1].name;
    } catch (e) {
      this.failed(e);
    }
  }

  /** The sites every form offers (built-in forms share one site list). */
  sites() {
    const seen = new Map<string, string>();
    for (const f of this.home?.forms ?? []) if (f.status === 'ok') for (const s of f.sites) seen.set(s.name, s.label);
    return [...seen].map(([name, label]) => ({ name, label }));
  }

  rounds() {
    const seen = new Map<string, string>();
    for (const f of this.home?.forms ?? []) if (f.status === 'ok') for (const r of f.rounds) seen.set(r.name, r.label);
    return [...seen].map(([name, label]) => ({ name, label }));
  }

  siteLabel(code: string | null): string {
    if (!code) return '';
    return this.sites().find((s) => s.name === code)?.label ?? code;
  }

  /** A command failed: a locked vault goes to the lock screen, anything else is shown. */
  failed(e: unknown) {
    const error = asAppError(e);
    if (error.code === 'app.locked') this.dropAll('unlock', true);
    else this.error = error;
  }

  /** Forgets every decrypted thing, then shows `screen`. */
  dropAll(screen: Screen, idle = false) {
    this.draft = null;
    this.home = null;
    this.groups = null;
    this.group = null;
    this.results = null;
    this.sync = null;
    this.submissions = null;
    this.submission = null;
    this.referralOpen = false;
    this.error = null;
    this.savedAt = null;
    if (this.vault) this.vault = { ...this.vault, unlocked: false };
    this.lockedIdle = idle;
    this.screen = screen;
  }

  /** The lock button: the UI forgets, the vault locks, the unlock screen shows. */
  async lockNow() {
    this.dropAll('unlock');
    try {
      await this.backend?.vaultLock();
    } catch {
      // The UI has already forgotten everything; the shell also locks on its idle timer.
    }
  }

  /** Quick exit: the same as locking, then a neutral screen. */
  async quickExit() {
    this.dropAll('neutral');
    try {
      await this.backend?.quickExit();
    } catch {
      /* see lockNow */
    }
  }

  async start(formId: string) {
    this.error = null;
    try {
      this.draft = await this.b.draftStart({ form_id: formId, version: null, site: this.site, round: this.round, ui_language: ui.lang });
      this.savedAt = this.draft.saved_at;
      this.screen = 'fill';
    } catch (e) {
      this.failed(e);
    }
  }

  async resume(draftId: string) {
    this.error = null;
    try {
      this.draft = await this.b.draftResume(draftId, ui.lang);
      this.savedAt = this.draft.saved_at;
      this.screen = 'fill';
    } catch (e) {
      this.failed(e);
    }
  }

  async discard(draftId: string) {
    try {
      await this.b.draftDiscard(draftId);
    } catch (e) {
      this.failed(e);
    }
    await this.loadHome();
  }

  /** The results screen: the list of groups, or one group's results when `group` is given. */
  async openResults(group: GroupKey | null = null) {
    this.draft = null;
    this.screen = 'results';
    this.group = group;
    this.results = null;
    await this.loadGroups();
    if (group) await this.loadResults(group);
  }

  /** The send screen: sync status and the groups with their release state. */
  async openSend() {
    this.draft = null;
    this.group = null;
    this.results = null;
    this.screen = 'send';
    // The send screen fetches sync status itself when it mounts (and follows sync events).
    await this.loadGroups();
  }

  async loadGroups() {
    this.error = null;
    try {
      this.groups = await this.b.shareGroups(ui.lang);
    } catch (e) {
      this.failed(e);
    }
  }

  async loadResults(group: GroupKey) {
    this.error = null;
    this.group = group;
    try {
      const results = await this.b.results(group.form_id, group.site, group.round, ui.lang);
      // A lock or another choice while waiting: keep nothing.
      if (sameGroup(this.group, group) && this.vault?.unlocked) this.results = results;
    } catch (e) {
      this.failed(e);
    }
  }

  async loadSync() {
    try {
      const view = await this.b.syncStatus();
      if (this.vault?.unlocked) this.sync = view;
    } catch (e) {
      this.failed(e);
    }
  }

  /** The submissions screen: every finalized response, by form, site and round. */
  async openSubmissions() {
    this.draft = null;
    this.group = null;
    this.results = null;
    this.submission = null;
    // Never a list from an earlier visit (responses finalized or withdrawn since).
    this.submissions = null;
    this.screen = 'submissions';
    await this.loadSubmissions();
  }

  async loadSubmissions() {
    this.error = null;
    try {
      const rows = await this.b.submissionsList();
      if (this.vault?.unlocked) this.submissions = rows;
    } catch (e) {
      this.failed(e);
    }
  }

  /** One finalized response, read-only, in the UI language. */
  async openSubmission(id: string) {
    this.error = null;
    try {
      const view = await this.b.submissionOpen(id, ui.lang);
      // A lock or another choice while waiting: keep nothing.
      if (this.vault?.unlocked && this.screen === 'submissions') this.submission = view;
    } catch (e) {
      this.failed(e);
    }
  }

  closeSubmission() {
    this.submission = null;
  }

  /** Back from one group's results to the list. */
  closeResults() {
    this.group = null;
    this.results = null;
  }

  /** The UI language changed: kept by the shell; home and the open form follow. */
  async languageChanged() {
    this.backend?.setUiLanguage(ui.lang).catch(() => {});
    const draft = this.draft;
    if (draft) {
      const wanted = draft.languages.find((l) => l.trim().toLowerCase().endsWith(`(${ui.lang})`));
      if (wanted && wanted !== draft.language) {
        try {
          const view = await this.b.draftSetLanguage(draft.draft_id, wanted);
          if (this.draft?.draft_id === draft.draft_id) this.draft = view;
        } catch (e) {
          this.failed(e);
        }
      }
    } else if (this.screen === 'home') {
      await this.loadHome();
    } else if (this.screen === 'results' || this.screen === 'send') {
      // Labels (sites, rounds, indicators) come in the UI language.
      await this.loadGroups();
      if (this.screen === 'results' && this.group) await this.loadResults(this.group);
    } else if (this.screen === 'submissions') {
      // An open response's pages come in the UI language.
      if (this.submission) await this.openSubmission(this.submission.row.submission_id);
    }
  }
}

export const app = new AppState();

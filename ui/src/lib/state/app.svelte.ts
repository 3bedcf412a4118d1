// The app's one state: which screen shows, and — only while the vault is unlocked — the
// decrypted data the screens present (home lists, the open form's view). `lockNow()`
// drops every piece of it, so after a lock or a quick exit no answer is left in the UI's
// memory or in the DOM (the screens render only from here).
import { asAppError, type AppError, type Backend, type FormView, type HomeData, type VaultState } from '../backend';
import { formLanguageFor } from '../i18n';
import { ui } from './ui.svelte';

export type Screen = 'loading' | 'create' | 'duress' | 'unlock' | 'home' | 'fill' | 'settings' | 'neutral';

export interface OpenFill {
  draftId: string;
  formId: string;
  view: FormView;
  /** Index into `steps(view)` of the step shown. */
  step: number;
  /** True once the user reached the end or asked to finalize. */
  atEnd: boolean;
  saving: 'idle' | 'saving' | 'saved' | 'failed';
}

class AppState {
  backend: Backend | null = null;
  screen: Screen = $state('loading');
  version: string | null = $state(null);
  vault: VaultState | null = $state(null);
  home: HomeData | null = $state(null);
  fill: OpenFill | null = $state(null);
  site: string | null = $state(null);
  round: string | null = $state(null);
  referralOpen = $state(false);
  lockedIdle = $state(false);
  error: AppError | null = $state(null);
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private unlisten: (() => void)[] = [];

  async init(backend: Backend) {
    this.backend = backend;
    this.unlisten.push(await backend.onLocked(() => this.dropAll('unlock', true)));
    this.unlisten.push(
      await backend.onSaved((id) => {
        if (this.fill && this.fill.draftId === id) this.fill.saving = 'saved';
      }),
    );
    backend.appVersion().then(
      (v) => (this.version = v),
      () => (this.version = null),
    );
    await this.refreshVault();
  }

  async refreshVault() {
    try {
      this.vault = await this.b.vaultState();
      if (!this.vault.exists) this.screen = 'create';
      else if (!this.vault.unlocked) this.screen = 'unlock';
      else await this.goHome();
    } catch (e) {
      this.error = asAppError(e);
      this.screen = 'unlock';
    }
  }

  get b(): Backend {
    if (!this.backend) throw new Error('backend not set');
    return this.backend;
  }

  /** Restarts the inactivity timer (called on every user input). */
  touch() {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const minutes = this.vault?.idle_lock_minutes ?? 0;
    if (!this.vault?.unlocked || minutes <= 0) return;
    this.idleTimer = setTimeout(() => {
      this.lockedIdle = true;
      void this.lockNow();
    }, minutes * 60_000);
  }

  async unlocked() {
    this.vault = await this.b.vaultState();
    this.lockedIdle = false;
    this.touch();
  }

  async goHome() {
    this.fill = null;
    this.screen = 'home';
    await this.loadHome();
  }

  async loadHome() {
    this.error = null;
    try {
      const home = await this.b.home();
      this.home = home;
      if (this.site && !home.sites.some((s) => s.code === this.site)) this.site = null;
      if (!this.round && home.rounds.length) this.round = home.rounds[home.rounds.length - 1];
    } catch (e) {
      this.error = asAppError(e);
    }
  }

  /** Forgets every decrypted thing, then shows `screen`. */
  private dropAll(screen: Screen, idle = false) {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.fill = null;
    this.home = null;
    this.referralOpen = false;
    this.error = null;
    if (this.vault) this.vault = { ...this.vault, unlocked: false };
    this.lockedIdle = idle;
    this.screen = screen;
  }

  /** The lock button: the vault locks, the UI forgets, the unlock screen shows. */
  async lockNow() {
    const idle = this.lockedIdle;
    this.dropAll('unlock', idle);
    try {
      await this.backend?.lock();
    } catch {
      // The UI has already forgotten everything; the shell locks on its own idle timer too.
    }
  }

  /** Quick exit: the same as locking, then a neutral screen. */
  async quickExit() {
    this.dropAll('neutral');
    try {
      await this.backend?.lock();
    } catch {
      /* see lockNow */
    }
  }

  formLanguage(languages: string[]): string | null {
    return formLanguageFor(ui.lang, languages);
  }

  async start(formId: string) {
    const entry = this.home?.forms.find((f) => f.status === 'ok' && f.summary.form_id === formId);
    const languages = entry && entry.status === 'ok' ? entry.summary.languages : [];
    try {
      const fill = await this.b.start(formId, this.site, this.round, this.formLanguage(languages));
      this.open(fill.draft_id, formId, fill.view);
    } catch (e) {
      this.error = asAppError(e);
    }
  }

  async resume(draftId: string, formId: string) {
    try {
      const fill = await this.b.resume(draftId);
      let view = fill.view;
      const wanted = this.formLanguage(view.languages);
      if (wanted && wanted !== view.language) view = await this.b.setFormLanguage(fill.draft_id, wanted);
      this.open(fill.draft_id, formId, view);
    } catch (e) {
      this.error = asAppError(e);
    }
  }

  private open(draftId: string, formId: string, view: FormView) {
    this.fill = { draftId, formId, view, step: 0, atEnd: false, saving: 'idle' };
    this.screen = 'fill';
    this.touch();
  }

  async discard(draftId: string) {
    try {
      await this.b.discard(draftId);
    } catch (e) {
      this.error = asAppError(e);
    }
    await this.loadHome();
  }

  /** The UI language changed: the open form follows when it has that language. */
  async languageChanged() {
    const fill = this.fill;
    if (!fill) return;
    const wanted = this.formLanguage(fill.view.languages);
    if (wanted && wanted !== fill.view.language) {
      try {
        const view = await this.b.setFormLanguage(fill.draftId, wanted);
        if (this.fill === fill) fill.view = view;
      } catch (e) {
        this.error = asAppError(e);
      }
    }
  }
}

export const app = new AppState();

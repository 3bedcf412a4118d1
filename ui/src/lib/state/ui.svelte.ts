// The screen's language, digits and contrast: shared by every component. Nothing here is
// sensitive (no answer, no passphrase), and nothing is written to WebView storage: the
// shell keeps the preference (see the app's settings command), the UI only mirrors it.
import { translator, directionOf, type Digits, type UiLanguage, type Translator } from '../i18n';

class UiState {
  lang: UiLanguage = $state('en');
  digits: Digits = $state('latn');
  highContrast = $state(false);
  t: Translator = $derived(translator(this.lang, this.digits));

  setLanguage(lang: UiLanguage) {
    this.lang = lang;
    this.apply();
  }

  apply() {
    if (typeof document === 'undefined') return;
    document.documentElement.lang = this.lang;
    document.documentElement.dir = directionOf(this.lang);
    document.documentElement.dataset.contrast = this.highContrast ? 'high' : 'normal';
  }
}

export const ui = new UiState();

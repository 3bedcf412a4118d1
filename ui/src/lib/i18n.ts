// The home screen's own strings in the languages field teams use most, and the writing
// direction of each. Direction is part of the language's entry, never guessed from text.
// Form content has its own translations inside each XLSForm; these are only the app's.

export type UiLanguage = 'en' | 'fr' | 'es' | 'ar';

export interface Strings {
  /** The language's own name, shown in the switcher. */
  name: string;
  dir: 'ltr' | 'rtl';
  tagline: string;
  version: string;
  language: string;
  forms: string;
  loading: string;
  noForms: string;
  formId: string;
  formVersion: string;
  languages: string;
  singleLanguage: string;
  notSet: string;
  broken: string;
  listFailed: string;
  refresh: string;
}

export const STRINGS: Record<UiLanguage, Strings> = {
  en: {
    name: 'English',
    dir: 'ltr',
    tagline: 'Safety audits and surveys that stay on this device',
    version: 'Version',
    language: 'Language',
    forms: 'Forms',
    loading: 'Reading forms…',
    noForms: 'No forms on this device yet.',
    formId: 'Form ID',
    formVersion: 'Version',
    languages: 'Languages',
    singleLanguage: 'One language',
    notSet: 'not set',
    broken: 'This workbook cannot be opened',
    listFailed: 'The forms could not be listed',
    refresh: 'Refresh',
  },
  fr: {
    name: 'Français',
    dir: 'ltr',
    tagline: 'Audits de sécurité et enquêtes qui restent sur cet appareil',
    version: 'Version',
    language: 'Langue',
    forms: 'Formulaires',
    loading: 'Lecture des formulaires…',
    noForms: 'Aucun formulaire sur cet appareil pour l’instant.',
    formId: 'Identifiant',
    formVersion: 'Version',
    languages: 'Langues',
    singleLanguage: 'Une seule langue',
    notSet: 'non définie',
    broken: 'Ce classeur ne peut pas être ouvert',
    listFailed: 'Impossible de lister les formulaires',
    refresh: 'Actualiser',
  },
  es: {
    name: 'Español',
    dir: 'ltr',
    tagline: 'Auditorías de seguridad y encuestas que se quedan en este dispositivo',
    version: 'Versión',
    language: 'Idioma',
    forms: 'Formularios',
    loading: 'Leyendo formularios…',
    noForms: 'Todavía no hay formularios en este dispositivo.',
    formId: 'Identificador',
    formVersion: 'Versión',
    languages: 'Idiomas',
    singleLanguage: 'Un solo idioma',
    notSet: 'sin definir',
    broken: 'Este libro no se puede abrir',
    listFailed: 'No se pudieron listar los formularios',
    refresh: 'Actualizar',
  },
  ar: {
    name: 'العربية',
    dir: 'rtl',
    tagline: 'تدقيقات السلامة والاستبيانات تبقى على هذا الجهاز',
    version: 'الإصدار',
    language: 'اللغة',
    forms: 'الاستمارات',
    loading: 'جارٍ قراءة الاستمارات…',
    noForms: 'لا توجد استمارات على هذا الجهاز بعد.',
    formId: 'معرّف الاستمارة',
    formVersion: 'الإصدار',
    languages: 'اللغات',
    singleLanguage: 'لغة واحدة',
    notSet: 'غير محدد',
    broken: 'لا يمكن فتح هذا المصنف',
    listFailed: 'تعذّر عرض الاستمارات',
    refresh: 'تحديث',
  },
};

export const UI_LANGUAGES = Object.keys(STRINGS) as UiLanguage[];

export function isUiLanguage(code: string): code is UiLanguage {
  return (UI_LANGUAGES as string[]).includes(code);
}

// Loaded by the browser tier before the app's own module: stands in for the Tauri shell
// with @tauri-apps/api's mockIPC, answering as src-tauri's commands do. The scenario
// comes from the page's query string so each test picks what the shell says.
import { mockIPC } from '/__test/mocks.js';

const SITE_VISIT = {
  file: 'site_visit_check.xlsx',
  status: 'ok',
  summary: {
    form_id: 'site_visit_check',
    version: '2026112301',
    title: 'Site visit check',
    default_language: 'English (en)',
    languages: ['English (en)', 'Français (fr)', 'العربية (ar)'],
  },
};
const BROKEN = {
  file: 'zz_broken.xlsx',
  status: 'broken',
  code: 'workbook.unreadable',
  message: 'the workbook could not be read as .xlsx: invalid Zip archive',
};

const scenario = new URLSearchParams(location.search).get('scenario') ?? 'forms';
window.__lanternCalls = [];

mockIPC((cmd) => {
  window.__lanternCalls.push(cmd);
  if (cmd === 'app_info') return { version: '0.1.0' };
  if (cmd === 'list_forms') {
    if (scenario === 'unreadable') {
      throw { code: 'app.forms_folder_unreadable', message: 'the forms folder /media/usb/forms could not be read: No such file or directory (os error 2)' };
    }
    return [SITE_VISIT, BROKEN];
  }
  throw { code: 'ipc.unknown', message: `unknown command ${cmd}` };
});

// Renders icons/lantern.svg to an RGBA PNG (icons/icon-source.png) with Debian's
// chromium, because this ImageMagick build has no SVG delegate. The Tauri CLI then
// makes every size from that PNG (see icons/README.md).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('../ui/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const svg = readFileSync(new URL('./lantern.svg', import.meta.url), 'utf8');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 1024 } });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: new URL('./icon-source.png', import.meta.url).pathname, omitBackground: true });
} finally {
  await browser.close();
}

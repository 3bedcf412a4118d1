// Browser half of scripts/bench-dashboard.sh: signs in, then loads the overview five
// times and reports, per load, the time from navigation start until every site's row is
// in the table (chromium's own clock, performance.now()).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from './seed.mjs';

const [url, user, sites] = process.argv.slice(2);
const require = createRequire(join(root, 'ui/package.json'));
const { chromium } = require('playwright-core');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
await page.goto(url);
await page.getByTestId('username').fill(user);
await page.getByTestId('password').fill(process.env.LANTERN_USER_PASSWORD);
await page.getByTestId('sign-in-submit').click();
await page.getByTestId('overview-table').waitFor({ timeout: 60000 });
const times = [];
for (let i = 0; i < 5; i++) {
  await page.goto(`${url}/#/overview`, { waitUntil: 'commit' });
  await page.reload({ waitUntil: 'commit' });
  const t = await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid=overview-table] tbody tr').length === n && performance.now(),
    Number(sites),
    { polling: 'raf', timeout: 60000 },
  );
  times.push(await t.jsonValue());
}
times.sort((a, b) => a - b);
console.log(`overview render in chromium (${sites} rows, navigation start to table): ${times.map((x) => x.toFixed(0)).join(', ')} ms; median ${times[2].toFixed(0)} ms, max ${times[4].toFixed(0)} ms`);
await browser.close();

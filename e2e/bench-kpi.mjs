// Figure: computing a month's KPIs on the device over N complaints (default
// 20,000) in headless Chromium, from the release build. A benchmark, not a
// test: it prints figures and asserts nothing about speed.
//   node e2e/bench-kpi.mjs [N]        (scripts/bench sets the env)
//
// The demo administrator's tablet holds N generated complaints, each worked
// through the handling process (`seed.js` `handled`: contact, closing,
// callback), filed under 7 branches and received over ~17 months. Offline,
// the dashboard is opened for one month and all branches (the regional
// view: the figures of every branch and of all together), then for other
// months; the app measures its own computation (performance.now() around
// the shared crate's `figures` and `figures_by_branch`) and shows it in the
// page's footnote (`data-ms`). Also the time from choosing a month to the
// dashboard drawn, which includes drawing the charts.
import { launchBrowser, openApp, signIn, startServer } from './lib.js';
import { seedLocalComplaints } from './seed.js';

const N = Number(process.argv[2] || 20_000);
const CHUNK = 2000;
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

const server = await startServer();
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 }, timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  await openApp(page, server.url);
  await signIn(page, server, 'admin');
  // Offline: nothing is pushed while the figures are taken.
  await context.setOffline(true);
  for (let first = 0; first < N; first += CHUNK) {
    await seedLocalComplaints(page, Math.min(CHUNK, N - first), first, { withHandling: true });
  }
  await page.reload();
  await page.getByText(`共 ${N} 条`).waitFor({ timeout: 120_000 });
  const computed = [];
  const drawn = [];
  // Months with about 1,200 complaints each (the 37-minute spacing of the generated ones).
  const months = ['2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09'];
  await page.goto(`${server.url}/kpi/2026-02/all`);
  await page.getByTestId('kpi-timing').waitFor();
  for (const month of months) {
    const started = Date.now();
    await page.evaluate((path) => {
      history.pushState(null, '', path);
      dispatchEvent(new PopStateEvent('popstate'));
    }, `/kpi/${month}/all`);
    const foot = page.locator(`[data-testid=kpi-timing]`);
    // The month's figures are drawn in the same update as the month control.
    await page.waitForFunction(
      (m) => document.querySelector('input[name=month]')?.value === m && document.querySelector('.kpi-summary')?.textContent.includes(m),
      month,
      { polling: 'raf' },
    );
    drawn.push(Date.now() - started);
    computed.push(Number(await foot.getAttribute('data-ms')));
  }
  const received = await page.getByTestId('kpi-received').getAttribute('data-count');
  console.log(
    `kpi: a month's KPIs over ${N} complaints on the device (all 7 branches, each and together): ` +
      `${median(computed).toFixed(1)} ms computing (median of ${months.length} months, max ${Math.max(...computed).toFixed(1)}), ` +
      `${median(drawn)} ms from choosing the month to the dashboard drawn; ${received} received in ${months.at(-1)}`,
  );
  await context.close();
} finally {
  await browser.close();
  await server.stop();
}

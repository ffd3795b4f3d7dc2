// Figures: what the user feels of the download and the start. A benchmark,
// not a test: it prints figures and asserts nothing about speed.
//   node e2e/bench-start.mjs [runs]        (scripts/bench sets the env)
//
// 1. Cold start with no network to a usable list of 1,000 complaints, with
//    Chromium's CPU slowed 4× (CDP Emulation.setCPUThrottlingRate): a tablet
//    that holds 1,000 complaints is offline; a new tab opens the app (from
//    the service worker's cache); the time from the navigation's start to
//    the list showing "共 1000 条" and its first cards. Aim ≤ 1 s.
// 2. A first visit over a slow link (CDP Network.emulateNetworkConditions:
//    1.6 Mbit/s down, 750 kbit/s up, 150 ms latency), nothing cached: from
//    the navigation's start to a sign-in form that can be typed in (the wasm
//    has started and drawn it). Aim ≤ 4 s.
import { launchBrowser, openApp, signIn, startServer } from './lib.js';
import { seedLocalComplaints } from './seed.js';

const RUNS = Number(process.argv[2] || 5);
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const f = (ms) => `${Math.round(ms)} ms`;

/**
 * Milliseconds from the navigation's start until `ready` (a function of the
 * document, as source) first holds: checked on every change of the page by
 * a MutationObserver installed before the app's scripts run, so the moment is
 * the page's own, not when the test got round to asking. Also the app's own
 * marks (`platform::mark`: start, storage-open, engine-open, list-read, ready).
 */
async function timeTo(page, url, ready) {
  const watch = (holds) => {
    const observer = new MutationObserver(() => {
      if (window.__readyAt === undefined && holds()) {
        window.__readyAt = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
  };
  // As a script's text (no eval in the page: the app runs under a CSP).
  await page.addInitScript({ content: `(${watch})(${ready})` });
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__readyAt !== undefined, null, { timeout: 120_000 });
  return page.evaluate(() => ({
    ms: window.__readyAt,
    marks: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name.replace('app:', ''), m.startTime])),
  }));
}

/** "start 620 · storage-open 950 · …": the median moment of each mark. */
function phases(runs) {
  const names = Object.keys(runs[0].marks);
  return names.map((n) => `${n} ${Math.round(median(runs.map((r) => r.marks[n] ?? NaN)))}`).join(' · ');
}

const server = await startServer();
const browser = await launchBrowser();
try {
  // 1. Cold start, offline, CPU ×4, 1,000 complaints.
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
  const setup = await context.newPage();
  await openApp(setup, server.url);
  await signIn(setup, server, 'admin');
  await context.setOffline(true);
  await seedLocalComplaints(setup, 1000);
  await setup.reload();
  await setup.getByText('共 1000 条').waitFor({ timeout: 60_000 });
  await setup.close();
  const listed = () =>
    !!document.querySelector('.list-count')?.textContent.includes('1000') && document.querySelectorAll('.complaint-card').length > 0;
  const cold = [];
  for (let i = 0; i < RUNS; i += 1) {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    cold.push(await timeTo(page, server.url, listed));
    await page.close();
  }
  await context.close();
  const coldMs = cold.map((r) => r.ms);
  console.log(
    `cold start offline to a usable list of 1,000 complaints, CPU ×4 (${RUNS} runs): median ${f(median(coldMs))}, ` +
      `min ${f(Math.min(...coldMs))}, max ${f(Math.max(...coldMs))} — aim ≤ 1 s`,
  );
  console.log(`  where the time goes (median ms from navigation start): ${phases(cold)} · list shown ${Math.round(median(coldMs))}`);

  // 2. First visit, slow link, nothing cached.
  const slow = [];
  for (let i = 0; i < RUNS; i += 1) {
    const fresh = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
    const page = await fresh.newPage();
    const cdp = await fresh.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: 1_600_000 / 8,
      uploadThroughput: 750_000 / 8,
    });
    slow.push(
      await timeTo(page, server.url, () => {
        const input = document.querySelector('input[name=username]');
        return !!input && !input.disabled && input.offsetParent !== null;
      }),
    );
    await fresh.close();
  }
  const slowMs = slow.map((r) => r.ms);
  console.log(
    `first visit to a usable sign-in form over 1.6 Mbit/s down, 750 kbit/s up, 150 ms (${RUNS} runs): median ${f(median(slowMs))}, ` +
      `min ${f(Math.min(...slowMs))}, max ${f(Math.max(...slowMs))} — aim ≤ 4 s`,
  );
  console.log(`  where the time goes (median ms from navigation start): ${phases(slow)} · form usable ${Math.round(median(slowMs))}`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}

// Shared helpers for the end-to-end tests: the real release server binary on
// a free port with its own data dir, and Debian's Chromium via playwright-core.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the e2e tests through scripts/test`);
  return v;
};

export const SERVER_BIN = need('SERVER_BIN');
export const DIST_DIR = need('DIST_DIR');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.E2E_ARTIFACTS || tmpdir();
const CHROMIUM_ARGS = (process.env.CHROMIUM_ARGS || '--no-sandbox --disable-gpu')
  .split(/\s+/)
  .filter((a) => a && a !== '--headless');

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the release server with its demo users (`--demo`); resolves once
 * /api/health answers and the demo password is printed. `tokenLifetime`
 * (e.g. "20s") shortens sign-ins; `samples` keeps the demo's sample
 * complaints (left out by default). The demo users: admin, zhang.wei (staff,
 * BJ01), li.na (branch manager, BJ01), wang.fang (staff, BJ02), zhao.lei
 * (regional manager, HB: BJ01 and BJ02), chen.jie (staff, SH01).
 */
export async function startServer({ dataDir, port, tokenLifetime, samples = false } = {}) {
  port ??= await freePort();
  dataDir ??= mkdtempSync(join(tmpdir(), 'complaints-e2e-'));
  const args = ['--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, '--dist', DIST_DIR, '--demo'];
  if (tokenLifetime) args.push('--token-lifetime', tokenLifetime);
  // Without the demo's sample complaints unless asked: the tests look at
  // what they make themselves (lists, counts, the attention list).
  const env = { ...process.env, COMPLAINTS_DEMO_SAMPLES: samples ? 'on' : 'off' };
  const child = spawn(SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  // A restart on the same data directory prints no password (the users exist).
  const restart = !!startServer.passwords?.[dataDir];
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok && (restart || /demo password \(every demo user\): \S+/.test(output))) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  startServer.passwords ??= {};
  const password = restart
    ? startServer.passwords[dataDir]
    : output.match(/demo password \(every demo user\): (\S+)/)[1];
  startServer.passwords[dataDir] = password;
  return {
    url,
    port,
    dataDir,
    /** The demo users' password. */
    password,
    /** Signs in over the API; resolves to the token. */
    async token(username = 'admin', device = 'e2e-api') {
      const res = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A test device's key: the same for every sign-in on that device id.
        body: JSON.stringify({ username, password, device, device_key: `${device}-e2e-device-key` }),
      });
      if (!res.ok) throw new Error(`login as ${username}: ${res.status} ${await res.text()}`);
      return (await res.json()).token;
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Every op in the server's log that `username` may see (admin: all), pulled
 * as a device that pushed nothing.
 */
export async function serverOps(server, username = 'admin') {
  const token = await server.token(username, 'e2e-observer');
  const ops = [];
  let after = '';
  for (;;) {
    const res = await fetch(`${server.url}/api/v1/sync/pull?after=${after}&limit=2000&device=e2e-observer`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`pull: ${res.status} ${await res.text()}`);
    const page = await res.json();
    // The demo's starter answers (records `ans:…`, made at the server's first
    // start) are left out: the tests look at what they made themselves.
    ops.push(...page.ops.filter((op) => !op.rec.startsWith('ans:')));
    after = page.cursor;
    if (!page.more) return ops;
  }
}

/** Runs `fn` with a fresh server, which is stopped and removed afterwards. */
export async function withServer(fn, options) {
  const server = await startServer(options);
  try {
    return await fn(server);
  } finally {
    await server.stop();
    server.cleanup();
  }
}

/** The worked example of the source documents, as typed on the intake form (field label → value). */
export const WORKED_EXAMPLE = {
  维修站代码: 'BJ01',
  维修站名称: '北京朝阳特约售后服务中心',
  投诉顾客姓名: '李先生',
  联系电话: '138 0013 8000',
  投诉渠道: '厂方转投诉',
  投诉分类: '产品质量类',
  投诉性质: '潜在媒体曝光',
  顾客背景: '在媒体工作，表示如不满意将公开曝光',
  '车辆识别号 (VIN)': 'LSVAU218XN2183294',
  车牌号码: '京A·12345',
  车辆故障或投诉内容: '保修期内，高速行驶制动时方向盘强烈抖动。维修站仅光盘处理，问题依旧。',
  顾客需求或倾向: '免费更换相关零件并立即修好',
};

/**
 * Runs `fn(page, context)` in a fresh browser context (a tablet: zh-CN,
 * 1024 wide); on failure keeps a full-page screenshot `<name>-failure.png`
 * and the pages' console `<name>-failure-console.txt` in ARTIFACTS. `options` are passed to `browser.newContext`.
 */
export async function inContext(browser, name, fn, options = {}) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 }, ...options });
  // Every page of the context logs its console, for a failure's record.
  const log = [];
  context.on('page', (p) => {
    p.on('console', (m) => log.push(`${new Date().toISOString()} ${p.url()} ${m.type()}: ${m.text()}`));
    p.on('load', () => log.push(`${new Date().toISOString()} load ${p.url()}`));
  });
  const page = await context.newPage();
  try {
    await fn(page, context);
  } catch (err) {
    try {
      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(join(ARTIFACTS, `${name}-failure-console.txt`), log.join('\n'));
      await page.screenshot({ path: join(ARTIFACTS, `${name}-failure.png`), fullPage: true, timeout: 5_000 });
    } catch {
      /* the screenshot is a courtesy; the failure is what matters */
    }
    throw err;
  } finally {
    await context.close();
  }
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Opens the app and waits until the service worker controls the page. */
export async function openApp(page, url) {
  await page.goto(url);
  await page.getByTestId('net-status').waitFor();
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!reg.active) throw new Error('no active service worker');
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
  });
}

/**
 * Signs in as `username` (a demo user) on the sign-in page the app shows,
 * opening the app first if the page is elsewhere; resolves once the app
 * shows who is signed in.
 */
export async function signIn(page, server, username = 'zhang.wei') {
  const form = page.locator('input[name=username]');
  if (!(await form.isVisible())) {
    if (!page.url().startsWith(server.url)) await openApp(page, server.url);
    await form.waitFor();
  }
  await form.fill(username);
  await page.locator('input[name=password]').fill(server.password);
  await page.locator('button[type=submit]:not([data-lang])').click();
  await page.getByTestId('user-menu').waitFor();
}

/** Opens the app at `url` (its service worker in control) and signs in. */
export async function openSignedIn(page, server, username = 'zhang.wei', url = server.url) {
  await openApp(page, url);
  await signIn(page, server, username);
}

/** Fills the intake form; `fields` maps a field's label to a value (selects by option label). */
export async function fillForm(page, fields) {
  for (const [label, value] of Object.entries(fields)) {
    const control = page.getByLabel(label, { exact: false }).first();
    const tag = await control.evaluate((el) => el.tagName);
    if (tag === 'SELECT') await control.selectOption({ label: value });
    else await control.fill(value);
  }
}

/** The texts of the cards in the complaint list. */
export async function listedNames(page) {
  await page.getByTestId('complaint-list').waitFor();
  return page.locator('.complaint-card__name').allInnerTexts();
}

let opCounter = 0;

/** A fresh op id (what the server takes: lower-case letters and digits). */
export function opId(prefix = 'e2eop') {
  opCounter += 1;
  return `${prefix}${Date.now().toString(36)}${String(opCounter).padStart(6, '0')}`;
}

/** An op of another device: `set` on record `rec`, stamped now. */
export function op(rec, set, device = 'e2e-other-tablet') {
  return { id: opId(), rec, hlc: `${Date.now()}-${opCounter}`, dev: device, set };
}

/**
 * Pushes `ops` as `username` on `device` (another tablet, through the
 * API); fails unless every op is accepted.
 */
export async function pushOps(server, ops, { username = 'admin', device = 'e2e-other-tablet' } = {}) {
  const token = await server.token(username, device);
  const res = await fetch(`${server.url}/api/v1/sync/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ device, ops: ops.map((o) => ({ ...o, dev: device })) }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`push: ${res.status} ${JSON.stringify(body)}`);
  for (const r of body.results) {
    if (r.status !== 'accepted') throw new Error(`push refused: ${JSON.stringify(r)}`);
  }
  return body;
}

/**
 * One request on the app's IndexedDB database in the page: `action` is an
 * IDBObjectStore method (`get`, `put`, `getAll`, `getAllKeys`, `count`) and
 * `args` its arguments. (No code from strings: the page's CSP forbids it.)
 */
export function idb(page, store, action, ...args) {
  return page.evaluate(
    async ([store, action, args]) => {
      const db = await new Promise((resolve, reject) => {
        const req = indexedDB.open('complaint-desk');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      try {
        return await new Promise((resolve, reject) => {
          const tx = db.transaction(store, action === 'put' ? 'readwrite' : 'readonly');
          const req = tx.objectStore(store)[action](...args);
          tx.oncomplete = () => resolve(req.result);
          tx.onabort = () => reject(tx.error);
        });
      } finally {
        db.close();
      }
    },
    [store, action, args],
  );
}

/** Waits until `check()` resolves truthy (polling), or fails with `what`. */
export async function eventually(check, what, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until the tablet has nothing left to send and has synced. */
export async function synced(page) {
  await page.getByTestId('sync-pending').and(page.locator('[data-count="0"]')).waitFor({ timeout: 20_000 });
  await page.getByTestId('sync-last').getByText('上次同步').waitFor({ timeout: 20_000 });
}

/** Takes in a complaint on the intake form and saves it (back on the list). */
export async function createComplaint(page, url, fields) {
  await page.goto(`${url}/new`);
  await fillForm(page, fields);
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.waitForURL(`${url}/`);
}

/**
 * Fills the device: the origin's quota set to what it uses plus `headroom`
 * bytes (Chromium's quota override), then waits until IndexedDB refuses a
 * 60 KB write (Chromium keeps the room it last measured for ~30 s). Resolves
 * to a function that gives the room back.
 */
export async function fillStorage(page, context, origin, headroom = 0) {
  const cdp = await context.newCDPSession(page);
  const { usage } = await cdp.send('Storage.getUsageAndQuota', { origin });
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + headroom });
  await eventually(
    () =>
      page.evaluate(
        () =>
          new Promise((resolve) => {
            const req = indexedDB.open('quota-probe', 1);
            req.onupgradeneeded = () => req.result.createObjectStore('s');
            req.onsuccess = () => {
              const db = req.result;
              const tx = db.transaction('s', 'readwrite');
              tx.objectStore('s').put(new Blob([crypto.getRandomValues(new Uint8Array(60_000))]), 'probe');
              tx.oncomplete = () => (db.close(), resolve(false));
              tx.onabort = () => (db.close(), resolve(tx.error?.name === 'QuotaExceededError'));
            };
          }),
      ),
    'IndexedDB refusing writes under the quota',
    60_000,
  );
  return () => cdp.send('Storage.overrideQuotaForOrigin', { origin });
}

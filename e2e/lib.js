// Shared helpers for the end-to-end tests: the real release server binary on
// a free port with its own data dir, and Debian's Chromium via playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

/** Starts the release server; resolves once /api/health answers. */
export async function startServer({ dataDir, port } = {}) {
  port ??= await freePort();
  dataDir ??= mkdtempSync(join(tmpdir(), 'complaints-e2e-'));
  const child = spawn(SERVER_BIN, ['--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, '--dist', DIST_DIR], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    dataDir,
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

/** Runs `fn` with a fresh server, which is stopped and removed afterwards. */
export async function withServer(fn) {
  const server = await startServer();
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

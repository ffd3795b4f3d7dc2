// The server on SQLite, on PostgreSQL with one instance, and on PostgreSQL
// with two instances sharing one database (issue 16): ingest and pull
// throughput, measured in one run on one machine, over HTTP from node.
//
//   SERVER_BIN=… DIST_DIR=… BENCH_PG_URLS="postgres://…/b1 postgres://…/b2" \
//     node bench-servers.mjs [ops per pusher]
//
// BENCH_PG_URLS names two empty PostgreSQL databases (scripts/bench makes
// them on a throwaway cluster); without it only SQLite is measured.
//
// Ingest: 6 devices push at once, each its own new complaints in batches of
// 200 creation ops (about 1.2 KB of JSON each), spread over the instances.
// Pull: then 3 devices pull the whole log at once, pages of 1000, spread
// over the instances. Each figure is operations per second of wall time for
// all of them together. Never fails on speed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from './seed.js';

const SERVER_BIN = process.env.SERVER_BIN;
const DIST_DIR = process.env.DIST_DIR;
if (!SERVER_BIN || !DIST_DIR) throw new Error('SERVER_BIN and DIST_DIR must be set (scripts/bench does)');
const PG_URLS = (process.env.BENCH_PG_URLS || '').split(/\s+/).filter(Boolean);
const PER_PUSHER = Number(process.argv[2] || 2000);
const PUSHERS = 6;
const PULLERS = 3;
const BATCH = 200;

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

/** One server instance; `databaseUrl` for PostgreSQL. Resolves once ready. */
async function start(databaseUrl) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'complaints-bench-'));
  const args = ['--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, '--dist', DIST_DIR, '--demo'];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const env = { ...process.env, COMPLAINTS_DEMO_SAMPLES: 'off', RUST_LOG: 'warn' };
  const child = spawn(SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/api/ready`)).ok && /listening/.test(output)) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const password = output.match(/demo password \(every demo user\): (\S+)/)?.[1];
  return {
    url,
    password,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function token(url, password, device) {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password, device, device_key: `${device}-bench-device-key` }),
  });
  if (!res.ok) throw new Error(`login: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

/** Pusher `n`: its complaints in batches, to instance `n % instances`. */
async function pusher(urls, tokens, n) {
  const device = `bench-push-${n}`;
  const url = urls[n % urls.length];
  const auth = { authorization: `Bearer ${tokens[device]}` };
  let counter = 0;
  for (let sent = 0; sent < PER_PUSHER; sent += BATCH) {
    const ops = [];
    for (let j = 0; j < BATCH; j++) {
      const i = n * 1_000_000 + sent + j;
      const set = fixture(i, device);
      set.branch_code = 'BJ01';
      set.case_number = `BJ01${set.case_number.slice(set.case_number.indexOf('-'))}`;
      ops.push({ id: `b${n}x${String(i).padStart(12, '0')}`, rec: crypto.randomUUID(), hlc: `${Date.now()}-${counter++}`, dev: device, set });
    }
    const res = await fetch(`${url}/api/v1/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ device, ops }),
    });
    const answer = await res.json();
    if (res.status !== 200) throw new Error(`push answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);
    const bad = answer.results.find((r) => r.status !== 'accepted');
    if (bad) throw new Error(`push: not accepted: ${JSON.stringify(bad).slice(0, 300)}`);
  }
}

/** Puller `n`: the whole log from instance `n % instances`; resolves to the ops and bytes. */
async function puller(urls, tokens, n) {
  const device = `bench-pull-${n}`;
  const url = urls[n % urls.length];
  const auth = { authorization: `Bearer ${tokens[device]}` };
  let after = '';
  let ops = 0;
  let bytes = 0;
  for (;;) {
    const res = await fetch(`${url}/api/v1/sync/pull?after=${after}&limit=1000&device=${device}`, { headers: auth });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`pull answered ${res.status}: ${text.slice(0, 300)}`);
    const page = JSON.parse(text);
    ops += page.ops.length;
    bytes += text.length;
    after = page.cursor;
    if (!page.more) return { ops, bytes };
  }
}

async function measure(name, databaseUrl, instances) {
  const servers = [];
  try {
    for (let i = 0; i < instances; i++) servers.push(await start(databaseUrl));
    const password = servers[0].password;
    const urls = servers.map((s) => s.url);
    // Signed in one after the other (password checks are bounded per instance).
    const tokens = {};
    for (let n = 0; n < PUSHERS; n++) tokens[`bench-push-${n}`] = await token(urls[n % urls.length], password, `bench-push-${n}`);
    for (let n = 0; n < PULLERS; n++) tokens[`bench-pull-${n}`] = await token(urls[n % urls.length], password, `bench-pull-${n}`);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: PUSHERS }, (_, n) => pusher(urls, tokens, n)));
    const ingestS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const pulled = await Promise.all(Array.from({ length: PULLERS }, (_, n) => puller(urls, tokens, n)));
    const pullS = (performance.now() - t1) / 1000;
    const total = PUSHERS * PER_PUSHER;
    for (const p of pulled) {
      if (p.ops < total) throw new Error(`${name}: a puller got ${p.ops} of ${total} ops`);
    }
    const pulledOps = pulled.reduce((sum, p) => sum + p.ops, 0);
    const mb = pulled.reduce((sum, p) => sum + p.bytes, 0) / 1e6;
    return [name, `${Math.round(total / ingestS)}`, `${ingestS.toFixed(1)} s`, `${Math.round(pulledOps / pullS)}`, `${(mb / pullS).toFixed(1)}`];
  } finally {
    for (const s of servers) await s.stop();
  }
}

const rows = [await measure('SQLite, 1 instance', null, 1)];
if (PG_URLS.length >= 2) {
  rows.push(await measure('PostgreSQL, 1 instance', PG_URLS[0], 1));
  rows.push(await measure('PostgreSQL, 2 instances', PG_URLS[1], 2));
} else {
  console.log('servers: PostgreSQL skipped (BENCH_PG_URLS names no two databases)');
}
const head = ['database', 'ingest ops/s', 'ingest time', 'pull ops/s', 'pull MB/s'];
const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
const line = (r) => '  ' + r.map((cell, c) => (c ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
console.log(
  `servers (release binary, this machine; ingest: ${PUSHERS} devices × ${PER_PUSHER} creation ops at once, ` +
    `batches of ${BATCH}; pull: ${PULLERS} devices × the whole log at once, pages of 1000; ` +
    `instances share one database, devices spread over them):`,
);
console.log(line(head));
for (const r of rows) console.log(line(r));

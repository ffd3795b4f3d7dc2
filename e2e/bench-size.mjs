// Figure: the download as the server sends it. For every file the service
// worker precaches (its list, from the built sw.js) and the worker itself,
// the bytes on the wire asked for with no encoding, with gzip and with
// brotli (what Chromium asks for), and the brotli total against the 400 KB
// budget (1 KB = 1000 bytes). A benchmark, not a test: it prints figures.
//   node e2e/bench-size.mjs        (scripts/bench sets the env)
import { get } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_DIR, startServer } from './lib.js';

const BUDGET_KB = 400;

/** Bytes of the body of GET `url` with `Accept-Encoding: encoding`, as sent (not decoded). */
function wireBytes(url, encoding) {
  return new Promise((resolve, reject) => {
    get(url, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
      let n = 0;
      res.on('data', (chunk) => (n += chunk.length));
      res.on('end', () => resolve({ bytes: n, encoding: res.headers['content-encoding'] || 'identity', status: res.statusCode }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const sw = readFileSync(join(DIST_DIR, 'sw.js'), 'utf8');
const list = JSON.parse(sw.match(/const PRECACHE = (\[[^\]]*\]);/)[1]);
const server = await startServer();
try {
  const kb = (b) => (b / 1000).toFixed(1);
  const rows = [];
  for (const path of [...new Set(list), '/sw.js']) {
    const url = `${server.url}${path}`;
    const [raw, gzip, br] = await Promise.all([wireBytes(url), wireBytes(url, 'gzip'), wireBytes(url, 'br, gzip')]);
    if (raw.status !== 200) throw new Error(`${path}: ${raw.status}`);
    rows.push({ path, raw: raw.bytes, gzip: gzip.bytes, br: br.bytes, enc: br.encoding, precached: path !== '/sw.js' });
  }
  console.log('download as served (bytes on the wire, 1 KB = 1000 B):');
  console.log(`  ${'file'.padEnd(48)} ${'raw KB'.padStart(9)} ${'gzip KB'.padStart(9)} ${'br KB'.padStart(9)}  sent as`);
  for (const r of rows) {
    console.log(`  ${r.path.padEnd(48)} ${kb(r.raw).padStart(9)} ${kb(r.gzip).padStart(9)} ${kb(r.br).padStart(9)}  ${r.enc}`);
  }
  const sum = (k, only) => rows.filter((r) => !only || r.precached).reduce((a, r) => a + r[k], 0);
  console.log(`  ${'total precached'.padEnd(48)} ${kb(sum('raw', true)).padStart(9)} ${kb(sum('gzip', true)).padStart(9)} ${kb(sum('br', true)).padStart(9)}`);
  console.log(`  ${'total with sw.js'.padEnd(48)} ${kb(sum('raw')).padStart(9)} ${kb(sum('gzip')).padStart(9)} ${kb(sum('br')).padStart(9)}`);
  const total = sum('br', true);
  console.log(
    `download budget: ${kb(total)} KB brotli precached ${total <= BUDGET_KB * 1000 ? '<=' : '>'} ${BUDGET_KB} KB: ${
      total <= BUDGET_KB * 1000 ? 'within budget' : 'OVER BUDGET'
    } (gzip ${kb(sum('gzip', true))} KB)`,
  );
} finally {
  await server.stop();
  server.cleanup();
}

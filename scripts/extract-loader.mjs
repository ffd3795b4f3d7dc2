// Trunk post-build step (called by scripts/sw-stamp): moves the inline
// <script type="module"> that Trunk writes into index.html (it imports the
// wasm-bindgen glue and starts the wasm) into its own file, /boot.js, so
// that the page runs under a Content-Security-Policy without 'unsafe-inline'
// (script-src 'self' 'wasm-unsafe-eval'; see crates/server/src/security.rs).
//
//   node scripts/extract-loader.mjs <dist dir>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: extract-loader.mjs <dist dir>');
const index = join(dir, 'index.html');
const html = readFileSync(index, 'utf8');
// Inline module scripts: no src attribute. Trunk writes exactly one.
const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter(
  ([, attrs, body]) => !/\bsrc\s*=/.test(attrs) && body.trim() !== '',
);
if (inline.length !== 1 || !/type\s*=\s*"?module/.test(inline[0][1])) {
  console.error(`extract-loader: expected one inline module script in ${index}, found ${inline.length}`);
  process.exit(1);
}
const [tag, , body] = inline[0];
writeFileSync(join(dir, 'boot.js'), body.trim() + '\n');
writeFileSync(index, html.replace(tag, '<script type="module" src="/boot.js"></script>'));
console.log(`extract-loader: the wasm loader is now /boot.js (${body.trim().length} bytes)`);

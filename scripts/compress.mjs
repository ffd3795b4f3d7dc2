#!/usr/bin/env node
// Precompresses a build: for every .wasm .js .css .html .webmanifest file
// under DIR (recursively) writes FILE.br (brotli, quality 11) and FILE.gz
// (gzip, level 9) beside it, and prints raw/gzip/brotli sizes per file.
//
// Why at build time: brotli at quality 11 is far too slow to run per request,
// and it is what makes the wasm fit the download budget. The server
// (crates/server, module static_files) sends FILE.br or FILE.gz to clients
// that accept them. Run by scripts/sw-stamp as its last step, after sw.js is
// stamped and the JS minified, so the variants hold the final bytes and stay
// out of the precache list (the browser decodes them; it never asks for the
// .br/.gz names).
//
// Usage: node scripts/compress.mjs DIR
// Node 20, no npm packages (node:zlib).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSED = /\.(wasm|js|css|html|webmanifest)$/;

const dir = process.argv[2];
if (!dir || process.argv.length > 3) {
  console.error('usage: node scripts/compress.mjs DIR');
  process.exit(2);
}

/** Every file under `root` (recursively), sorted, as full paths. */
function filesUnder(root) {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

function brotli(bytes, isText) {
  return brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: isText ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

// The regex only matches the listed extensions, so FILE.br and FILE.gz
// (from an earlier run) are never compressed again.
const files = filesUnder(dir).filter((file) => COMPRESSED.test(file));
const total = { raw: 0, gzip: 0, brotli: 0 };
for (const file of files) {
  const bytes = readFileSync(file);
  const br = brotli(bytes, !file.endsWith('.wasm'));
  const gz = gzipSync(bytes, { level: 9 });
  writeFileSync(`${file}.br`, br);
  writeFileSync(`${file}.gz`, gz);
  total.raw += bytes.length;
  total.gzip += gz.length;
  total.brotli += br.length;
  console.log(`compress: ${relative(dir, file)}: raw ${bytes.length}, gzip ${gz.length}, brotli ${br.length} bytes`);
}
console.log(`compress: ${files.length} files: raw ${total.raw}, gzip ${total.gzip}, brotli ${total.brotli} bytes`);

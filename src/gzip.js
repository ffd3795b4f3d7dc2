// Compressing a request body with the browser's own gzip (CompressionStream):
// nothing in the download for it. A browser without it (Safari before 16.4)
// gets null, and the body goes as it is.

/** `text` gzipped, as bytes; null where the browser cannot compress. */
export async function gzip(text) {
  if (typeof CompressionStream !== 'function') return null;
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

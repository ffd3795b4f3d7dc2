// Browser calls of the KPI pages that have no binding in web-sys worth
// its size: offering text as a file download, and printing.

/** Offers `text` as a download named `name` (UTF-8 CSV). */
export function save_file(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Opens the browser's print dialog. */
export function print_page() {
  window.print();
}

// The visible window of a long list: only these rows are drawn, and only their pages
// are fetched from the engine, so 20,000 applications scroll like 20.

export type Window = { first: number; last: number; pages: number[] };

/** Rows [first, last) visible at `scrollTop`, with `overscan` rows either side, and
 * the pages of `pageSize` rows that hold them. */
export function visibleWindow(
  scrollTop: number, viewport: number, rowHeight: number, total: number, pageSize: number, overscan = 8,
): Window {
  if (total <= 0 || rowHeight <= 0) return { first: 0, last: 0, pages: [] };
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  const pages: number[] = [];
  for (let p = Math.floor(first / pageSize); p * pageSize < last; p++) pages.push(p);
  return { first, last, pages };
}

/** The scrollTop that brings row `index` into view (unchanged when it already is). */
export function scrollToRow(index: number, scrollTop: number, viewport: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport;
  return scrollTop;
}

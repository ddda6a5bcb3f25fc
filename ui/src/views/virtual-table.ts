// A virtual table: a scrolling viewport that holds only the rows in view (and
// a few either side), over a spacer as tall as every row, so 100,000 items
// cost a few dozen elements in the page. Rows have one fixed height.

import { clear, h } from "../dom";

/** Rows drawn beyond the visible ones on each side, so a short scroll shows no gap. */
export const OVERSCAN = 5;
/** Rows drawn at least (from the first), e.g. while the viewport has no height yet. */
export const MIN_ROWS = 20;

/**
 * The rows to draw, `first` up to (not including) `end`, for a viewport
 * scrolled to `top` pixels and `height` pixels tall, over `count` rows of
 * `rowHeight` pixels.
 */
export function rowWindow(
  top: number,
  height: number,
  count: number,
  rowHeight: number,
): { first: number; end: number } {
  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.ceil((top + height) / rowHeight) + OVERSCAN;
  return { first, end: Math.min(count, Math.max(last, first + MIN_ROWS)) };
}

/**
 * The viewport (`${prefix}-viewport`, to put in the page) holds either a
 * message (`showMessage`) or the rows (`show`): a spacer (`${prefix}-spacer`)
 * as tall as every row, and in it the drawn rows (`${prefix}-rows`), moved
 * down to where the first of them belongs. Scrolling and resizing redraw.
 */
export class VirtualTable<T> {
  readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private items: readonly T[] = [];

  constructor(
    private readonly rowHeight: number,
    private readonly row: (item: T) => HTMLElement,
    prefix: string,
  ) {
    this.rows = h("div", { class: `${prefix}-rows` });
    this.spacer = h("div", { class: `${prefix}-spacer` }, this.rows);
    this.viewport = h("div", { class: `${prefix}-viewport`, role: "rowgroup", tabindex: "-1" }, this.spacer);
    this.viewport.addEventListener("scroll", () => this.drawWindow(), { passive: true });
    new ResizeObserver(() => this.drawWindow()).observe(this.viewport);
  }

  /** Shows something instead of rows (loading, an error, an empty library). */
  showMessage(message: Node) {
    clear(this.viewport, message);
  }

  /** Shows these rows: the spacer is sized for all of them, the ones in view are drawn. */
  show(items: readonly T[]) {
    if (this.viewport.firstChild !== this.spacer) clear(this.viewport, this.spacer);
    this.items = items;
    this.spacer.style.height = `${items.length * this.rowHeight}px`;
    this.drawWindow();
  }

  /** Draws the rows in view again (after a scroll or a resize, or when what a row shows changed). */
  drawWindow() {
    const { first, end } = rowWindow(
      this.viewport.scrollTop,
      this.viewport.clientHeight,
      this.items.length,
      this.rowHeight,
    );
    this.rows.style.transform = `translateY(${first * this.rowHeight}px)`;
    clear(this.rows, this.items.slice(first, end).map(this.row));
  }
}

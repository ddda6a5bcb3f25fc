// A virtual table: a scrolling viewport that holds only the rows in view (and
// a few either side), over a spacer as tall as every row, so 100,000 items
// cost a few dozen elements in the page. Rows have one fixed height.

import { clear, h } from "../dom";

/** Rows drawn beyond the visible ones on each side, so a short scroll shows no gap. */
export const OVERSCAN = 5;
/** Rows drawn at least (from the first), e.g. while the viewport has no height yet. */
export const MIN_ROWS = 20;

/** What can hold the keyboard focus inside a row. */
const FOCUSABLE = "button, a[href], input, select, textarea, summary, [tabindex]";

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
 *
 * A row is drawn once per item (the same object): drawing again keeps the
 * element of every item still in view and in place, so the keyboard focus
 * stays where it is. When a row holding the focus is drawn anew (its item
 * changed), the focus moves to the same place in the new row (`key` tells
 * which row is the same).
 */
export class VirtualTable<T> {
  readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private items: readonly T[] = [];
  /** The drawn rows by item. */
  private drawn = new Map<T, HTMLElement>();
  private keys = new WeakMap<Element, string>();
  /** The key of the row last focused (the one in the Tab order). */
  private current: string | null = null;

  constructor(
    private readonly rowHeight: number,
    private readonly row: (item: T) => HTMLElement,
    prefix: string,
    private readonly key: (item: T) => string = (item) => String(item),
  ) {
    this.rows = h("div", { class: `${prefix}-rows` });
    this.spacer = h("div", { class: `${prefix}-spacer` }, this.rows);
    this.viewport = h("div", { class: `${prefix}-viewport`, role: "rowgroup", tabindex: "-1" }, this.spacer);
    this.viewport.addEventListener("scroll", () => this.drawWindow(), { passive: true });
    this.rows.addEventListener("focusin", (e) => {
      const row = [...this.rows.children].find((r) => r.contains(e.target as Node));
      const key = row && this.keys.get(row);
      if (key !== undefined && key !== this.current) {
        this.current = key;
        this.rove([...this.rows.children] as HTMLElement[]);
      }
    });
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

  /** The next draw draws every row anew (what a row shows changed without its item changing). */
  forget() {
    this.drawn = new Map();
  }

  /** Draws the rows in view (after a scroll or a resize, or when what a row shows changed). */
  drawWindow() {
    const { first, end } = rowWindow(
      this.viewport.scrollTop,
      this.viewport.clientHeight,
      this.items.length,
      this.rowHeight,
    );
    this.rows.style.transform = `translateY(${first * this.rowHeight}px)`;
    const focus = this.focused();
    const drawn = new Map<T, HTMLElement>();
    const wanted = this.items.slice(first, end).map((item) => {
      let el = this.drawn.get(item);
      if (!el) {
        el = this.row(item);
        this.keys.set(el, this.key(item));
      }
      drawn.set(item, el);
      return el;
    });
    this.drawn = drawn;
    const keep = new Set<Element>(wanted);
    for (const old of [...this.rows.children]) if (!keep.has(old)) old.remove();
    wanted.forEach((el, i) => {
      const at = this.rows.children[i];
      if (at !== el) this.rows.insertBefore(el, at ?? null);
    });
    this.rove(wanted);
    if (focus && !this.rows.contains(document.activeElement)) {
      const row = wanted.find((el) => this.keys.get(el) === focus.key);
      const target = !row ? null : focus.at < 0 ? row : row.querySelectorAll<HTMLElement>(FOCUSABLE)[focus.at];
      target?.focus({ preventScroll: true });
    }
  }

  /**
   * Arrow keys: moves the keyboard focus from the row of `key` to the row
   * `to` away (clamped to the table), or to the first or last row, scrolling
   * it into view.
   */
  moveFocus(key: string, to: number | "first" | "last") {
    const at = this.items.findIndex((i) => this.key(i) === key);
    if (at < 0 || this.items.length === 0) return;
    const last = this.items.length - 1;
    const target = to === "first" ? 0 : to === "last" ? last : Math.min(last, Math.max(0, at + to));
    const top = target * this.rowHeight;
    const bottom = top + this.rowHeight;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (bottom > this.viewport.scrollTop + this.viewport.clientHeight)
      this.viewport.scrollTop = bottom - this.viewport.clientHeight;
    this.current = this.key(this.items[target]);
    this.drawWindow();
    this.drawn.get(this.items[target])?.focus({ preventScroll: true });
  }

  /**
   * One row is in the Tab order (a roving tabindex): the one last focused,
   * else the first drawn; the arrow keys move between the others.
   */
  private rove(rows: HTMLElement[]) {
    const current = rows.find((el) => this.keys.get(el) === this.current) ?? rows[0];
    for (const el of rows) el.tabIndex = el === current ? 0 : -1;
  }

  /** The row holding the focus (its key) and where in it (-1: the row itself). */
  private focused(): { key: string; at: number } | null {
    const active = document.activeElement;
    if (!active || !this.rows.contains(active)) return null;
    const row = [...this.rows.children].find((r) => r.contains(active));
    const key = row && this.keys.get(row);
    if (!row || key === undefined) return null;
    return { key, at: row === active ? -1 : [...row.querySelectorAll(FOCUSABLE)].indexOf(active) };
  }
}

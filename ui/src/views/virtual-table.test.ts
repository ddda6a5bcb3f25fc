import { beforeAll, describe, expect, it } from "vitest";
import { h } from "../dom";
import { rowWindow, VirtualTable } from "./virtual-table";

beforeAll(() => {
  // jsdom has no layout; the table only needs the constructor.
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

const ROW = 50;

/** A table of `n` numbered rows in a viewport `height` pixels tall (jsdom lays nothing out). */
function table(n: number, height: number) {
  const t = new VirtualTable<number>(ROW, (i) => h("div", { class: "row", "data-i": i }, `row ${i}`), "t");
  Object.defineProperty(t.viewport, "clientHeight", { configurable: true, value: height });
  let top = 0;
  Object.defineProperty(t.viewport, "scrollTop", { configurable: true, get: () => top });
  const scrollTo = (y: number) => {
    top = y;
    t.viewport.dispatchEvent(new Event("scroll"));
  };
  t.show(Array.from({ length: n }, (_, i) => i));
  const drawn = () => [...t.viewport.querySelectorAll(".t-rows .row")].map((r) => Number(r.getAttribute("data-i")));
  const offset = () => (t.viewport.querySelector(".t-rows") as HTMLElement).style.transform;
  return { t, scrollTo, drawn, offset };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("the virtual table", () => {
  it("draws the rows in view and five either side, moved to where they belong", () => {
    // 600 px show rows 40 to 51 (12 rows) at 2,000 px; five more on each side.
    const { scrollTo, drawn, offset, t } = table(10_000, 600);
    scrollTo(40 * ROW);
    expect(drawn()).toEqual(range(35, 57));
    expect(offset()).toBe(`translateY(${35 * ROW}px)`);
    // Half a row further: row 52 shows in part, so it is drawn too.
    scrollTo(40 * ROW + 25);
    expect(drawn()).toEqual(range(35, 58));
    expect((t.viewport.querySelector(".t-spacer") as HTMLElement).style.height).toBe(`${10_000 * ROW}px`);
  });

  it("draws at least twenty rows (a viewport not laid out yet), and none past the last", () => {
    const { scrollTo, drawn, offset } = table(10_000, 0);
    expect(drawn()).toEqual(range(0, 20));
    const end = table(100, 600);
    end.scrollTo(100 * ROW - 600);
    expect(end.drawn()).toEqual(range(83, 100));
    scrollTo(0);
    expect(offset()).toBe("translateY(0px)");
  });

  it("shows a message instead of rows, and the rows again", () => {
    const { t, drawn } = table(3, 600);
    t.showMessage(h("p", { class: "empty" }, "Nothing yet"));
    expect(t.viewport.textContent).toBe("Nothing yet");
    t.show([7, 8]);
    expect(drawn()).toEqual([7, 8]);
    expect(t.viewport.textContent).toBe("row 7row 8");
  });

  it("computes the window alone: first and end (not included)", () => {
    expect(rowWindow(0, 520, 100_000, 52)).toEqual({ first: 0, end: 20 });
    expect(rowWindow(52_000, 1040, 100_000, 52)).toEqual({ first: 995, end: 1025 });
    expect(rowWindow(52_000, 1040, 1010, 52)).toEqual({ first: 995, end: 1010 });
  });
});

describe("the virtual table's keyboard", () => {
  /** A table whose viewport can be scrolled by the code (jsdom lays nothing out). */
  function scrollable(n: number, height: number) {
    const t = new VirtualTable<number>(ROW, (i) => h("div", { class: "row", "data-i": i }, `row ${i}`), "k");
    Object.defineProperty(t.viewport, "clientHeight", { configurable: true, value: height });
    let top = 0;
    Object.defineProperty(t.viewport, "scrollTop", {
      configurable: true,
      get: () => top,
      set: (y: number) => {
        top = y;
      },
    });
    document.body.append(t.viewport);
    t.show(Array.from({ length: n }, (_, i) => i));
    const focused = () => Number((document.activeElement as HTMLElement).getAttribute("data-i"));
    const inTabOrder = () =>
      [...t.viewport.querySelectorAll<HTMLElement>(".row")]
        .filter((r) => r.tabIndex === 0)
        .map((r) => Number(r.getAttribute("data-i")));
    return { t, focused, inTabOrder, top: () => top };
  }

  it("keeps one row in the Tab order, the first until another is focused", () => {
    const { t, inTabOrder } = scrollable(100, 600);
    expect(inTabOrder()).toEqual([0]);
    t.moveFocus("0", 3);
    expect(inTabOrder()).toEqual([3]);
    t.viewport.remove();
  });

  it("moves the focus by rows, pages, to the first and the last, scrolling it into view", () => {
    const { t, focused, top } = scrollable(10_000, 600);
    t.moveFocus("0", 1);
    expect(focused()).toBe(1);
    t.moveFocus("1", -5);
    expect(focused()).toBe(0);
    t.moveFocus("0", 10);
    expect(focused()).toBe(10);
    // Row 10 ends at 550 px: still in a 600 px viewport.
    expect(top()).toBe(0);
    t.moveFocus("10", 10);
    expect(focused()).toBe(20);
    expect(top()).toBe(21 * ROW - 600);
    t.moveFocus("20", "last");
    expect(focused()).toBe(9_999);
    expect(top()).toBe(10_000 * ROW - 600);
    t.moveFocus("9999", "first");
    expect(focused()).toBe(0);
    expect(top()).toBe(0);
    t.viewport.remove();
  });
});

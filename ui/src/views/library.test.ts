import { beforeAll, describe, expect, it, vi } from "vitest";
import type { LibraryBatch, LibraryItem } from "../bindings";
import { state } from "../app";
import { Compactor, loadLibrary, renderLibrary } from "./library";

// The backend's stream, played by each test: list_library's batches.
let play: (onBatch: (b: LibraryBatch) => void) => Promise<number> = async () => 0;
vi.mock("../api", () => ({
  api: { listLibrary: (onBatch: (b: LibraryBatch) => void) => play(onBatch) },
}));

beforeAll(() => {
  // jsdom has no layout; the table only needs the constructor.
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

function items(n: number): LibraryItem[] {
  return Array.from({ length: n }, (_, i) => ({
    cid: `Qm${i.toString().padStart(8, "0")}`,
    name: `item ${i}`,
    size: i,
    added_at: null,
    added_by: null,
    copies: 2,
    target: 3,
    health: "pinning",
    partners: [
      { peer_id: "p1", peername: "acme", status: "pinned", error: "", timestamp: "" },
      { peer_id: "p2", peername: "beta", status: "pinning", error: "", timestamp: "" },
      { peer_id: "p3", peername: "gamma", status: "remote", error: "", timestamp: "" },
    ],
    metadata: {},
  }));
}

describe("library table", () => {
  it("renders only a window of 100,000 items, with plain-word chips", () => {
    state.items = items(100_000);
    state.libraryLoaded = true;
    state.libraryComplete = true;
    const root = document.createElement("main");
    renderLibrary(root);
    const rows = root.querySelectorAll(".lib-rows .lib-row");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(60);
    expect(root.querySelector("#library-count")?.textContent).toBe("100000 items");
    const chips = [...rows[0].querySelectorAll(".chip")].map((c) => c.getAttribute("title"));
    expect(chips).toEqual(["acme: Stored (pinned)", "beta: Copying… (pinning)", "gamma: Not assigned here (remote)"]);
    expect(rows[0].querySelector(".pill")?.textContent).toBe("2 of 3 copies");
  });

  it("an empty library teaches what to do", () => {
    state.items = [];
    state.libraryLoaded = true;
    const root = document.createElement("main");
    renderLibrary(root);
    expect(root.querySelector("#library-empty")?.textContent).toContain("Drop a folder here, or choose Add");
  });

  it("shows the pinset's first rows at once, then fills in every partner's state", async () => {
    state.items = [];
    state.libraryLoaded = false;
    state.libraryComplete = false;
    const root = document.createElement("main");
    renderLibrary(root);
    const all = items(300);
    const checking = (i: LibraryItem): LibraryItem => ({ ...i, copies: 0, health: "checking", partners: [] });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    play = async (onBatch) => {
      onBatch({ phase: "pinset", items: all.slice(0, 100).map(checking), last: false });
      await gate;
      onBatch({ phase: "pinset", items: all.slice(100).map(checking), last: true });
      onBatch({ phase: "status", items: all, last: true });
      return all.length;
    };
    const loaded = loadLibrary();
    await Promise.resolve();
    // The first batch is on screen before the rest has arrived.
    expect(state.items.length).toBe(100);
    expect(root.querySelector("#library-count")?.textContent).toBe("100 items so far…");
    expect(root.querySelector(".lib-rows .pill")?.textContent).toBe("Checking…");
    release();
    await loaded;
    expect(state.items.length).toBe(300);
    expect(state.items.every((i) => i.health === "pinning")).toBe(true);
    expect(root.querySelector("#library-count")?.textContent).toBe("300 items");
  });

  it("a refresh keeps the rows it shows until the new pinset is complete, and folds repeated calls", async () => {
    const shown = state.items;
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const fresh = items(301);
    play = async (onBatch) => {
      calls++;
      onBatch({ phase: "pinset", items: fresh.slice(0, 100).map((i) => ({ ...i, health: "checking" })), last: false });
      await gate;
      onBatch({ phase: "pinset", items: fresh.slice(100).map((i) => ({ ...i, health: "checking" })), last: true });
      onBatch({ phase: "status", items: fresh, last: true });
      return fresh.length;
    };
    const first = loadLibrary();
    void loadLibrary();
    void loadLibrary();
    await Promise.resolve();
    expect(state.items).toBe(shown);
    release();
    await first;
    // Three calls while one ran: that one, then one more.
    expect(calls).toBe(2);
    expect(state.items.length).toBe(301);
    // An item already shown keeps its state until the new one arrives, never "checking" in between.
    expect(state.items.every((i) => i.health === "pinning")).toBe(true);
  });
});

describe("the page's compact library", () => {
  // Each JSON batch brings its own copy of every value: copies, as here.
  const fresh = (n: number) => JSON.parse(JSON.stringify(items(n))) as LibraryItem[];

  it("keeps every item's values and shares the repeated ones", () => {
    const c = new Compactor();
    const raw = fresh(3);
    raw[2].metadata = { files: "12" };
    const out = raw.map((i) => c.item(i));
    expect(out).toEqual(raw);
    expect(out[0].partners).toBe(out[1].partners);
    expect(out[0].partners[0]).toBe(out[1].partners[0]);
    expect(out[0].metadata).toBe(out[1].metadata);
    expect(out[2].metadata).toEqual({ files: "12" });
    expect(Object.isFrozen(out[0].partners)).toBe(true);
  });

  it("keeps differing partner states apart, and stays bounded", () => {
    const c = new Compactor(2);
    const raw = fresh(4);
    raw[1].partners[1] = { ...raw[1].partners[1], status: "pinned", timestamp: "2026-11-26T02:07:49Z" };
    const out = raw.map((i) => c.item(i));
    expect(out).toEqual(raw);
    expect(out[1].partners).not.toBe(out[0].partners);
    expect(out[1].partners[1].status).toBe("pinned");
  });
});

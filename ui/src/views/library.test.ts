import { beforeAll, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api";
import { state } from "../app";
import type { LibraryBatch, LibraryItem } from "../bindings";
import { Compactor, loadLibrary, renderLibrary } from "./library";

// The backend's stream, played by each test: list_library's batches.
let play: (onBatch: (b: LibraryBatch) => void) => Promise<number> = async () => 0;
vi.mock("../api", async (original) => ({
  ...(await original<typeof import("../api")>()),
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
      { peer_id: "p1", peername: "acme", status: "pinned", error: "", timestamp: "", audit: null },
      { peer_id: "p2", peername: "beta", status: "pinning", error: "", timestamp: "", audit: null },
      { peer_id: "p3", peername: "gamma", status: "remote", error: "", timestamp: "", audit: null },
    ],
    metadata: {},
    fixity: null,
  }));
}

describe("library table", () => {
  it("renders only a window of 100,000 items, with plain-word chips", () => {
    state.items = items(100_000);
    state.library = { kind: "complete" };
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
    state.library = { kind: "complete" };
    const root = document.createElement("main");
    renderLibrary(root);
    expect(root.querySelector("#library-empty")?.textContent).toContain("Drop a folder here, or choose Add");
  });

  it("shows the pinset's first rows at once, then fills in every partner's state", async () => {
    state.items = [];
    state.library = { kind: "idle" };
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

describe("the library's load state", () => {
  // What the page shows after each batch: the state, the count, whether the
  // states are marked complete, and what the viewport holds.
  type Seen = { kind: string; count: string; states: string; shows: string };
  const seen = (root: HTMLElement): Seen => ({
    kind: state.library.kind,
    count: root.querySelector("#library-count")?.textContent ?? "",
    states: (root.querySelector("#library-count") as HTMLElement | null)?.dataset.states ?? "",
    shows: root.querySelector(".lib-viewport [role=alert]")
      ? "error"
      : root.querySelector(".lib-viewport .empty")
        ? "message"
        : `${root.querySelectorAll(".lib-rows .lib-row").length} rows`,
  });
  const pending = (i: LibraryItem): LibraryItem => ({ ...i, copies: 0, health: "checking", partners: [] });
  // Plays the pinset in two batches, then the states, noting what the page shows at the start and after each.
  const stream = (root: HTMLElement, all: LibraryItem[], log: Seen[]) => async (onBatch: (b: LibraryBatch) => void) => {
    log.push(seen(root));
    onBatch({ phase: "pinset", items: all.slice(0, 10).map(pending), last: false });
    log.push(seen(root));
    onBatch({ phase: "pinset", items: all.slice(10).map(pending), last: true });
    log.push(seen(root));
    onBatch({ phase: "status", items: all, last: true });
    log.push(seen(root));
    return all.length;
  };

  it("a first load: idle, then first-load as the pinset arrives, checking until the states arrive, then complete", async () => {
    state.items = [];
    state.library = { kind: "idle" };
    const root = document.createElement("main");
    renderLibrary(root);
    expect(root.querySelector(".lib-viewport .empty")?.textContent).toBe("Loading the library…");
    const log: Seen[] = [];
    play = stream(root, items(30), log);
    await loadLibrary();
    expect(log).toEqual([
      { kind: "idle", count: "", states: "", shows: "message" },
      { kind: "first-load", count: "10 items so far…", states: "pending", shows: "10 rows" },
      { kind: "checking", count: "30 items", states: "pending", shows: "20 rows" },
      { kind: "complete", count: "30 items", states: "complete", shows: "20 rows" },
    ]);
  });

  it("a refresh: refreshing from its start until its states arrive, showing the rows it had until its pinset is complete", async () => {
    state.items = items(3);
    state.library = { kind: "complete" };
    const root = document.createElement("main");
    renderLibrary(root);
    const log: Seen[] = [];
    play = stream(root, items(30), log);
    await loadLibrary();
    expect(log).toEqual([
      { kind: "refreshing", count: "3 items", states: "complete", shows: "3 rows" },
      { kind: "refreshing", count: "3 items", states: "complete", shows: "3 rows" },
      { kind: "refreshing", count: "30 items", states: "complete", shows: "20 rows" },
      { kind: "complete", count: "30 items", states: "complete", shows: "20 rows" },
    ]);
  });

  it("a failure shows its error, which stays while Try again runs until the first rows arrive", async () => {
    state.items = items(3);
    state.library = { kind: "complete" };
    const root = document.createElement("main");
    renderLibrary(root);
    const failure = new ApiError({ code: "unreachable", message: "The storage node at x could not be reached." });
    play = async () => {
      throw failure;
    };
    await loadLibrary();
    expect(state.library).toEqual({ kind: "failed", error: failure });
    expect(root.querySelector(".lib-viewport [role=alert] p")?.textContent).toBe(failure.message);
    // Try again is a first load: rows as they arrive, from the first batch on.
    const log: Seen[] = [];
    play = stream(root, items(30), log);
    (root.querySelector(".lib-viewport [role=alert] button") as HTMLButtonElement).click();
    // The click's load (not folded with another one) has ended.
    await new Promise((r) => setTimeout(r, 0));
    expect(log.map((s) => [s.kind, s.shows, s.count])).toEqual([
      ["failed", "error", "3 items"],
      ["first-load", "10 rows", "10 items so far…"],
      ["checking", "20 rows", "30 items"],
      ["complete", "20 rows", "30 items"],
    ]);
  });

  it("a first load that fails leaves idle for failed, and an empty library still completes", async () => {
    state.items = [];
    state.library = { kind: "idle" };
    const root = document.createElement("main");
    renderLibrary(root);
    play = async () => {
      throw new ApiError({ code: "not_connected", message: "Not connected to a storage node." });
    };
    await loadLibrary();
    expect(state.library.kind).toBe("failed");
    expect(root.querySelector(".lib-viewport [role=alert]")).not.toBeNull();
    const kinds: string[] = [];
    play = async (onBatch) => {
      onBatch({ phase: "pinset", items: [], last: true });
      kinds.push(state.library.kind);
      onBatch({ phase: "status", items: [], last: true });
      kinds.push(state.library.kind);
      return 0;
    };
    await loadLibrary();
    expect(kinds).toEqual(["checking", "complete"]);
    expect(root.querySelector("#library-empty")).not.toBeNull();
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

import { beforeAll, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api";
import { state } from "../app";
import type { ItemFixity, LibraryBatch, LibraryItem } from "../bindings";
import { setPlaces } from "../places";
import { Compactor, loadLibrary, renderLibrary, updateItem } from "./library";

// The backend's stream, played by each test: list_library's batches.
let play: (onBatch: (b: LibraryBatch) => void) => Promise<number> = async () => 0;
// item_detail, answered by each test.
const detail: (cid: string) => Promise<LibraryItem> = async () => {
  throw new Error("not asked");
};
vi.mock("../api", async (original) => ({
  ...(await original<typeof import("../api")>()),
  api: {
    listLibrary: (onBatch: (b: LibraryBatch) => void) => play(onBatch),
    itemDetail: (cid: string) => detail(cid),
    networkPlaces: async () => ({
      partners: 3,
      by_peer: { p2: { organisation: "Bristol Archives", site: "Bristol, UK" } },
    }),
  },
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
  it("names a partner by its organisation, with its place and computer in the chip's title", () => {
    setPlaces({ partners: 3, by_peer: { p2: { organisation: "Bristol Archives", site: "Bristol, UK" } } });
    state.items = items(3);
    state.library = { kind: "complete" };
    const root = document.createElement("main");
    renderLibrary(root);
    const chips = [...root.querySelectorAll(".lib-rows .lib-row")[0].querySelectorAll(".chip")];
    expect(chips.map((c) => c.textContent)).toEqual(["acme", "Bristol Archives", "gamma"]);
    expect(chips[1].getAttribute("title")).toBe("Bristol Archives (Bristol, UK · computer beta): Copying… (pinning)");
    setPlaces({ partners: 0, by_peer: {} });
  });

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

describe("the library's checks of the copies", () => {
  const at = new Date(Date.now() - 3 * 3600_000).toISOString();
  const withFixity = (n: number, fixity: (i: number) => ItemFixity | null) =>
    items(n).map((item, i) => ({ ...item, fixity: fixity(i) }));
  const states: ItemFixity["state"][] = ["verified", "problems", "unreachable", "overdue", "unchecked"];
  const shown = (root: HTMLElement) =>
    [...root.querySelectorAll(".lib-rows .lib-row")].map(
      (r) => `${r.querySelector(".name")?.textContent}: ${r.querySelector(".c-verified .fixity")?.textContent}`,
    );

  it("shows when every copy was last verified, or a word, and Needs attention lists only what needs it", () => {
    state.items = withFixity(6, (i) => (i === 5 ? null : { state: states[i], last_verified_at: at }));
    state.library = { kind: "complete" };
    const root = document.createElement("main");
    renderLibrary(root);
    expect(root.querySelector(".lib-head")?.textContent).toContain("Last verified");
    expect(shown(root).sort()).toEqual([
      "item 0: 3 hours ago",
      "item 1: Problems found",
      "item 2: A partner could not be reached",
      "item 3: Overdue",
      "item 4: Not checked yet",
      "item 5: —",
    ]);
    const chip = [...root.querySelectorAll<HTMLButtonElement>(".chip-filter")].find(
      (b) => b.textContent === "Needs attention",
    );
    chip?.click();
    expect(shown(root).sort()).toEqual([
      "item 1: Problems found",
      "item 2: A partner could not be reached",
      "item 3: Overdue",
    ]);
    expect(root.querySelector("#library-count")?.textContent).toBe("3 of 6 items");
    ([...root.querySelectorAll<HTMLButtonElement>(".chip-filter")][0] as HTMLButtonElement).click();
  });

  it("an item updated in place redraws only its row, and the focus stays on it", async () => {
    state.items = withFixity(30, () => ({ state: "verified", last_verified_at: at }));
    state.library = { kind: "complete" };
    const root = document.createElement("main");
    document.body.append(root);
    renderLibrary(root);
    const rowOf = (cid: string) => root.querySelector<HTMLElement>(`.lib-rows [data-cid='${cid}']`);
    const before = [...root.querySelectorAll(".lib-rows .lib-row")];
    const target = state.items[3];
    rowOf(target.cid)?.focus();
    expect(document.activeElement).toBe(rowOf(target.cid));
    updateItem({ ...target, fixity: { state: "problems", last_verified_at: at } });
    // Unchanged: nothing happens.
    updateItem({ ...state.items[4] });
    await new Promise((r) => setTimeout(r, 150));
    const after = [...root.querySelectorAll(".lib-rows .lib-row")];
    expect(after.filter((r, i) => r !== before[i]).map((r) => r.getAttribute("data-cid"))).toEqual([target.cid]);
    expect(rowOf(target.cid)?.querySelector(".fixity")?.textContent).toBe("Problems found");
    expect(document.activeElement).toBe(rowOf(target.cid));
    root.remove();
  });

  it("a refresh that finds an item unchanged keeps it, and its row", async () => {
    state.items = withFixity(5, () => ({ state: "verified", last_verified_at: at }));
    state.library = { kind: "complete" };
    const root = document.createElement("main");
    renderLibrary(root);
    const kept = state.items.slice();
    const before = [...root.querySelectorAll(".lib-rows .lib-row")];
    const fresh = JSON.parse(JSON.stringify(kept)) as LibraryItem[];
    fresh[2].fixity = { state: "overdue", last_verified_at: at };
    play = async (onBatch) => {
      onBatch({ phase: "pinset", items: fresh.map((i) => ({ ...i, health: "checking" as const })), last: true });
      onBatch({ phase: "status", items: fresh, last: true });
      return fresh.length;
    };
    await loadLibrary();
    expect(state.items.map((i, n) => i === kept[n])).toEqual([true, true, false, true, true]);
    const after = [...root.querySelectorAll(".lib-rows .lib-row")];
    expect(after.map((r, n) => r === before[n])).toEqual([true, true, false, true, true]);
  });

  it("the compact library leaves the partners' audit records to the detail, and shares fixity", () => {
    const c = new Compactor();
    const raw = withFixity(2, () => ({ state: "unchecked", last_verified_at: null }));
    raw[0].partners = raw[0].partners.map((p) => ({
      ...p,
      audit: {
        checked_at: at,
        outcome: "verified",
        mode: "sample",
        last_verified_at: at,
        last_full_at: null,
        message: `${p.peername}'s copy is verified: 4 sampled block(s) match their content IDs.`,
        missing_blocks: 0,
        damaged_blocks: 0,
        manifest_mismatches: 0,
      },
    }));
    const [a, b] = JSON.parse(JSON.stringify(raw)).map((i: LibraryItem) => c.item(i));
    expect(a.partners.every((p: { audit: unknown }) => p.audit === null)).toBe(true);
    expect(a.partners).toBe(b.partners);
    expect(a.fixity).toBe(b.fixity);
    expect(a.fixity).toEqual({ state: "unchecked", last_verified_at: null });
  });
});

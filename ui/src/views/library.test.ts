import { beforeAll, describe, expect, it } from "vitest";
import type { LibraryItem } from "../bindings";
import { state } from "../app";
import { renderLibrary } from "./library";

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
});

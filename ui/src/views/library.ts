// The Library: every stored item, searchable, filterable, sortable and
// virtualised (only the rows in view exist in the page), with a detail panel.

import { type ApiError, api, toApiError } from "../api";
import { announce, errorBox, navigate, state } from "../app";
import type { ItemFixity, LibraryItem, PartnerStatus } from "../bindings";
import { clear, h } from "../dom";
import {
  copies,
  exact,
  type Filter,
  fixityWords,
  inventoryWords,
  partnerStatus,
  relative,
  type SortKey,
  size,
  view,
  withdrawalOf,
  withdrawalWords,
} from "../format";
import { loadPlaces, partnerDetail, partnerName } from "../places";
import { WORDS } from "../words";
import { detailClosed, itemFetched, renderDetail } from "./detail";
import { riskPanel } from "./risk";
import { VirtualTable } from "./virtual-table";

export const ROW_HEIGHT = 52;

const ui = {
  search: "",
  filter: "all" as Filter,
  sort: "added_at" as SortKey,
  descending: true,
  selected: null as string | null,
};

let refreshRows: (() => void) | null = null;

const NO_METADATA: LibraryItem["metadata"] = Object.freeze({});

/**
 * Shares what items repeat, so 100,000 of them take little memory in the page:
 * each JSON batch arrives with its own copy of every partner's id, name,
 * state and time, for every item. Equal strings, equal partner entries, equal
 * partner lists and equal fixity summaries become one shared (frozen) value;
 * items keep their shape (nothing in the page changes them). The partners'
 * audit records (each copy's last check, with its sentence) are left out:
 * they differ for every item, and only the detail shows them, which asks
 * for its item's own (`itemDetail`). One per load; each table is emptied when
 * it grows past `limit`, so memory stays bounded when values rarely repeat.
 */
export class Compactor {
  private strings = new Map<string, string>();
  private partners = new Map<string, PartnerStatus>();
  private lists = new Map<string, PartnerStatus[]>();
  private fixities = new Map<string, ItemFixity>();

  constructor(private limit = 20_000) {}

  private str<T extends string>(s: T): T {
    const known = this.strings.get(s);
    if (known !== undefined) return known as T;
    if (this.strings.size >= this.limit) this.strings.clear();
    this.strings.set(s, s);
    return s;
  }

  private partner(p: PartnerStatus): [string, PartnerStatus] {
    const key = `${p.peer_id}\n${p.peername}\n${p.status}\n${p.error}\n${p.timestamp}`;
    let shared = this.partners.get(key);
    if (!shared) {
      shared = Object.freeze({
        peer_id: this.str(p.peer_id),
        peername: this.str(p.peername),
        status: this.str(p.status),
        error: this.str(p.error),
        timestamp: this.str(p.timestamp),
        audit: null,
      });
      if (this.partners.size >= this.limit) this.partners.clear();
      this.partners.set(key, shared);
    }
    return [key, shared];
  }

  private fixity(f: ItemFixity | null): ItemFixity | null {
    if (!f) return null;
    const key = `${f.state}\n${f.last_verified_at ?? ""}`;
    let shared = this.fixities.get(key);
    if (!shared) {
      shared = Object.freeze({
        state: f.state,
        last_verified_at: f.last_verified_at === null ? null : this.str(f.last_verified_at),
      });
      if (this.fixities.size >= this.limit) this.fixities.clear();
      this.fixities.set(key, shared);
    }
    return shared;
  }

  item(i: LibraryItem): LibraryItem {
    const keys: string[] = [];
    const list: PartnerStatus[] = [];
    for (const p of i.partners) {
      const [k, shared] = this.partner(p);
      keys.push(k);
      list.push(shared);
    }
    const listKey = keys.join("\t");
    let partners = this.lists.get(listKey);
    if (!partners) {
      partners = Object.freeze(list) as PartnerStatus[];
      if (this.lists.size >= this.limit) this.lists.clear();
      this.lists.set(listKey, partners);
    }
    let metadata = NO_METADATA;
    for (const _ in i.metadata) {
      metadata = i.metadata;
      break;
    }
    return {
      cid: i.cid,
      name: this.str(i.name),
      size: i.size,
      added_at: i.added_at === null ? null : this.str(i.added_at),
      added_by: i.added_by === null ? null : this.str(i.added_by),
      copies: i.copies,
      target: i.target,
      health: i.health,
      partners,
      metadata,
      fixity: this.fixity(i.fixity),
    };
  }
}

/**
 * Whether two compacted items show the same (so a refresh keeps the item the
 * page already has, and its row is not drawn again).
 */
export function sameItem(a: LibraryItem, b: LibraryItem): boolean {
  if (a === b) return true;
  if (
    a.cid !== b.cid ||
    a.name !== b.name ||
    a.size !== b.size ||
    a.added_at !== b.added_at ||
    a.added_by !== b.added_by ||
    a.copies !== b.copies ||
    a.target !== b.target ||
    a.health !== b.health ||
    a.fixity?.state !== b.fixity?.state ||
    a.fixity?.last_verified_at !== b.fixity?.last_verified_at ||
    a.partners.length !== b.partners.length
  )
    return false;
  for (let n = 0; n < a.partners.length; n++) {
    const p = a.partners[n];
    const q = b.partners[n];
    if (
      p !== q &&
      (p.peer_id !== q.peer_id ||
        p.peername !== q.peername ||
        p.status !== q.status ||
        p.error !== q.error ||
        p.timestamp !== q.timestamp)
    )
      return false;
  }
  if (a.metadata === b.metadata) return true;
  const ka = Object.keys(a.metadata);
  return ka.length === Object.keys(b.metadata).length && ka.every((k) => a.metadata[k] === b.metadata[k]);
}

/**
 * Where the library's load is (`state.library`), as one value, so that no
 * two of these can hold at once:
 * - `idle`: nothing received yet ("Loading the library…"); the first load is
 *   on its way.
 * - `first-load`: a first load (or the one after a failure) shows the
 *   pinset's rows as they arrive ("… so far…").
 * - `checking`: that load's whole pinset is shown; the partners' states are
 *   on their way.
 * - `complete`: every item is shown with its partners' states.
 * - `refreshing`: a later load runs; the rows shown stay, with their states,
 *   until its pinset is complete, then its states replace theirs.
 * - `failed`: the last load failed; its error shows (and stays while Try
 *   again runs, until the first rows arrive).
 */
export type LibraryLoad =
  | { kind: "idle" }
  | { kind: "first-load" }
  | { kind: "checking" }
  | { kind: "complete" }
  | { kind: "refreshing" }
  | { kind: "failed"; error: ApiError };

let loading: Promise<void> | null = null;
let again = false;

/**
 * Loads the library from the node; every open Library redraws. The node sends
 * the pinset first (rows show at once), then every item with its partners'
 * states. A first load shows rows as they arrive; a refresh keeps the current
 * rows (and their states) until the new pinset is complete, so nothing
 * flickers. Calls while a load runs are folded into one more load after it.
 */
export function loadLibrary(): Promise<void> {
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    do {
      again = false;
      await loadOnce();
    } while (again);
    loading = null;
  })();
  return loading;
}

async function loadOnce() {
  // A first load shows what arrives; anything else is a refresh.
  const firstLoad = state.library.kind === "idle" || state.library.kind === "failed";
  if (!firstLoad) state.library = { kind: "refreshing" };
  const previous = new Map(state.items.map((i) => [i.cid, i]));
  // Partners are named by organisation and place once those arrive.
  void loadPlaces(true).then(() => refreshRows?.());
  const fresh: LibraryItem[] = [];
  const index = new Map<string, number>();
  const compact = new Compactor();
  let lastDraw = 0;
  const redraw = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastDraw < 250) return;
    lastDraw = now;
    refreshRows?.();
  };
  try {
    await api.listLibrary((b) => {
      if (b.phase === "pinset") {
        for (const item of b.items) {
          index.set(item.cid, fresh.length);
          // Until its state arrives, an item keeps the state it was shown with.
          fresh.push(previous.get(item.cid) ?? compact.item(item));
        }
        if (firstLoad || b.last) {
          state.items = fresh;
          // A refresh stays one until its states arrive (its rows keep theirs).
          if (firstLoad) state.library = { kind: b.last ? "checking" : "first-load" };
          redraw(b.last || fresh.length === b.items.length);
        }
      } else {
        for (const raw of b.items) {
          const got = compact.item(raw);
          // Unchanged: the item the page has (its row stays as drawn).
          const before = previous.get(got.cid);
          const item = before && sameItem(before, got) ? before : got;
          const at = index.get(item.cid);
          if (at === undefined) {
            index.set(item.cid, fresh.length);
            fresh.push(item);
          } else {
            fresh[at] = item;
          }
        }
        if (b.last) state.library = { kind: "complete" };
        redraw(b.last);
      }
    });
  } catch (e) {
    state.library = { kind: "failed", error: e as ApiError };
    refreshRows?.();
  }
}

export function selectItem(cid: string | null) {
  ui.selected = cid;
  refreshRows?.();
}

/** Closes the item's detail, putting the focus back on its row; false when none was open. */
export function closeDetail(): boolean {
  const was = ui.selected;
  if (!was) return false;
  selectItem(null);
  (document.querySelector(`[data-cid="${CSS.escape(was)}"]`) as HTMLElement | null)?.focus();
  return true;
}

/** The item the library shows for `cid`, if any. */
export function shownItem(cid: string): LibraryItem | undefined {
  return state.items.find((i) => i.cid === cid);
}

let drawSoon: ReturnType<typeof setTimeout> | null = null;

/**
 * Puts a fresh state of one item (from `itemDetail`) in the library, in place;
 * the open Library redraws shortly after (once for several), drawing again
 * only the rows whose item changed. An item not in the library is left out
 * (the next load brings it).
 */
export function updateItem(fresh: LibraryItem) {
  const at = state.items.findIndex((i) => i.cid === fresh.cid);
  if (at < 0) return;
  const item = new Compactor(64).item(fresh);
  if (sameItem(state.items[at], item)) return;
  state.items[at] = item;
  if (drawSoon === null)
    drawSoon = setTimeout(() => {
      drawSoon = null;
      refreshRows?.();
    }, 100);
}

/**
 * Asks the node for one item again (after a check of its copies) and shows
 * what it says in the library and in its open detail.
 */
export async function refreshItem(cid: string): Promise<LibraryItem> {
  const fresh = await api.itemDetail(cid);
  updateItem(fresh);
  itemFetched(fresh);
  return fresh;
}

export function renderLibrary(root: HTMLElement) {
  const search = h("input", {
    type: "search",
    id: "library-search",
    placeholder: "Search names, collections, descriptions…",
    "aria-label": "Search the library",
    value: ui.search,
    oninput: (e: Event) => {
      ui.search = (e.target as HTMLInputElement).value;
      draw();
    },
  });
  const chips = h("div", { class: "chips", role: "group", "aria-label": "Filter" });
  const filters: [Filter, string][] = [
    ["all", "All"],
    ["attention", WORDS.needsAttention.term],
    ["under", WORDS.fewerCopies.term],
    ["mine", "Added by me"],
    ["withdrawn", WORDS.withdrawn.term],
  ];
  const drawChips = () =>
    clear(
      chips,
      filters.map(([f, label]) =>
        h(
          "button",
          {
            class: `chip-filter${ui.filter === f ? " on" : ""}`,
            id: `filter-${f}`,
            "aria-pressed": String(ui.filter === f),
            onclick: () => {
              ui.filter = f;
              drawChips();
              draw();
            },
          },
          label,
        ),
      ),
    );
  drawChips();

  const header = h("div", { class: "lib-row lib-head", role: "row" });
  const cols: [SortKey | null, string, string][] = [
    ["name", "Name", "c-name"],
    ["size", "Size", "c-size"],
    ["added_at", "Added", "c-added"],
    ["copies", "Copies", "c-copies"],
    ["verified", "Last verified", "c-verified"],
    [null, "Partners", "c-partners"],
  ];
  const drawHeader = () =>
    clear(
      header,
      cols.map(([key, label, cls]) =>
        key
          ? h(
              "button",
              {
                class: `th ${cls}`,
                role: "columnheader",
                "aria-sort": ui.sort === key ? (ui.descending ? "descending" : "ascending") : "none",
                onclick: () => {
                  if (ui.sort === key) ui.descending = !ui.descending;
                  else {
                    ui.sort = key;
                    ui.descending = key !== "name" && key !== "added_by";
                  }
                  drawHeader();
                  draw();
                },
              },
              label,
              ui.sort === key ? (ui.descending ? " ↓" : " ↑") : "",
            )
          : h("div", { class: `th ${cls}`, role: "columnheader" }, label),
      ),
    );
  drawHeader();

  const rows = new VirtualTable<LibraryItem>(
    ROW_HEIGHT,
    (item) => row(item),
    "lib",
    (item) => item.cid,
  );
  // What a row shows beside its item: whether it is the selected one, and the
  // relative times (drawn anew at least once a minute).
  let drawnFor = { selected: ui.selected, at: Date.now() };
  const count = h("span", { class: "count", id: "library-count", "aria-live": "polite" });
  const body = h("div", { class: "lib-body" });
  const detail = h("aside", { class: "detail", id: "detail", "aria-label": "Item detail" });
  // A grid: one row in the Tab order, the arrow keys, Home and End move between rows, Enter opens.
  const table = h("div", { class: "lib-table", role: "grid", "aria-label": "Library" }, header, rows.viewport);

  const draw = () => {
    body.classList.toggle("with-detail", ui.selected !== null);
    const load = state.library;
    if (load.kind === "idle") {
      rows.showMessage(h("p", { class: "empty" }, "Loading the library…"));
      return;
    }
    if (load.kind === "failed") {
      rows.showMessage(errorBox(load.error, () => void loadLibrary()));
      return;
    }
    if (state.items.length === 0) {
      rows.showMessage(
        h(
          "div",
          { class: "empty dropzone", id: "library-empty" },
          h("p", { class: "big" }, "Drop a folder here, or choose Add"),
          h("p", {}, "Everything you store is copied to your partners and listed here."),
          h("button", { class: "primary", onclick: () => navigate("add") }, "Add files or folders…"),
        ),
      );
      count.textContent = "";
      return;
    }
    const shown = view(state.items, { ...ui, me: state.settings?.me ?? "" });
    if (drawnFor.selected !== ui.selected || Date.now() - drawnFor.at > 60_000) {
      rows.forget();
      drawnFor = { selected: ui.selected, at: Date.now() };
    }
    // For the benchmark (scenario 5): whether every item's states arrived
    // (a refresh keeps the states shown until its own arrive).
    count.dataset.states = load.kind === "complete" || load.kind === "refreshing" ? "complete" : "pending";
    const more = load.kind === "first-load" ? " so far…" : "";
    count.textContent =
      shown.length === state.items.length
        ? `${state.items.length} ${state.items.length === 1 ? "item" : "items"}${more}`
        : `${shown.length} of ${state.items.length} items${more}`;
    rows.show(shown);
    if (ui.selected) {
      const item = state.items.find((i) => i.cid === ui.selected);
      if (item) renderDetail(detail, item);
      else ui.selected = null;
    }
    if (!ui.selected && detail.firstChild) {
      clear(detail);
      detailClosed();
    }
  };

  const row = (item: LibraryItem) => {
    const c = copies(item);
    const f = fixityWords(item.fixity);
    const open = () => {
      ui.selected = item.cid;
      draw();
      (detail.querySelector("h2") as HTMLElement | null)?.focus();
    };
    const withdrawn = withdrawalOf(item);
    const about = [
      withdrawn ? withdrawalWords(withdrawn) : null,
      item.metadata.collection,
      filesWord(item.metadata.files),
    ]
      .filter(Boolean)
      .join(" · ");
    return h(
      "div",
      {
        class: `lib-row${ui.selected === item.cid ? " selected" : ""}`,
        role: "row",
        tabindex: "-1",
        "data-cid": item.cid,
        "aria-selected": String(ui.selected === item.cid),
        onclick: open,
        onkeydown: (e: KeyboardEvent) => {
          if (e.target !== e.currentTarget) return;
          const moves: Record<string, number | "first" | "last"> = {
            ArrowDown: 1,
            ArrowUp: -1,
            PageDown: 10,
            PageUp: -10,
            Home: "first",
            End: "last",
          };
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            open();
          } else if (e.key in moves) {
            e.preventDefault();
            rows.moveFocus(item.cid, moves[e.key]);
          }
        },
      },
      h(
        "div",
        { class: "c-name", role: "gridcell" },
        h("div", { class: "name", title: item.name }, item.name || "(no name)"),
        h("div", { class: withdrawn ? "sub warn-text" : "sub", "data-withdrawn": withdrawn ? "yes" : null }, about),
      ),
      h("div", { class: "c-size num", role: "gridcell" }, size(item.size)),
      h(
        "div",
        { class: "c-added", role: "gridcell" },
        h("div", { title: exact(item.added_at) }, relative(item.added_at)),
        h("div", { class: "sub", title: item.added_by ?? "" }, item.added_by ?? ""),
      ),
      h(
        "div",
        { class: "c-copies", role: "gridcell" },
        h("span", { class: `pill ${c.tone}`, "data-copies": `${item.copies}/${item.target}` }, c.label),
      ),
      h(
        "div",
        { class: "c-verified", role: "gridcell", "data-fixity": item.fixity?.state ?? "", title: f.title },
        h("div", { class: f.tone ? `fixity ${f.tone}` : "fixity" }, f.label),
        f.sub ? h("div", { class: "sub" }, f.sub) : null,
      ),
      h(
        "div",
        { class: "c-partners", role: "gridcell" },
        item.partners.map((p) => {
          const s = partnerStatus(p.status);
          const detail = partnerDetail(p.peer_id, p.peername);
          return h(
            "span",
            {
              class: `chip ${s.tone}`,
              title: `${partnerName(p.peer_id, p.peername)}${detail ? ` (${detail})` : ""}: ${s.label} (${p.status})`,
              "data-status": p.status,
              "data-peer": p.peername,
            },
            h("span", { class: "dot" }),
            partnerName(p.peer_id, p.peername),
          );
        }),
      ),
    );
  };

  body.append(table, detail);
  clear(
    root,
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, "Library"),
      count,
      h("div", { class: "grow" }),
      h(
        "button",
        {
          class: "secondary",
          id: "library-export",
          title: "Save a table of every stored item, its copies and its checks (CSV for a spreadsheet, or JSON)",
          onclick: () => void exportInventory(),
        },
        "Export inventory…",
      ),
      h("button", { class: "secondary", id: "library-refresh", onclick: () => void loadLibrary() }, "Refresh"),
    ),
    riskPanel(),
    h("div", { class: "toolbar" }, search, chips),
    body,
  );
  refreshRows = draw;
  draw();
}

/** "200 files" from the item's `files` metadata; "" when not recorded. */
function filesWord(files: string | undefined): string {
  const n = Number(files);
  return files && Number.isFinite(n) ? `${n} ${n === 1 ? "file" : "files"}` : "";
}

/** "Export inventory…": a table of every stored item, saved where the person chooses. */
async function exportInventory() {
  const picked = await api.pick({ kind: "save", default_name: "inventory.csv" });
  const destination = picked?.[0];
  if (!destination) return;
  const format = destination.toLowerCase().endsWith(".json") ? "json" : "csv";
  announce("Writing the inventory…", "ok");
  try {
    const done = await api.exportInventory(destination, format);
    announce(inventoryWords(done), done.record_problems.length ? "warn" : "ok");
  } catch (e) {
    announce(toApiError(e).message, "bad");
  }
}

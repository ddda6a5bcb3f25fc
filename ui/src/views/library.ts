// The Library: every stored item, searchable, filterable, sortable and
// virtualised (only the rows in view exist in the page), with a detail panel.

import { api } from "../api";
import type { LibraryItem, PartnerStatus } from "../bindings";
import { clear, h } from "../dom";
import { type Filter, type SortKey, copies, exact, partnerStatus, relative, shortCid, size, view } from "../format";
import { copyText, errorBox, navigate, state } from "../app";
import { renderDetail } from "./detail";

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
 * state and time, for every item. Equal strings, equal partner entries and
 * equal partner lists become one shared (frozen) value; items keep their
 * shape (nothing in the page changes them). One per load; each table is
 * emptied when it grows past `limit`, so memory stays bounded when values
 * rarely repeat.
 */
export class Compactor {
  private strings = new Map<string, string>();
  private partners = new Map<string, PartnerStatus>();
  private lists = new Map<string, PartnerStatus[]>();

  constructor(private limit = 20_000) {}

  private str(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
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
      });
      if (this.partners.size >= this.limit) this.partners.clear();
      this.partners.set(key, shared);
    }
    return [key, shared];
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
    };
  }
}

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
  const firstLoad = !state.libraryLoaded || state.libraryError !== null;
  const previous = new Map(state.items.map((i) => [i.cid, i]));
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
          state.libraryError = null;
          state.libraryLoaded = true;
          state.libraryComplete = b.last;
          redraw(b.last || fresh.length === b.items.length);
        }
      } else {
        for (const raw of b.items) {
          const item = compact.item(raw);
          const at = index.get(item.cid);
          if (at === undefined) {
            index.set(item.cid, fresh.length);
            fresh.push(item);
          } else {
            fresh[at] = item;
          }
        }
        if (b.last) state.libraryStates = true;
        redraw(b.last);
      }
    });
  } catch (e) {
    state.libraryError = e as never;
    state.libraryLoaded = true;
    refreshRows?.();
  }
}

export function selectItem(cid: string | null) {
  ui.selected = cid;
  refreshRows?.();
}

export function renderLibrary(root: HTMLElement) {
  const search = h("input", {
    type: "search",
    id: "library-search",
    placeholder: "Search names, CIDs, collections…",
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
    ["attention", "Needs attention"],
    ["under", "Under-replicated"],
    ["mine", "Added by me"],
  ];
  const drawChips = () =>
    clear(
      chips,
      filters.map(([f, label]) =>
        h(
          "button",
          {
            class: `chip-filter${ui.filter === f ? " on" : ""}`,
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

  const viewport = h("div", { class: "lib-viewport", role: "rowgroup", tabindex: "-1" });
  const spacer = h("div", { class: "lib-spacer" });
  const rows = h("div", { class: "lib-rows" });
  spacer.append(rows);
  viewport.append(spacer);
  const count = h("span", { class: "count", id: "library-count", "aria-live": "polite" });
  const body = h("div", { class: "lib-body" });
  const detail = h("aside", { class: "detail", id: "detail", "aria-label": "Item detail" });
  const table = h("div", { class: "lib-table", role: "table", "aria-label": "Library" }, header, viewport);

  let shown: LibraryItem[] = [];
  const drawWindow = () => {
    const top = viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 5);
    const last = Math.min(shown.length, Math.ceil((top + viewport.clientHeight) / ROW_HEIGHT) + 5);
    rows.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    clear(rows, shown.slice(first, Math.max(last, first + 20)).map(row));
  };
  const draw = () => {
    body.classList.toggle("with-detail", ui.selected !== null);
    if (!state.libraryLoaded) {
      clear(viewport, h("p", { class: "empty" }, "Loading the library…"));
      return;
    }
    if (state.libraryError) {
      clear(viewport, errorBox(state.libraryError, () => void loadLibrary()));
      return;
    }
    if (state.items.length === 0) {
      clear(
        viewport,
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
    if (viewport.firstChild !== spacer) clear(viewport, spacer);
    shown = view(state.items, { ...ui, me: state.settings?.me ?? "" });
    spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
    // For the benchmark (scenario 5): whether every item's states arrived.
    count.dataset.states = state.libraryStates ? "complete" : "pending";
    const more = state.libraryComplete ? "" : " so far…";
    count.textContent =
      shown.length === state.items.length
        ? `${state.items.length} ${state.items.length === 1 ? "item" : "items"}${more}`
        : `${shown.length} of ${state.items.length} items${more}`;
    drawWindow();
    if (ui.selected) {
      const item = state.items.find((i) => i.cid === ui.selected);
      if (item) renderDetail(detail, item);
      else ui.selected = null;
    }
    if (!ui.selected) clear(detail);
  };
  viewport.addEventListener("scroll", drawWindow, { passive: true });

  const row = (item: LibraryItem) => {
    const c = copies(item);
    const open = () => {
      ui.selected = item.cid;
      draw();
      (detail.querySelector("h2") as HTMLElement | null)?.focus();
    };
    const copyBtn = h(
      "button",
      {
        class: "link copy",
        title: "Copy the full content ID",
        onclick: (e: Event) => {
          e.stopPropagation();
          void copyText(item.cid, e.currentTarget as HTMLElement);
        },
      },
      "Copy",
    );
    return h(
      "div",
      {
        class: `lib-row${ui.selected === item.cid ? " selected" : ""}`,
        role: "row",
        tabindex: "0",
        "data-cid": item.cid,
        "aria-selected": String(ui.selected === item.cid),
        onclick: open,
        onkeydown: (e: KeyboardEvent) => {
          if (e.key === "Enter") open();
        },
      },
      h(
        "div",
        { class: "c-name", role: "cell" },
        h("div", { class: "name", title: item.name }, item.name || "(no name)"),
        h("div", { class: "sub" }, h("code", { title: item.cid }, shortCid(item.cid)), " ", copyBtn),
      ),
      h("div", { class: "c-size num", role: "cell" }, size(item.size)),
      h(
        "div",
        { class: "c-added", role: "cell" },
        h("div", { title: exact(item.added_at) }, relative(item.added_at)),
        h("div", { class: "sub", title: item.added_by ?? "" }, item.added_by ?? ""),
      ),
      h("div", { class: "c-copies", role: "cell" }, h("span", { class: `pill ${c.tone}`, "data-copies": `${item.copies}/${item.target}` }, c.label)),
      h(
        "div",
        { class: "c-partners", role: "cell" },
        item.partners.map((p) => {
          const s = partnerStatus(p.status);
          return h(
            "span",
            { class: `chip ${s.tone}`, title: `${p.peername}: ${s.label} (${p.status})`, "data-status": p.status },
            h("span", { class: "dot" }),
            p.peername || p.peer_id.slice(-6),
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
      h("button", { class: "secondary", id: "library-refresh", onclick: () => void loadLibrary() }, "Refresh"),
    ),
    h("div", { class: "toolbar" }, search, chips),
    body,
  );
  refreshRows = draw;
  draw();
  new ResizeObserver(drawWindow).observe(viewport);
}

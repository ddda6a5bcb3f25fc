// Add: pick files or a folder (or drop them anywhere on the window), see what
// will be sent and how long it may take, describe them, store them. When some
// files cannot be stored, the choice is to store the others (they are listed
// with the item) or to cancel. Progress lives in the jobs tray.

import { api } from "../api";
import { errorBox, state } from "../app";
import type { AddPreview } from "../bindings";
import { clear, field, h } from "../dom";
import { previewWords, storeRestWords } from "../format";
import { collectionsChanged, suggestCollections } from "./describe";
import { startAdd } from "./jobs-tray";

/** How many unstorable files the preview names (the rest are counted). */
const PROBLEMS_SHOWN = 20;

export function renderAdd(root: HTMLElement) {
  const list = h("ul", { class: "picked", id: "add-picked", "aria-live": "polite" });
  const status = h("div");
  const title = field("Title (optional)", {
    id: "add-title",
    type: "text",
    placeholder: "e.g. Parish records 1890–1920",
  });
  const collection = field("Collection (optional)", { id: "add-collection", type: "text", list: "add-collections" });
  // The collections already in use, so "Parish" is not typed as "parish".
  const collections = h("datalist", { id: "add-collections" });
  suggestCollections(collections);
  collection.wrap.append(collections);
  const description = h("textarea", { id: "add-description", rows: "3" });
  const store = h("button", { class: "primary", id: "add-start", disabled: true }, "Add to storage");
  const preview = h("div", { id: "add-preview", "aria-live": "polite" });
  // Each selection asks for its own preview; an answer to an older one is dropped.
  let asked = 0;
  let shown: AddPreview | null = null;

  const cancelSelection = () => {
    state.pending = [];
    drawList();
  };
  const send = (skipUnreadable: boolean) => {
    if (!state.pending.length) return;
    startAdd(state.pending, {
      title: title.input.value,
      collection: collection.input.value,
      description: description.value,
      ...(skipUnreadable ? { skip_unreadable: true } : {}),
    });
    if (collection.input.value.trim()) collectionsChanged();
    state.pending = [];
    title.input.value = "";
    collection.input.value = "";
    description.value = "";
    drawList();
    clear(
      status,
      h("p", { class: "notice ok" }, "Added to the queue below. You can keep working; the Library updates by itself."),
    );
  };
  const drawPreview = (p: AddPreview) => {
    shown = p;
    const words = previewWords(p);
    const parts: HTMLElement[] = [h("p", { id: "add-preview-what", class: "big" }, words.what)];
    if (p.problem_count === 0) {
      parts.push(h("p", { id: "add-preview-time", class: "hint" }, words.time));
      store.disabled = false;
      store.hidden = false;
      clear(preview, ...parts);
      return;
    }
    // Some files cannot be stored: store the others, or cancel.
    store.disabled = true;
    store.hidden = true;
    const choice = storeRestWords(p.files, p.problem_count);
    const more = p.problem_count - Math.min(p.problems.length, PROBLEMS_SHOWN);
    parts.push(
      h("p", { class: "notice warn", id: "add-unstorable-heading" }, choice.heading),
      h(
        "ul",
        { id: "add-unstorable", class: "problems" },
        p.problems.slice(0, PROBLEMS_SHOWN).map((x) => h("li", {}, h("code", {}, x.path), ` ${x.reason}`)),
        more > 0 ? h("li", {}, `and ${more.toLocaleString("en")} more`) : [],
      ),
    );
    if (p.files > 0) parts.push(h("p", { id: "add-preview-time", class: "hint" }, words.time));
    parts.push(
      h(
        "div",
        { class: "actions" },
        p.files > 0
          ? h("button", { class: "primary", id: "add-store-rest", onclick: () => send(true) }, choice.button)
          : [],
        h("button", { class: "secondary", id: "add-cancel", onclick: cancelSelection }, "Cancel"),
      ),
    );
    clear(preview, ...parts);
  };
  const askPreview = async () => {
    const mine = ++asked;
    shown = null;
    store.disabled = true;
    store.hidden = false;
    if (!state.pending.length) {
      clear(preview);
      return;
    }
    clear(preview, h("p", { class: "hint" }, "Counting files…"));
    try {
      const p = await api.previewAdd(state.pending, title.input.value);
      if (mine === asked) drawPreview(p);
    } catch (e) {
      if (mine === asked) clear(preview, errorBox(e));
    }
  };

  const drawList = () => {
    clear(
      list,
      state.pending.map((p) =>
        h(
          "li",
          {},
          h("code", {}, p),
          " ",
          h(
            "button",
            {
              class: "link",
              "aria-label": `Remove ${p} from the selection`,
              onclick: () => {
                state.pending = state.pending.filter((x) => x !== p);
                drawList();
              },
            },
            "Remove",
          ),
        ),
      ),
    );
    void askPreview();
  };
  const pick = async (kind: "files" | "folder") => {
    try {
      const got = await api.pick({ kind });
      if (got) {
        state.pending = [...new Set([...state.pending, ...got])];
        drawList();
      }
    } catch (e) {
      clear(status, errorBox(e));
    }
  };
  store.addEventListener("click", () => {
    if (shown && shown.problem_count === 0) send(false);
  });

  clear(
    root,
    h("header", { class: "page-head" }, h("h1", {}, "Add to storage")),
    h(
      "div",
      { class: "dropzone", id: "add-dropzone" },
      h("p", { class: "big" }, "Drop files or folders here"),
      h("p", {}, "or"),
      h(
        "div",
        { class: "actions" },
        h("button", { class: "secondary", id: "add-pick-files", onclick: () => void pick("files") }, "Choose files…"),
        h(
          "button",
          { class: "secondary", id: "add-pick-folder", onclick: () => void pick("folder") },
          "Choose a folder…",
        ),
      ),
    ),
    h("h2", {}, "Selected"),
    list,
    h("p", { class: "hint" }, "Several files or folders are stored together as one item."),
    preview,
    h(
      "div",
      { class: "form" },
      title.wrap,
      collection.wrap,
      h("div", { class: "field" }, h("label", { for: "add-description" }, "Description (optional)"), description),
      h(
        "p",
        { class: "hint" },
        "Who added it, when, from where, and how many files and bytes are recorded automatically.",
      ),
      h("div", { class: "actions" }, store),
    ),
    status,
  );
  drawList();
}

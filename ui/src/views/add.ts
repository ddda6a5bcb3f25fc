// Add: pick files or a folder (or drop them anywhere on the window), describe
// them, store them. Progress lives in the jobs tray.

import { api } from "../api";
import { errorBox, state } from "../app";
import { clear, field, h } from "../dom";
import { collectionsChanged, suggestCollections } from "./describe";
import { startAdd } from "./jobs-tray";

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
    store.disabled = state.pending.length === 0;
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
    if (!state.pending.length) return;
    startAdd(state.pending, {
      title: title.input.value,
      collection: collection.input.value,
      description: description.value,
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

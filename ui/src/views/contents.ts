// An item's Contents in its detail: every file with its size, as listed when
// it was added, in a virtual list (an item of 100,000 files costs a few dozen
// rows), each with "Save…" (the same verified retrieval as the whole item)
// and, for images, text and PDFs, "Preview". Files left out when the item
// was added are listed below it.

import { api } from "../api";
import { errorBox } from "../app";
import type { ContentsEntry, FilePreview, ItemContents, LibraryItem } from "../bindings";
import { clear, h } from "../dom";
import { size } from "../format";
import { WORDS } from "../words";
import { startRetrieve } from "./jobs-tray";
import { VirtualTable } from "./virtual-table";

/** One row's height in pixels (style.css: .contents-row). */
export const CONTENTS_ROW_HEIGHT = 34;

/** The file name at the end of a path inside an item. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1) || path;
}

/** "200 files, 48 MB" and, when some were left out, how many. */
export function contentsSummary(c: Pick<ItemContents, "files" | "bytes" | "skipped">): string {
  const n = c.files.length;
  const files = `${n.toLocaleString("en")} ${n === 1 ? "file" : "files"}, ${size(c.bytes)}`;
  if (!c.skipped) return `${files}.`;
  return `${files}. ${c.skipped.toLocaleString("en")} ${c.skipped === 1 ? "file was" : "files were"} left out when it was added, because ${c.skipped === 1 ? "it" : "they"} could not be read.`;
}

/** What the section shows for the open item; kept across redraws of the detail. */
const shown = {
  cid: null as string | null,
  section: null as HTMLElement | null,
};

/** The Contents section of `item`'s detail (the same element while the same item is open). */
export function contentsSection(item: LibraryItem): HTMLElement {
  if (shown.cid === item.cid && shown.section) return shown.section;
  const body = h("div", { class: "contents-body" }, h("p", { class: "sub" }, "Reading the list of files…"));
  const files = item.metadata.files;
  const section = h(
    "details",
    { class: "contents", id: "detail-contents" },
    h(
      "summary",
      { id: "detail-contents-summary" },
      files ? `Contents (${files} ${files === "1" ? "file" : "files"})` : "Contents",
    ),
    body,
  );
  let asked = false;
  section.addEventListener("toggle", () => {
    if (!section.open || asked) return;
    asked = true;
    void load(item, body, () => {
      asked = false;
    });
  });
  shown.cid = item.cid;
  shown.section = section;
  return section;
}

/** The detail closed or shows another item: its list goes. */
export function contentsClosed() {
  shown.cid = null;
  shown.section = null;
}

async function load(item: LibraryItem, body: HTMLElement, failed: () => void) {
  try {
    const c = await api.itemContents(item.cid);
    draw(item, c, body);
  } catch (e) {
    failed();
    clear(body, errorBox(e));
  }
}

function draw(item: LibraryItem, c: ItemContents, body: HTMLElement) {
  const said = h("div", { class: "contents-said", "aria-live": "polite" });
  const rows = new VirtualTable<ContentsEntry>(
    CONTENTS_ROW_HEIGHT,
    (f) => fileRow(item, c, f, said),
    "contents",
    (f) => f.path,
  );
  const list = h(
    "div",
    {
      class: "contents-list",
      role: "grid",
      "aria-label": `Files of ${item.name || "the item"}`,
      id: "detail-contents-list",
    },
    rows.viewport,
  );
  // The arrow keys move between files, as in the library.
  list.addEventListener("keydown", (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>(".contents-row");
    const key = row?.dataset.path;
    if (key === undefined) return;
    const to =
      e.key === "ArrowDown"
        ? 1
        : e.key === "ArrowUp"
          ? -1
          : e.key === "Home"
            ? "first"
            : e.key === "End"
              ? "last"
              : null;
    if (to === null) return;
    e.preventDefault();
    rows.moveFocus(key, to);
  });
  clear(
    body,
    h("p", { class: "sub", id: "detail-contents-count" }, contentsSummary(c)),
    list,
    said,
    c.skipped
      ? h(
          "details",
          { class: "left-out", id: "detail-left-out" },
          h("summary", {}, WORDS.leftOut.term),
          h(
            "ul",
            { class: "problems" },
            c.skipped_files.map((f) => h("li", {}, h("code", {}, f.path), ` ${f.reason}`)),
            c.skipped > c.skipped_files.length
              ? h("li", {}, `and ${(c.skipped - c.skipped_files.length).toLocaleString("en")} more`)
              : null,
          ),
        )
      : null,
  );
  rows.show(c.files);
}

function fileRow(item: LibraryItem, c: ItemContents, f: ContentsEntry, said: HTMLElement): HTMLElement {
  const name = baseName(f.path);
  return h(
    "div",
    // data-keep: the detail keeps the focus on it when it redraws.
    { class: "contents-row", role: "row", "data-path": f.path, "data-keep": `contents:${f.path}` },
    h("span", { class: "contents-path", role: "gridcell", title: f.path }, f.path),
    h("span", { class: "contents-size num", role: "gridcell" }, size(f.size)),
    h(
      "span",
      { class: "contents-actions", role: "gridcell" },
      f.preview
        ? h(
            "button",
            {
              class: "link",
              "data-action": "preview",
              "data-keep": `contents-preview:${f.path}`,
              "aria-label": `Preview ${name}`,
              onclick: () => void preview(item, c, f, said),
            },
            f.preview === "pdf" ? "Open" : "Preview",
          )
        : null,
      h(
        "button",
        {
          class: "link",
          "data-action": "save",
          "data-keep": `contents-save:${f.path}`,
          "aria-label": `Save ${name}`,
          onclick: async () => {
            const picked = await api.pick({ kind: "save", default_name: name });
            // A one-file item is that file: saved whole.
            if (picked?.[0]) startRetrieve(item, picked[0], c.single_file ? null : f.path);
          },
        },
        "Save…",
      ),
    ),
  );
}

async function preview(item: LibraryItem, c: ItemContents, f: ContentsEntry, said: HTMLElement) {
  const name = baseName(f.path);
  clear(said, h("p", { class: "sub" }, `Fetching ${name}…`));
  try {
    const p = await api.previewFile(item.cid, c.single_file ? null : f.path, name);
    if (p.kind === "pdf") {
      clear(said, h("p", { class: "notice ok", id: "detail-preview-said" }, `${name} opened in your PDF reader.`));
      return;
    }
    clear(said);
    showPreview(name, p);
  } catch (e) {
    clear(said, errorBox(e));
  }
}

/** A modal window showing an image or text; Esc or Close ends it. */
function showPreview(name: string, p: FilePreview) {
  const dlg = h("dialog", { class: "preview", id: "preview-dialog", "aria-labelledby": "preview-title" });
  const close = () => {
    dlg.close();
    dlg.remove();
  };
  dlg.append(
    h(
      "div",
      { class: "detail-head" },
      h("h2", { id: "preview-title" }, name),
      h("button", { class: "secondary", id: "preview-close", onclick: close }, "Close"),
    ),
    p.data_url
      ? h("img", { src: p.data_url, alt: `Preview of ${name}`, id: "preview-image" })
      : h("pre", { id: "preview-text", tabindex: "0" }, p.text ?? ""),
    ...(p.cut ? [h("p", { class: "sub" }, "Only the start of the file is shown. Save it to read all of it.")] : []),
  );
  dlg.addEventListener("close", () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  (dlg.querySelector("#preview-close") as HTMLButtonElement).focus();
}

// Watched folders: a folder where scans arrive all day; each new sub-folder
// (or file) is stored by itself once it has stopped changing, once only,
// renames included. The watching is the core's (ops::watch, the same as
// `ccs watch run`); it runs while the app runs (also in the tray), and this page shows the
// folders, what the watcher is doing in each, and the form to add one.

import { api } from "../api";
import { errorBox } from "../app";
import type { ItemRule, WatchEvent, WatchedFolderView } from "../bindings";
import { clear, field, h } from "../dom";
import { size } from "../format";
import { suggestCollections } from "./describe";

/** What one folder's watcher said lately, newest first. */
const activity = new Map<string, string[]>();
const ACTIVITY_KEPT = 6;
/** Why the watcher stopped, until it runs again. */
let halted: string | null = null;
/** Draws the page again (`reload`: asks for the folders again first), while it is shown. */
let redraw: ((reload: boolean) => void) | null = null;

const SETTLE_CHOICES: [number, string][] = [
  [10, "10 seconds"],
  [30, "30 seconds"],
  [60, "1 minute"],
  [300, "5 minutes"],
];

/** The last part of a folder's path, as a file manager names it. */
export function folderName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** One line for an event of the watcher, in plain words; null for what is not worth a line. */
export function watchWords(e: WatchEvent): string | null {
  switch (e.kind) {
    case "waiting":
      switch (e.reason) {
        case "settling":
          return `${e.entry}: new; waiting until it stops changing.`;
        case "being_written":
          return `${e.entry}: still being copied in; waiting until the copy finishes.`;
        case "will_retry":
          return null;
      }
      return null;
    case "storing":
      return `${e.entry}: storing…`;
    case "progress": {
      // In steps of ten: the list is read out as it changes.
      if (e.bytes_total <= 0) return `${e.entry}: storing…`;
      const tens = Math.min(100, Math.floor((e.bytes / e.bytes_total) * 10) * 10);
      return `${e.entry}: storing… ${tens}% of ${size(e.bytes_total)}`;
    }
    case "stored":
      return `${e.entry}: stored ✓`;
    case "moved":
      return `${e.to}: renamed from ${e.from}; already stored, nothing sent again.`;
    case "ignored":
      return `${e.entry}: left alone (it does not fit this folder's rule).`;
    case "failed":
      return `${e.entry}: could not be stored. ${e.message} It is tried again in a few minutes.`;
    case "folder_missing":
      return "The folder is not there (a disconnected drive?). It is looked for again.";
    default:
      return null;
  }
}

/** The folders were paused or resumed outside the page (the tray's menu). */
export function noteWatchedChanged() {
  redraw?.(true);
}

/** Takes in one event of the watcher (from the app's background watcher). */
export function noteWatchEvent(e: WatchEvent) {
  if (e.kind === "halted") {
    halted = e.message;
  } else {
    halted = null;
    if (e.kind === "watching") return;
    const line = watchWords(e);
    if (line) {
      const lines = activity.get(e.folder) ?? [];
      if (lines[0] === line) return;
      // A new state of an entry replaces its older line.
      const entry = line.slice(0, line.indexOf(":") + 1);
      const kept = lines.filter((l) => !l.startsWith(entry));
      activity.set(e.folder, [line, ...kept].slice(0, ACTIVITY_KEPT));
    }
  }
  redraw?.(e.kind === "stored" || e.kind === "moved" || e.kind === "folder_missing");
}

function ruleWords(each: ItemRule): string {
  return each === "each_file" ? "Each new file becomes an item" : "Each new folder in it becomes an item";
}

function stateWords(v: WatchedFolderView): { text: string; tone: string } {
  if (v.missing) return { text: "Not found", tone: "bad" };
  if (v.folder.paused) return { text: "Paused", tone: "muted" };
  if (v.polled) return { text: `Watching (checked every ${v.poll_seconds} s)`, tone: "ok" };
  return { text: "Watching", tone: "ok" };
}

export function renderWatched(root: HTMLElement) {
  const list = h("div", { id: "watched-list", "aria-live": "polite" }, h("p", { class: "empty" }, "Loading…"));
  const form = h("div", { id: "watch-form" });
  const status = h("div", { id: "watched-status" });
  let folders: WatchedFolderView[] = [];

  const load = async () => {
    try {
      folders = await api.watchedFolders();
      draw();
    } catch (e) {
      clear(
        list,
        errorBox(e, () => void load()),
      );
    }
  };
  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      await load();
    } catch (e) {
      clear(status, errorBox(e));
    }
  };

  const draw = () => {
    // Drawn again on each event: the keyboard's focus stays on the same button.
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.keep;
    drawNow();
    if (focused) list.querySelector<HTMLElement>(`[data-keep="${CSS.escape(focused)}"]`)?.focus();
  };
  const drawNow = () => {
    clear(
      status,
      halted
        ? h(
            "div",
            { class: "notice warn", role: "status" },
            h("p", {}, `The folders are not being watched just now. ${halted}`),
          )
        : null,
    );
    if (!folders.length) {
      clear(
        list,
        h(
          "p",
          { class: "empty" },
          "No folder is watched yet. Choose the folder your scanner or digitisation station saves into.",
        ),
      );
      return;
    }
    clear(
      list,
      h(
        "ul",
        { class: "watched" },
        folders.map((v) => {
          const s = stateWords(v);
          const lines = activity.get(v.folder.path) ?? [];
          return h(
            "li",
            { class: "watched-folder", "data-folder": v.folder.path },
            h(
              "div",
              { class: "watched-head" },
              h("strong", {}, folderName(v.folder.path)),
              h("span", { class: `chip ${s.tone}` }, h("span", { class: "dot" }), s.text),
            ),
            h("div", { class: "sub" }, v.folder.path),
            h(
              "p",
              {},
              `${ruleWords(v.folder.each)}, once it has not changed for ${v.folder.settle_seconds} seconds. `,
              v.folder.collection ? `Collection: ${v.folder.collection}. ` : null,
              `${v.stored} stored so far.`,
            ),
            v.polled
              ? h(
                  "p",
                  { class: "hint" },
                  v.network_share
                    ? "This folder is on a network drive, which does not say when files arrive, so it is checked every few seconds."
                    : "Marked as a network drive: checked every few seconds.",
                )
              : null,
            lines.length
              ? h(
                  "ul",
                  { class: "watched-activity" },
                  lines.map((l) => h("li", {}, l)),
                )
              : null,
            h(
              "div",
              { class: "actions" },
              h(
                "button",
                {
                  class: "secondary",
                  "data-keep": `pause:${v.folder.path}`,
                  onclick: () => void act(() => api.pauseWatching(v.folder.path, !v.folder.paused)),
                },
                v.folder.paused ? "Resume" : "Pause",
              ),
              h(
                "button",
                {
                  class: "link",
                  "data-keep": `stop:${v.folder.path}`,
                  onclick: () => void act(() => api.unwatchFolder(v.folder.path)),
                },
                "Stop watching",
              ),
            ),
          );
        }),
      ),
    );
  };

  const openForm = (path: string) => {
    const collection = field("Collection (optional)", {
      id: "watch-collection",
      type: "text",
      list: "watch-collections",
    });
    const collections = h("datalist", { id: "watch-collections" });
    suggestCollections(collections);
    collection.wrap.append(collections);
    const description = h("textarea", { id: "watch-description", rows: "2" });
    const rule = (each: ItemRule, label: string, hint: string) =>
      h(
        "label",
        { class: "choice" },
        h("input", { type: "radio", name: "watch-each", value: each, checked: each === "each_folder" }),
        ` ${label}`,
        h("span", { class: "hint" }, ` ${hint}`),
      );
    const network = h("input", { type: "checkbox", id: "watch-network" });
    const settle = h(
      "select",
      { id: "watch-settle" },
      SETTLE_CHOICES.map(([s, label]) => h("option", { value: String(s), selected: s === 30 }, label)),
    );
    const problem = h("div");
    const start = async () => {
      const each = (form.querySelector("input[name='watch-each']:checked") as HTMLInputElement | null)?.value;
      try {
        await api.watchFolder({
          path,
          each: (each as ItemRule) ?? "each_folder",
          collection: collection.input.value,
          description: description.value,
          poll: network.checked,
          settle_seconds: Number(settle.value),
        });
        clear(form);
        await load();
      } catch (e) {
        clear(problem, errorBox(e));
      }
    };
    clear(
      form,
      h(
        "section",
        { class: "watch-card", "aria-labelledby": "watch-form-title" },
        h("h2", { id: "watch-form-title" }, `Watch “${folderName(path)}”`),
        h("p", { class: "sub" }, path),
        h(
          "fieldset",
          { class: "choices", id: "watch-rule" },
          h("legend", {}, "What becomes one item"),
          rule("each_folder", "Each new folder in it", "(a box, a batch of scans)"),
          rule("each_file", "Each new file", "(a scanner that saves single files)"),
        ),
        collection.wrap,
        h("div", { class: "field" }, h("label", { for: "watch-description" }, "Description (optional)"), description),
        h("div", { class: "field" }, h("label", { for: "watch-settle" }, "Store once unchanged for"), settle),
        h("label", { class: "choice" }, network, " This folder is on a network drive (a NAS or a shared folder)"),
        problem,
        h(
          "div",
          { class: "actions" },
          h("button", { class: "primary", id: "watch-start", onclick: () => void start() }, "Start watching"),
          h("button", { class: "secondary", onclick: () => clear(form) }, "Cancel"),
        ),
      ),
    );
    form.querySelector<HTMLInputElement>("input[name='watch-each']")?.focus();
  };

  const choose = async () => {
    try {
      const picked = await api.pick({ kind: "folder" });
      if (picked?.[0]) openForm(picked[0]);
    } catch (e) {
      clear(status, errorBox(e));
    }
  };

  clear(
    root,
    h("h1", {}, "Watched folders"),
    h(
      "p",
      { class: "sub" },
      "Files that arrive in a watched folder are stored by themselves once they have finished arriving. Nothing is stored twice, even when it is renamed. The folders are watched while this app runs, also with its window closed (its icon stays in the tray).",
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { class: "primary", id: "watch-add", onclick: () => void choose() }, "Watch a folder…"),
    ),
    status,
    form,
    list,
  );
  redraw = (reload) => {
    if (!list.isConnected) redraw = null;
    else if (reload) void load();
    else draw();
  };
  void load();
}

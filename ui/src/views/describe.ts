// "Edit description…": an item's title, collection, description and a few
// Dublin Core fields, changed after it is stored (on every partner; each
// change goes into the item's history). A modal dialog, so the detail's
// frequent redraws never touch what the person is typing.

import { api } from "../api";
import { errorBox } from "../app";
import type { LibraryItem, MetaOutcome } from "../bindings";
import { clear, h } from "../dom";

/** The fields, in the order shown: metadata key, label, hint. */
export const DESCRIBE_FIELDS: [string, string, string?][] = [
  ["collection", "Collection"],
  ["description", "Description"],
  ["dc.creator", "Creator", "Who made the original (a person or an organisation)."],
  ["dc.date", "Date", "When the original was made, e.g. 1921 or 1921-03-04."],
  ["dc.rights", "Rights", "Who holds the rights, or the licence."],
  ["dc.identifier", "Accession number"],
];

/**
 * What changed between the item and the form: key -> new value ("" removes
 * the key); the title is the key `title`. Unchanged fields are left out.
 */
export function changedFields(
  item: Pick<LibraryItem, "name" | "metadata">,
  form: Record<string, string>,
): Record<string, string> {
  const changes: Record<string, string> = {};
  const title = (form.title ?? "").trim();
  if (title !== item.name) changes.title = title;
  for (const [key] of DESCRIBE_FIELDS) {
    const now = item.metadata[key] ?? "";
    const next = (form[key] ?? "").trim();
    if (next !== now) changes[key] = next;
  }
  return changes;
}

/** The collections in use, for the suggestions of a collection field (asked once a session). */
let collectionsAsked: Promise<string[]> | null = null;
export function suggestCollections(list: HTMLDataListElement) {
  collectionsAsked ??= api.collections().catch(() => {
    collectionsAsked = null;
    return [];
  });
  void collectionsAsked.then((names) =>
    clear(
      list,
      names.map((n) => h("option", { value: n })),
    ),
  );
}

/** A new collection name may have been made: ask again next time. */
export function collectionsChanged() {
  collectionsAsked = null;
}

/** Opens the dialog for `item`; `done` gets what was changed. */
export function openDescribe(item: LibraryItem, done: (outcome: MetaOutcome) => void) {
  const dlg = h("dialog", { class: "confirm describe", "aria-labelledby": "describe-title" });
  const list = h("datalist", { id: "describe-collections" });
  suggestCollections(list);
  const inputs: Record<string, HTMLInputElement | HTMLTextAreaElement> = {};
  const row = (key: string, label: string, hint?: string) => {
    const id = `describe-${key.replace(".", "-")}`;
    const input =
      key === "description"
        ? h("textarea", { id, rows: 3 })
        : h("input", { id, type: "text", list: key === "collection" ? "describe-collections" : undefined });
    input.value = key === "title" ? item.name : (item.metadata[key] ?? "");
    inputs[key] = input;
    return h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      input,
      hint ? h("p", { class: "hint" }, hint) : null,
    );
  };
  const said = h("div", { id: "describe-status", "aria-live": "polite" });
  const save = h("button", { class: "primary", id: "describe-save", type: "submit" }, "Save");
  const close = () => {
    dlg.close();
    dlg.remove();
  };
  const form = h(
    "form",
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const values = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value]));
        const changes = changedFields(item, values);
        if (Object.keys(changes).length === 0) {
          close();
          return;
        }
        if (changes.title === "") {
          clear(said, h("p", { class: "notice bad" }, "An item needs a title."));
          inputs.title.focus();
          return;
        }
        save.disabled = true;
        save.textContent = "Saving on every partner…";
        try {
          const outcome = await api.setItemMetadata({ cid: item.cid, changes });
          if ("collection" in changes) collectionsChanged();
          close();
          done(outcome);
        } catch (err) {
          clear(said, errorBox(err));
          save.disabled = false;
          save.textContent = "Save";
        }
      },
    },
    h("h2", { id: "describe-title" }, "Edit description"),
    h(
      "p",
      { class: "sub" },
      "The change reaches every partner's copy, and the item's history records it with the old and new values.",
    ),
    row("title", "Title"),
    DESCRIBE_FIELDS.map(([k, label, hint]) => row(k, label, hint)),
    list,
    said,
    h(
      "div",
      { class: "actions" },
      h("button", { class: "secondary", id: "describe-cancel", type: "button", onclick: close }, "Cancel"),
      save,
    ),
  );
  dlg.append(form);
  dlg.addEventListener("cancel", () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  inputs.title.focus();
}

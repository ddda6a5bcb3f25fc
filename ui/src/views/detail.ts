// Item detail: per-partner status with times and errors, metadata and
// provenance, and the actions (save to disk, remove).

import { api } from "../api";
import { confirmDialog, copyText, errorBox, state } from "../app";
import type { LibraryItem } from "../bindings";
import { clear, h } from "../dom";
import { copies, exact, healthWords, partnerStatus, relative, size } from "../format";
import { startRetrieve } from "./jobs-tray";
import { loadLibrary, selectItem } from "./library";

const PROVENANCE_LABELS: Record<string, string> = {
  collection: "Collection",
  description: "Description",
  source: "Added from",
  files: "Files",
  client: "Added with",
  "cid-settings": "CID settings",
};

export function renderDetail(root: HTMLElement, item: LibraryItem) {
  const c = copies(item);
  const status = h("div", { id: "detail-status" });
  const meta = Object.entries(item.metadata).filter(([k]) => k in PROVENANCE_LABELS);
  clear(
    root,
    h(
      "div",
      { class: "detail-head" },
      h("h2", { tabindex: "-1", id: "detail-title" }, item.name || "(no name)"),
      h("button", { class: "link", "aria-label": "Close the detail", onclick: () => selectItem(null) }, "Close"),
    ),
    h("p", {}, h("span", { class: `pill ${c.tone}` }, c.label), " ", healthWords(item.health)),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Content ID"),
      h(
        "dd",
        {},
        h("code", { class: "cid-full", id: "detail-cid" }, item.cid),
        " ",
        h(
          "button",
          { class: "link", onclick: (e: Event) => void copyText(item.cid, e.currentTarget as HTMLElement) },
          "Copy",
        ),
      ),
      h("dt", {}, "Size"),
      h("dd", { class: "num" }, size(item.size)),
      h("dt", {}, "Added"),
      h("dd", { title: exact(item.added_at) }, relative(item.added_at), item.added_by ? ` by ${item.added_by}` : ""),
      meta.flatMap(([k, v]) => [h("dt", {}, PROVENANCE_LABELS[k]), h("dd", {}, v)]),
    ),
    h("h3", {}, "Partners"),
    h(
      "ul",
      { class: "partner-list" },
      item.partners.map((p) => {
        const s = partnerStatus(p.status);
        return h(
          "li",
          {},
          h("span", { class: `chip ${s.tone}`, title: p.status }, h("span", { class: "dot" }), s.label),
          " ",
          h("strong", {}, p.peername || p.peer_id),
          p.timestamp ? h("span", { class: "sub", title: exact(p.timestamp) }, ` · ${relative(p.timestamp)}`) : null,
          p.error ? h("div", { class: "sub bad-text" }, p.error) : null,
        );
      }),
    ),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          class: "primary",
          id: "detail-save",
          onclick: async () => {
            const picked = await api.pick({ kind: "save", default_name: item.name || item.cid });
            if (picked?.[0]) startRetrieve(item, picked[0]);
          },
        },
        "Save to disk…",
      ),
      item.health === "ok"
        ? null
        : h(
            "button",
            {
              class: "secondary",
              id: "detail-repair",
              title: "Ask every partner to retry what failed",
              onclick: async () => {
                try {
                  const after = await api.repairItem(item.cid);
                  clear(
                    status,
                    h("p", { class: "notice ok" }, `Asked every partner to retry: now ${copies(after).label}.`),
                  );
                  void loadLibrary();
                } catch (e) {
                  clear(status, errorBox(e));
                }
              },
            },
            "Repair",
          ),
      h(
        "button",
        {
          class: "danger",
          id: "detail-remove",
          onclick: async () => {
            const ok = await confirmDialog({
              title: `Remove "${item.name || item.cid}"?`,
              body: [
                `This removes the item from all ${item.partners.length} partners: ${size(item.size)}${
                  item.metadata.files ? ` in ${item.metadata.files} files` : ""
                }, content ID ${item.cid}.`,
                "Files on your own computer are not touched. Partners' disks free the space at their next clean-up.",
              ],
              confirm: "Remove from all partners",
              danger: true,
            });
            if (!ok) return;
            try {
              await api.removeItem(item.cid);
              state.items = state.items.filter((i) => i.cid !== item.cid);
              selectItem(null);
              void loadLibrary();
            } catch (e) {
              clear(status, errorBox(e));
            }
          },
        },
        "Remove from all partners…",
      ),
    ),
    status,
  );
}

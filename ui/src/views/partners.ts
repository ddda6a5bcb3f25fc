// Partners: every member node, online or not, free space, versions, what it
// holds and its alerts.

import { api } from "../api";
import { errorBox } from "../app";
import { clear, h } from "../dom";
import { relative, size } from "../format";

export function renderPartners(root: HTMLElement) {
  const body = h("div", {}, h("p", { class: "empty" }, "Asking the network…"));
  const load = async () => {
    try {
      const partners = await api.listPartners();
      partners.sort((a, b) => a.name.localeCompare(b.name));
      clear(
        body,
        h(
          "table",
          { class: "grid", id: "partners-table" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Partner", "State", "Free space", "Holds", "Version", "Alerts"].map((t) => h("th", { scope: "col" }, t)),
            ),
          ),
          h(
            "tbody",
            {},
            partners.map((p) =>
              h(
                "tr",
                { "data-peer": p.cluster_peer_id },
                h(
                  "td",
                  {},
                  h("strong", {}, p.name || "(unnamed)"),
                  h("div", { class: "sub", title: p.cluster_peer_id }, `…${p.cluster_peer_id.slice(-8)}`),
                ),
                h(
                  "td",
                  {},
                  p.online
                    ? h("span", { class: "chip ok" }, h("span", { class: "dot" }), "Online")
                    : h(
                        "span",
                        { class: "chip warn", title: p.error ?? "" },
                        h("span", { class: "dot" }),
                        "Unreachable",
                      ),
                  p.online || !p.last_seen ? null : h("div", { class: "sub" }, `Last seen ${relative(p.last_seen)}`),
                ),
                h(
                  "td",
                  { class: "num" },
                  p.free_space === null ? h("span", { class: "sub" }, "Not reported yet") : size(p.free_space),
                ),
                h("td", { class: "num" }, `${p.pins} ${p.pins === 1 ? "item" : "items"}`),
                h("td", {}, p.cluster_version ?? "—"),
                h("td", {}, p.alerts.length ? p.alerts.join("; ") : "None"),
              ),
            ),
          ),
        ),
        h("p", { class: "hint" }, `${partners.length} members in this network.`),
      );
    } catch (e) {
      clear(
        body,
        errorBox(e, () => void load()),
      );
    }
  };
  clear(
    root,
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, "Partners"),
      h("div", { class: "grow" }),
      h("button", { class: "secondary", onclick: () => void load() }, "Refresh"),
    ),
    body,
  );
  void load();
}

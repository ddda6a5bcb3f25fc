// Partners: every member node, online or not, free space, what it holds,
// how its copies fared when they were last checked, and its alerts; the
// peer IDs and versions behind "Technical details".

import { api } from "../api";
import { errorBox } from "../app";
import type { Partner } from "../bindings";
import { clear, h } from "../dom";
import { exact, partnerChecks, relative, size } from "../format";

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
              ["Partner", "State", "Free space", "Holds", "Copies checked", "Alerts"].map((t) =>
                h("th", { scope: "col" }, t),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            partners.map((p) =>
              h(
                "tr",
                { "data-peer": p.cluster_peer_id },
                h("td", {}, h("strong", {}, p.name || "(unnamed)")),
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
                checksCell(p),
                h("td", {}, p.alerts.length ? p.alerts.join("; ") : "None"),
              ),
            ),
          ),
        ),
        h(
          "details",
          { class: "tech", id: "partners-tech" },
          h("summary", {}, "Technical details"),
          h(
            "dl",
            { class: "facts" },
            partners.flatMap((p) => [
              h("dt", {}, p.name || "(unnamed)"),
              h(
                "dd",
                {},
                "Cluster peer ID ",
                h("code", { class: "cid-full" }, p.cluster_peer_id),
                h("br"),
                `IPFS Cluster ${p.cluster_version ?? "version not known"}, kubo ${p.kubo_version ?? "version not known"}`,
              ),
            ]),
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

/** When the partner's copies were last checked here, and how many passed. */
function checksCell(p: Partner): HTMLElement {
  const c = partnerChecks(p);
  return h(
    "td",
    { class: "checks-cell", "data-audited": String(p.copies_audited), "data-verified": String(p.copies_verified) },
    h("div", { class: c.tone ? `fixity ${c.tone}` : "" }, c.label),
    c.sub ? h("div", { class: "sub", title: exact(p.last_audited) }, c.sub) : null,
  );
}

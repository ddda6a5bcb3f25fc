// Partners: every member node, online or not, named by its organisation and
// site, free space, what it holds, how its copies fared when they were last
// checked, and its alerts; the network's rules (its policy); the machine
// names, peer IDs and versions behind "Technical details".

import { api } from "../api";
import { errorBox } from "../app";
import type { EnsureReport, Partner, PolicyView } from "../bindings";
import { clear, h } from "../dom";
import { exact, partnerChecks, relative, size } from "../format";
import { placeName } from "../places";
import { riskPanel } from "./risk";

export function renderPartners(root: HTMLElement) {
  const body = h("div", {}, h("p", { class: "empty" }, "Asking the network…"));
  const load = async () => {
    try {
      const [partners, policy] = await Promise.all([api.listPartners(), api.networkPolicy().catch(() => null)]);
      const label = (p: Partner) => `${partnerLabel(p)}\n${p.name}`;
      partners.sort((a, b) => label(a).localeCompare(label(b)));
      clear(
        body,
        riskPanel(),
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
                h(
                  "td",
                  {},
                  h("strong", {}, partnerLabel(p)),
                  p.place.organisation && p.place.site ? h("div", { class: "partner-site" }, p.place.site) : null,
                  p.place.organisation || p.place.site
                    ? h("div", { class: "sub" }, `Computer ${p.name || "(unnamed)"}`)
                    : h("div", { class: "sub" }, "Organisation and place not given"),
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
        h(
          "p",
          { class: "hint", id: "partners-hint" },
          `${partners.length} members in this network${sitesWords(partners)}.`,
        ),
        placementSection(),
        policy ? rulesSection(policy) : null,
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

function partnerLabel(p: Partner): string {
  return placeName(p.place, p.name);
}

/** ", on 2 sites" (nothing when no partner names its site). */
function sitesWords(partners: Partner[]): string {
  const sites = new Set(partners.map((p) => p.place.site).filter((s): s is string => !!s));
  if (sites.size === 0) return "";
  return `, on ${sites.size} ${sites.size === 1 ? "site" : "sites"}`;
}

/** The network's rules, as every member's app and command line follow them. */
function rulesSection(view: PolicyView): HTMLElement {
  const d = view.document;
  return h(
    "section",
    { id: "network-rules" },
    h("h2", {}, "Network rules"),
    h(
      "p",
      { class: "hint" },
      view.stored && d.set_by && d.set_at
        ? `Every member follows these rules. Last changed by ${d.set_by}, ${relative(d.set_at)}.`
        : "Nobody has set rules for this network yet, so these defaults apply.",
    ),
    h(
      "dl",
      { class: "facts" },
      view.settings.flatMap((s) => [
        h("dt", {}, s.meaning.charAt(0).toUpperCase() + s.meaning.slice(1)),
        h("dd", { "data-setting": s.key }, s.value),
      ]),
    ),
  );
}

/** "Check placement": every item against the network's rules, nothing changed. */
function placementSection(): HTMLElement {
  const out = h("div", { id: "placement-result", role: "status" });
  const button = h("button", { class: "secondary", id: "check-placement" }, "Check placement") as HTMLButtonElement;
  button.onclick = async () => {
    button.disabled = true;
    clear(out, h("p", { class: "hint" }, "Checking where every item's copies are…"));
    try {
      clear(out, placementReport(await api.checkPlacement()));
    } catch (e) {
      clear(
        out,
        errorBox(e, () => button.click()),
      );
    } finally {
      button.disabled = false;
    }
  };
  return h(
    "section",
    { id: "placement" },
    h("h2", {}, "Where the copies are"),
    h(
      "p",
      { class: "hint" },
      "Checks that every item has its copies on enough partners and places, as the network's rules ask. Nothing is changed.",
    ),
    button,
    out,
  );
}

/** The check's result in plain words: a sentence, then each partner's copies now and as the rules want them. */
export function placementReport(r: EnsureReport): HTMLElement {
  const n = r.changes.length;
  const items = (k: number) => `${k.toLocaleString("en")} ${k === 1 ? "item" : "items"}`;
  const sentences: [string, string][] = [];
  if (n === 0 && r.unmet.length === 0) {
    sentences.push([
      "ok",
      r.items_checked === 1
        ? "The one item is placed as the network's rules ask."
        : `All ${items(r.items_checked)} are placed as the network's rules ask.`,
    ]);
  }
  if (n > 0) {
    sentences.push([
      "warn",
      `${items(n)} of ${r.items_checked.toLocaleString("en")} should get copies on other partners. The person who runs the network can place them.`,
    ]);
  }
  if (r.waiting.length > 0) {
    sentences.push([
      "warn",
      `${items(r.waiting.length)} ${r.waiting.length === 1 ? "has" : "have"} a copy on a partner that is offline; it is made elsewhere if the partner stays away.`,
    ]);
  }
  if (r.unmet.length > 0) {
    sentences.push(["bad", `${items(r.unmet.length)} cannot be placed as the rules ask: ${r.unmet[0].problems[0]}`]);
  }
  return h(
    "div",
    {},
    sentences.map(([tone, text]) => h("p", { class: `notice ${tone}` }, text)),
    h(
      "table",
      { class: "grid", id: "placement-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Partner", "Copies now", "As the rules ask"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        {},
        r.partners.map((p) =>
          h(
            "tr",
            {},
            h("td", {}, placeName(p.place, p.name), p.online ? null : h("span", { class: "sub" }, " (offline)")),
            h("td", { class: "num" }, String(p.before)),
            h("td", { class: "num" }, String(p.after)),
          ),
        ),
      ),
    ),
  );
}

// Item detail: per-partner status with times and errors, what the checks of
// the copies found ("Check copies now"), metadata and provenance, the
// technical facts behind a disclosure, and the actions (save to disk, remove).
//
// The library redraws often (loads, refreshes, findings); drawing the detail
// again for the same item and the same state does nothing, and drawing it
// for a changed one keeps the keyboard focus, the open disclosures and the
// scroll position.

import { api } from "../api";
import { announce, confirmDialog, copyText, errorBox, state } from "../app";
import { findings } from "../audits";
import type { CopyAudit, LibraryItem, PartnerStatus, WithdrawalOutcome } from "../bindings";
import { clear, h } from "../dom";
import {
  checkSummary,
  copies,
  copyCheckWords,
  exact,
  healthWords,
  partnerStatus,
  relative,
  size,
  type Tone,
  until,
  type WithdrawalInfo,
  withdrawalOf,
  withdrawalSaid,
} from "../format";
import { partnerDetail, partnerName } from "../places";
import { WORDS } from "../words";
import { contentsClosed, contentsSection } from "./contents";
import { openDescribe } from "./describe";
import { historyChanged, historyClosed, historySection } from "./history";
import { startBag, startRetrieve } from "./jobs-tray";
import { loadLibrary, refreshItem, selectItem, shownItem } from "./library";

const PROVENANCE_LABELS: Record<string, string> = {
  collection: "Collection",
  description: "Description",
  "dc.creator": "Creator",
  "dc.date": "Date",
  "dc.rights": "Rights",
  "dc.identifier": "Accession number",
  source: "Added from",
  files: "Files",
};

/** Provenance only the technical details show. */
const TECHNICAL_LABELS: Record<string, string> = {
  client: "Added with",
  "cid-settings": "CID settings",
};

/** Bad blocks listed in a copy's technical details (the rest counted). */
const BAD_BLOCKS_SHOWN = 20;

/** A "Check copies now" of one item: running, or what it found. */
type Check = {
  running: boolean;
  result?: { text: string; tone: Tone };
  error?: unknown;
  /** Why the shared history could not record the checks. */
  recordProblem?: string | null;
};

/** The item the detail shows, as `itemDetail` gave it (each partner's last check). */
const open = {
  cid: null as string | null,
  full: null as LibraryItem | null,
  loading: false,
  error: null as unknown,
  /** The library's item last compared with `full`. */
  compared: null as LibraryItem | null,
};
const checks = new Map<string, Check>();
/**
 * What the detail's last action said, by item (until the detail closes):
 * kept here because the detail is drawn anew many times before it is read.
 */
const said = new Map<string, (HTMLElement | null)[]>();

/** Says `notices` under the item's actions. */
function say(cid: string, ...notices: (HTMLElement | null)[]) {
  said.set(cid, notices);
  redraw();
}
/** Bumped whenever what the detail shows changes beside its item. */
let version = 0;
/** Where the detail was last drawn, and for what. */
let drawn: { root: HTMLElement; item: LibraryItem; full: LibraryItem | null; version: number } | null = null;
/** Focus this (a `data-keep`) when a check ends, if the focus is nowhere then. */
let refocus: string | null = null;

/** Draws the detail again with the library's current item (after a change of its own state). */
function redraw() {
  version++;
  if (!drawn || !open.cid) return;
  renderDetail(drawn.root, shownItem(open.cid) ?? drawn.item);
}

async function fetchFull(cid: string) {
  open.loading = true;
  open.error = null;
  try {
    await refreshItem(cid);
  } catch (e) {
    if (open.cid === cid) open.error = e;
  } finally {
    if (open.cid === cid) open.loading = false;
    redraw();
  }
}

/** The library closed the detail: opening an item again asks for its state again. */
export function detailClosed() {
  historyClosed();
  contentsClosed();
  said.clear();
  open.cid = null;
  open.full = null;
  drawn = null;
}

/** A fresh state of an item from the node: the open detail shows its partners' checks. */
export function itemFetched(item: LibraryItem) {
  if (item.cid !== open.cid) return;
  open.full = item;
  open.error = null;
  redraw();
}

/** Checks every partner's copy now, then shows what was found (the library's row too). */
async function checkNow(cid: string) {
  if (checks.get(cid)?.running) return;
  checks.set(cid, { running: true });
  redraw();
  let done: Check;
  try {
    const found = await api.auditItem(cid);
    for (const c of found.copies) findings.add(c);
    done = { running: false, result: checkSummary(found.copies), recordProblem: found.record_problem };
    historyChanged(cid);
    await refreshItem(cid).catch(() => undefined);
  } catch (e) {
    done = { running: false, error: e };
  }
  checks.set(cid, done);
  redraw();
  if (refocus && drawn && (document.activeElement === document.body || !document.activeElement)) {
    keptElement(drawn.root, refocus)?.focus({ preventScroll: true });
  }
  refocus = null;
}

function keptElement(root: HTMLElement, key: string): HTMLElement | null {
  for (const el of root.querySelectorAll<HTMLElement>("[data-keep]")) if (el.dataset.keep === key) return el;
  return null;
}

/** Draws `draw` into `root`, keeping the focus, the open disclosures and the scroll position. */
function keeping(root: HTMLElement, draw: () => void) {
  const active = document.activeElement as HTMLElement | null;
  const focus = active && root.contains(active) ? active.dataset.keep : undefined;
  const opened = [...root.querySelectorAll<HTMLElement>("details[open][data-keep]")].map((d) => d.dataset.keep);
  const top = root.scrollTop;
  draw();
  for (const key of opened) if (key) keptElement(root, key)?.setAttribute("open", "");
  root.scrollTop = top;
  if (focus && !root.contains(document.activeElement)) keptElement(root, focus)?.focus({ preventScroll: true });
}

export function renderDetail(root: HTMLElement, item: LibraryItem) {
  if (item.cid !== open.cid) {
    open.cid = item.cid;
    open.full = null;
    open.error = null;
    open.compared = item;
    // Forget what finished checks of other items said.
    for (const [cid, c] of checks) if (!c.running && cid !== item.cid) checks.delete(cid);
    void fetchFull(item.cid);
  } else if (open.full && !open.loading && open.compared !== item) {
    // The library found the item changed (a check made elsewhere): ask again.
    open.compared = item;
    if (
      item.fixity?.state !== open.full.fixity?.state ||
      item.fixity?.last_verified_at !== open.full.fixity?.last_verified_at
    )
      void fetchFull(item.cid);
  }
  if (drawn && drawn.root === root && drawn.item === item && drawn.full === open.full && drawn.version === version)
    return;
  drawn = { root, item, full: open.full, version };
  keeping(root, () => draw(root, item));
}

function draw(root: HTMLElement, item: LibraryItem) {
  const c = copies(item);
  const status = h("div", { id: "detail-status" }, said.get(item.cid) ?? []);
  const meta = Object.entries(item.metadata).filter(([k]) => k in PROVENANCE_LABELS);
  const technical = Object.entries(item.metadata).filter(([k]) => k in TECHNICAL_LABELS);
  const partners = byName(item.partners);
  const withdrawn = withdrawalOf(item);
  clear(
    root,
    h(
      "div",
      { class: "detail-head" },
      h("h2", { tabindex: "-1", id: "detail-title" }, item.name || "(no name)"),
      h("button", { class: "link", "aria-label": "Close the detail", onclick: () => selectItem(null) }, "Close"),
    ),
    h("p", {}, h("span", { class: `pill ${c.tone}` }, c.label), " ", healthWords(item.health)),
    withdrawn ? withdrawalNotice(item, withdrawn) : null,
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          class: "primary",
          id: "detail-save",
          "data-keep": "detail-save",
          onclick: async () => {
            const picked = await api.pick({ kind: "save", default_name: item.name || item.cid });
            if (picked?.[0]) startRetrieve(item, picked[0]);
          },
        },
        "Save to disk…",
      ),
      h(
        "details",
        { class: "menu", id: "detail-more", "data-keep": "detail-more" },
        h("summary", { class: "button secondary", "data-keep": "detail-more-summary" }, "More…"),
        h(
          "div",
          {
            class: "menu-items",
            // A choice made closes the menu.
            onclick: (e: Event) => {
              if ((e.target as HTMLElement).closest("button"))
                (e.currentTarget as HTMLElement).closest("details")?.removeAttribute("open");
            },
          },
          h(
            "button",
            {
              class: "secondary",
              id: "detail-bag",
              "data-keep": "detail-bag",
              title:
                "A folder other archives' tools can check: the files, their checksums, a description and the item's history",
              onclick: async () => {
                const picked = await api.pick({ kind: "save", default_name: `${item.name || "item"} (BagIt)` });
                if (picked?.[0]) startBag(item, picked[0]);
              },
            },
            `Save as ${WORDS.archivalPackage.term.toLowerCase().replace("bagit", "BagIt")}…`,
          ),
          h(
            "button",
            {
              class: "secondary",
              id: "detail-describe",
              "data-keep": "detail-describe",
              onclick: () =>
                openDescribe(item, (outcome) => {
                  say(
                    item.cid,
                    h("p", { class: "notice ok", id: "detail-describe-result" }, outcome.summary),
                    outcome.warning ? h("p", { class: "notice warn" }, outcome.warning) : null,
                    outcome.record_problem ? h("p", { class: "notice warn" }, outcome.record_problem) : null,
                  );
                  historyChanged(item.cid);
                  void refreshItem(item.cid).catch(() => undefined);
                  void loadLibrary();
                }),
            },
            "Edit description…",
          ),
          item.health === "ok"
            ? null
            : h(
                "button",
                {
                  class: "secondary",
                  id: "detail-repair",
                  "data-keep": "detail-repair",
                  title: "Ask every partner to retry what failed",
                  onclick: async () => {
                    try {
                      const after = await api.repairItem(item.cid);
                      say(
                        item.cid,
                        h(
                          "p",
                          { class: "notice ok" },
                          `Asked every partner to retry: now ${copies(after.item).label}.`,
                        ),
                        after.record_problem ? h("p", { class: "notice warn" }, after.record_problem) : null,
                      );
                      historyChanged(item.cid);
                      void loadLibrary();
                    } catch (e) {
                      say(item.cid, errorBox(e));
                    }
                  },
                },
                "Repair",
              ),
          withdrawn
            ? null
            : h(
                "button",
                {
                  class: "quiet-danger",
                  id: "detail-remove",
                  "data-keep": "detail-remove",
                  onclick: async () => {
                    const policy = await api.networkPolicy().catch(() => null);
                    const grace = policy?.settings.find((x) => x.key === "removal-grace")?.value ?? "the grace period";
                    const second = policy?.document.policy.removal_needs_confirmation ?? false;
                    const ok = await confirmDialog({
                      title: `Withdraw "${item.name || "this item"}"?`,
                      body: [
                        `It stays stored on all ${item.partners.length} partners for ${grace}${
                          second ? ", counted from when a second member confirms" : ""
                        }, and anyone can keep it until then. After that it is removed from every partner: ${size(item.size)}${
                          item.metadata.files ? ` in ${item.metadata.files} files` : ""
                        }.`,
                        "Files on your own computer are not touched.",
                      ],
                      confirm: "Withdraw",
                      danger: true,
                    });
                    if (!ok) return;
                    try {
                      const outcome = await api.removeItem(item.cid);
                      const words = withdrawalSaid(item.name || "the item", outcome, false);
                      say(item.cid, h("p", { class: "notice warn", id: "detail-withdrawn-said" }, words));
                      announce(words, "warn");
                      if (outcome.record_problem) announce(outcome.record_problem, "warn");
                      historyChanged(item.cid);
                      await refreshItem(item.cid);
                      void loadLibrary();
                    } catch (e) {
                      say(item.cid, errorBox(e));
                    }
                  },
                },
                "Withdraw…",
              ),
        ),
      ),
    ),
    status,
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Size"),
      h("dd", { class: "num" }, size(item.size)),
      h("dt", {}, "Added"),
      h("dd", { title: exact(item.added_at) }, relative(item.added_at), item.added_by ? ` by ${item.added_by}` : ""),
      meta.flatMap(([k, v]) => [h("dt", {}, PROVENANCE_LABELS[k]), h("dd", {}, v)]),
    ),
    contentsSection(item),
    h("h3", {}, "Partners"),
    h(
      "ul",
      { class: "partner-list" },
      partners.map((p) => {
        const s = partnerStatus(p.status);
        return h(
          "li",
          {},
          h("span", { class: `chip ${s.tone}`, title: p.status }, h("span", { class: "dot" }), s.label),
          " ",
          h("strong", {}, partnerName(p.peer_id, p.peername)),
          p.timestamp ? h("span", { class: "sub", title: exact(p.timestamp) }, ` · ${relative(p.timestamp)}`) : null,
          partnerDetail(p.peer_id, p.peername)
            ? h("div", { class: "sub" }, partnerDetail(p.peer_id, p.peername))
            : null,
          p.error ? h("div", { class: "sub bad-text" }, p.error) : null,
        );
      }),
    ),
    copiesChecked(item),
    historySection(item.cid, redraw),
    h(
      "details",
      { class: "tech", id: "detail-tech", "data-keep": "detail-tech" },
      h("summary", { "data-keep": "detail-tech-summary" }, "Technical details"),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, WORDS.fingerprint.term),
        h(
          "dd",
          {},
          h("code", { class: "cid-full", id: "detail-cid" }, item.cid),
          " ",
          h(
            "button",
            {
              class: "link",
              "data-keep": "detail-copy-cid",
              onclick: (e: Event) => void copyText(item.cid, e.currentTarget as HTMLElement),
            },
            "Copy",
          ),
        ),
        technical.flatMap(([k, v]) => [h("dt", {}, TECHNICAL_LABELS[k]), h("dd", {}, v)]),
        partners.flatMap((p) => [
          h("dt", {}, p.peername || "(unnamed)"),
          h("dd", {}, h("code", { class: "cid-full" }, p.peer_id), ` (${p.status})`),
        ]),
      ),
    ),
  );
}

/**
 * "Copies checked": per partner asked to keep a copy, what its last check
 * found in plain words (the sentence of the check and, for a check made
 * while the app runs, its bad blocks, behind "Technical details"), and the
 * button that checks every copy now.
 */
function copiesChecked(item: LibraryItem): HTMLElement {
  const check = checks.get(item.cid);
  const running = check?.running === true;
  const button = h(
    "button",
    {
      class: "secondary",
      id: "detail-check",
      "data-keep": "detail-check",
      disabled: running,
      "aria-busy": running ? "true" : undefined,
      title: "Read every part of every partner's copy and compare it with what was stored",
      onclick: (e: Event) => {
        if (document.activeElement === e.currentTarget) refocus = "detail-check";
        void checkNow(item.cid);
      },
    },
    running ? "Checking copies…" : "Check copies now",
  );
  const said = h("div", { id: "detail-check-status", "aria-live": "polite" });
  if (running) {
    said.append(
      h(
        "div",
        { class: "check-progress" },
        h("progress", { "aria-label": "Checking every partner's copy" }),
        h("span", { class: "sub" }, "Reading every part of every partner's copy…"),
      ),
    );
  } else if (check?.error) {
    said.append(errorBox(check.error, () => void checkNow(item.cid)));
  } else if (check?.result) {
    said.append(h("p", { class: `notice ${check.result.tone}`, id: "detail-check-result" }, check.result.text));
  }
  if (check?.recordProblem) said.append(h("p", { class: "notice warn" }, check.recordProblem));
  let list: HTMLElement;
  if (open.full) {
    const full = open.full;
    const kept = byName(full.partners).filter((p) => p.audit || p.status !== "remote");
    list = h(
      "ul",
      { class: "check-list", id: "detail-checks-list" },
      kept.map((p) => copyLine(full.cid, p)),
    );
  } else if (open.error && !open.loading) {
    list = errorBox(open.error, () => void fetchFull(item.cid));
  } else {
    list = h("p", { class: "sub" }, "Asking what the last checks found…");
  }
  return h(
    "section",
    { class: "checks", id: "detail-checks", "aria-labelledby": "detail-checks-title" },
    h("div", { class: "checks-head" }, h("h3", { id: "detail-checks-title" }, "Copies checked"), button),
    said,
    list,
  );
}

function copyLine(cid: string, p: PartnerStatus): HTMLElement {
  const name = partnerName(p.peer_id, p.peername);
  const a = p.audit;
  const finding = a ? findings.of(cid, p.peername, a.checked_at) : null;
  const w = copyCheckWords(name, a, finding);
  return h(
    "li",
    { "data-partner": p.peername, "data-outcome": a?.outcome ?? "unchecked" },
    h(
      "div",
      {},
      h("strong", {}, name),
      " ",
      h("span", { class: `chip ${w.tone}`, title: exact(a?.checked_at) }, w.label),
    ),
    w.say.map((s) => h("p", { class: w.tone === "bad" ? "say bad-text" : "say" }, s)),
    a ? technicalCopy(p.peername, a.message, a.mode, a.checked_at, finding) : null,
  );
}

function technicalCopy(
  partner: string,
  message: string,
  mode: string,
  checkedAt: string,
  finding: CopyAudit | null,
): HTMLElement {
  const bad = finding?.bad_blocks ?? [];
  const more = (finding?.bad_block_count ?? 0) - Math.min(bad.length, BAD_BLOCKS_SHOWN);
  return h(
    "details",
    { class: "tech", "data-keep": `check-tech-${partner}` },
    h("summary", { "data-keep": `check-tech-summary-${partner}` }, "Technical details"),
    h("p", { class: "tech-message" }, message),
    h(
      "p",
      { class: "sub" },
      `${mode === "full" ? "Full check" : "Sampled check"}, ${exact(checkedAt)}`,
      finding
        ? `: ${finding.blocks_checked} ${finding.blocks_checked === 1 ? "block" : "blocks"} checked, ${
            finding.files_checked
          } ${finding.files_checked === 1 ? "file" : "files"} compared with their checksums from when they were added`
        : "",
      ".",
    ),
    bad.length
      ? h(
          "ul",
          { class: "bad-blocks" },
          bad
            .slice(0, BAD_BLOCKS_SHOWN)
            .map((b) =>
              h(
                "li",
                {},
                `${b.fault === "missing" ? "Missing" : "Damaged"} block `,
                h("code", {}, b.cid),
                b.file ? ` of "${b.file}"` : " of the item itself",
              ),
            ),
          more > 0 ? h("li", {}, `and ${more} more`) : null,
        )
      : null,
    finding?.manifest_mismatches.length
      ? h(
          "ul",
          { class: "bad-blocks" },
          finding.manifest_mismatches.map((m) => h("li", {}, `Does not match the manifest: ${m}`)),
        )
      : null,
  );
}

/** The partners in the order of their names (the node lists them in its own order). */
function byName(partners: PartnerStatus[]): PartnerStatus[] {
  const name = (p: PartnerStatus) => `${partnerName(p.peer_id, p.peername)}\n${p.peername}`;
  return [...partners].sort((a, b) => name(a).localeCompare(name(b)));
}

/** A withdrawn item: who withdrew it, when it goes, and Keep it (and, for another member, Confirm). */
function withdrawalNotice(item: LibraryItem, w: WithdrawalInfo): HTMLElement {
  const me = state.settings?.me ?? "";
  const act = async (button: HTMLElement, kept: boolean, work: () => Promise<WithdrawalOutcome>) => {
    (button as HTMLButtonElement).disabled = true;
    try {
      const outcome = await work();
      const words = withdrawalSaid(item.name || "the item", outcome, kept);
      say(item.cid, h("p", { class: "notice ok", id: "detail-withdrawal-said" }, words));
      announce(words, "ok");
      if (outcome.record_problem) announce(outcome.record_problem, "warn");
      historyChanged(item.cid);
      await refreshItem(item.cid);
      void loadLibrary();
    } catch (e) {
      (button as HTMLButtonElement).disabled = false;
      say(item.cid, errorBox(e));
    }
  };
  return h(
    "div",
    { class: "notice warn", id: "detail-withdrawal" },
    h(
      "p",
      {},
      `Withdrawn by ${w.by} ${relative(w.at)}. `,
      w.awaiting
        ? "It waits for a second member to confirm the withdrawal; until then nothing is removed."
        : `It stays stored on every partner until it is removed ${until(w.removesAt)}, unless someone keeps it.`,
    ),
    h(
      "button",
      {
        class: "primary",
        id: "detail-keep",
        onclick: (e: Event) => void act(e.currentTarget as HTMLElement, true, () => api.keepItem(item.cid)),
      },
      "Keep it",
    ),
    w.awaiting && w.by !== me
      ? h(
          "button",
          {
            class: "quiet-danger",
            id: "detail-confirm-withdrawal",
            onclick: (e: Event) =>
              void act(e.currentTarget as HTMLElement, false, () => api.confirmWithdrawal(item.cid)),
          },
          "Confirm the withdrawal",
        )
      : null,
  );
}

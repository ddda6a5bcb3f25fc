// The preservation record in plain words: an item's History (in its detail)
// and the network's Activity (a place of its own, filtered by kind, person
// and partner). The record's own sentences name content IDs, so they stay
// behind "Technical details".

import { api } from "../api";
import { errorBox } from "../app";
import type { EventType, HistoryEvent, HistoryReport } from "../bindings";
import { clear, h } from "../dom";
import { exact, relative, type Tone } from "../format";

/** The kinds of event, as the Activity filter offers them. */
export const EVENT_KINDS: [EventType, string][] = [
  ["ingestion", "Added"],
  ["fixity_check", "Copies checked"],
  ["recovery", "Copies made again"],
  ["dissemination", "Saved to a computer"],
  ["metadata_modification", "Description changed"],
  ["deletion", "Removed"],
  ["policy_assignment", "Network rules changed"],
  ["replication", "Copies placed by the rules"],
  ["deaccession", "Withdrawn or kept"],
];

/** Events an item's History shows before "Show all". */
const HISTORY_SHOWN = 20;
/** Events the Activity view asks for. */
export const ACTIVITY_LIMIT = 200;

/** One event in plain words, and how it went. */
export function eventWords(e: Pick<HistoryEvent, "type" | "outcome" | "partner">): { text: string; tone: Tone } {
  const ok = e.outcome === "success";
  const partner = e.partner ?? "a partner";
  switch (e.type) {
    case "ingestion":
      return ok ? { text: "Added to storage", tone: "ok" } : { text: "Adding did not finish", tone: "bad" };
    case "fixity_check":
      return ok
        ? { text: `${partner}'s copy checked: every part matched`, tone: "ok" }
        : { text: `${partner}'s copy did not pass its check`, tone: "bad" };
    case "recovery":
      return ok
        ? { text: "Missing copies made again", tone: "ok" }
        : { text: "Asked for missing copies again; some are still missing", tone: "warn" };
    case "dissemination":
      return ok
        ? { text: `Saved to a computer from ${partner}`, tone: "neutral" }
        : { text: "Saving to a computer did not finish", tone: "warn" };
    case "metadata_modification":
      return { text: "Description changed", tone: "neutral" };
    case "deletion":
      return { text: "Removed from every partner", tone: "warn" };
    case "policy_assignment":
      return { text: "The network's rules were changed", tone: "neutral" };
    case "replication":
      return { text: "Copies placed where the network's rules ask", tone: "ok" };
    case "deaccession":
      return ok
        ? { text: "Withdrawn: to be removed after the grace period", tone: "warn" }
        : { text: "Withdrawal undone: kept", tone: "ok" };
  }
}

/** What is wrong with the record itself, in plain words (null: nothing). */
export function recordWarning(report: Pick<HistoryReport, "problems">): string | null {
  const n = report.problems.length;
  if (n === 0) return null;
  return `Part of the shared history is missing or was changed (${n} ${
    n === 1 ? "problem" : "problems"
  }). What is shown may be incomplete: tell the person who runs the network.`;
}

/** "Showing the newest 200 of 1,234 events." (null when all are shown). */
export function shownOf(shown: number, total: number): string | null {
  return total > shown ? `Showing the newest ${shown} of ${total.toLocaleString("en")} events.` : null;
}

function eventLine(e: HistoryEvent, itemName: string | null): HTMLElement {
  const w = eventWords(e);
  return h(
    "li",
    { class: "event", "data-type": e.type, "data-outcome": e.outcome },
    h(
      "div",
      {},
      h("span", { class: `dot ${w.tone}`, "aria-hidden": "true" }),
      " ",
      h("strong", {}, w.text),
      itemName !== null ? h("span", { class: "event-item" }, ` · ${itemName}`) : null,
    ),
    h("div", { class: "sub", title: exact(e.at) }, `${relative(e.at)} · by ${e.person}`),
    h(
      "details",
      { class: "tech", "data-keep": `event-tech-${e.id}` },
      h("summary", { "data-keep": `event-tech-summary-${e.id}` }, "Technical details"),
      h("p", { class: "tech-message" }, e.detail),
      h("p", { class: "sub" }, `${exact(e.at)} · ${e.software}`, h("br"), h("code", {}, e.item)),
    ),
  );
}

function problemsBox(report: HistoryReport): HTMLElement | null {
  const warning = recordWarning(report);
  if (!warning) return null;
  return h(
    "div",
    { class: "notice warn", role: "status", "data-record-problems": String(report.problems.length) },
    h("p", {}, warning),
    h(
      "details",
      { class: "tech" },
      h("summary", {}, "Technical details"),
      h(
        "ul",
        {},
        report.problems.map((p) => h("li", {}, p.message)),
      ),
    ),
  );
}

/** The open item's history: asked for once a detail is opened, again after an action on it. */
const itemHistory = {
  cid: null as string | null,
  loading: false,
  report: null as HistoryReport | null,
  error: null as unknown,
  showAll: false,
  /** Draws the detail again. */
  changed: (() => {}) as () => void,
};

async function loadItemHistory(cid: string, changed: () => void) {
  itemHistory.loading = true;
  changed();
  try {
    const report = await api.itemHistory(cid);
    if (itemHistory.cid === cid) {
      itemHistory.report = report;
      itemHistory.error = null;
    }
  } catch (e) {
    if (itemHistory.cid === cid) itemHistory.error = e;
  } finally {
    if (itemHistory.cid === cid) itemHistory.loading = false;
    changed();
  }
}

/** The detail closed: opening an item again reads its history again. */
export function historyClosed() {
  itemHistory.cid = null;
  itemHistory.report = null;
}

/** Reads the item's history again, if it is shown (after something was done to it). */
export function historyChanged(cid: string) {
  if (itemHistory.cid === cid) void loadItemHistory(cid, itemHistory.changed);
}

/** The detail's History section for `cid`; `changed` draws the detail again. */
export function historySection(cid: string, changed: () => void): HTMLElement {
  itemHistory.changed = changed;
  if (itemHistory.cid !== cid) {
    itemHistory.cid = cid;
    itemHistory.report = null;
    itemHistory.error = null;
    itemHistory.showAll = false;
    void loadItemHistory(cid, changed);
  }
  const { report, error, loading } = itemHistory;
  let body: (HTMLElement | null)[];
  if (report) {
    const shown = itemHistory.showAll ? report.events : report.events.slice(0, HISTORY_SHOWN);
    body = [
      problemsBox(report),
      report.events.length === 0
        ? h("p", { class: "sub" }, "Nothing recorded yet.")
        : h(
            "ol",
            { class: "event-list", id: "detail-history-list" },
            shown.map((e) => eventLine(e, null)),
          ),
      shown.length < report.events.length
        ? h(
            "button",
            {
              class: "link",
              "data-keep": "detail-history-all",
              onclick: () => {
                itemHistory.showAll = true;
                changed();
              },
            },
            `Show all ${report.events.length} events`,
          )
        : null,
    ];
  } else if (error && !loading) {
    body = [errorBox(error, () => void loadItemHistory(cid, changed))];
  } else {
    body = [h("p", { class: "sub" }, "Reading the shared history…")];
  }
  return h(
    "section",
    { class: "history", id: "detail-history", "aria-labelledby": "detail-history-title", "aria-busy": String(loading) },
    h("h3", { id: "detail-history-title" }, "History"),
    ...body,
  );
}

/** The Activity place: what happened across the network, newest first. */
export function renderActivity(root: HTMLElement) {
  const filter = {
    event_type: null as EventType | null,
    person: null as string | null,
    partner: null as string | null,
  };
  let choices: { people: string[]; partners: string[] } = { people: [], partners: [] };
  const filters = h("div", { class: "filters", role: "group", "aria-label": "Show only" });
  const results = h("div", { id: "activity-results", "aria-live": "polite" });
  let asked = 0;

  const select = (
    id: string,
    label: string,
    any: string,
    options: [string, string][],
    value: string | null,
    set: (v: string | null) => void,
  ) =>
    h(
      "label",
      { class: "filter" },
      `${label} `,
      h(
        "select",
        {
          id,
          onchange: (e: Event) => {
            const v = (e.currentTarget as HTMLSelectElement).value;
            set(v === "" ? null : v);
            void load();
          },
        },
        h("option", { value: "" }, any),
        options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
      ),
    );

  // Drawn again when the choices change; the focused one keeps the focus.
  const drawFilters = () => {
    const focused = filters.contains(document.activeElement) ? document.activeElement?.id : undefined;
    clear(
      filters,
      select("activity-type", "Kind", "Every kind", EVENT_KINDS, filter.event_type, (v) => {
        filter.event_type = v as EventType | null;
      }),
      select(
        "activity-person",
        "Person",
        "Everyone",
        choices.people.map((p) => [p, p]),
        filter.person,
        (v) => {
          filter.person = v;
        },
      ),
      select(
        "activity-partner",
        "Partner",
        "Every partner",
        choices.partners.map((p) => [p, p]),
        filter.partner,
        (v) => {
          filter.partner = v;
        },
      ),
    );
    if (focused) document.getElementById(focused)?.focus();
  };

  async function load() {
    const mine = ++asked;
    results.setAttribute("aria-busy", "true");
    clear(results, h("p", { class: "sub" }, "Reading the shared history…"));
    try {
      const report = await api.activity({ ...filter, limit: ACTIVITY_LIMIT });
      if (mine !== asked) return;
      // The choices grow as the record does; a chosen one stays offered.
      choices = {
        people: [...new Set([...report.people, ...(filter.person ? [filter.person] : [])])].sort(),
        partners: [...new Set([...report.partners, ...(filter.partner ? [filter.partner] : [])])].sort(),
      };
      drawFilters();
      const more = shownOf(report.events.length, report.total);
      clear(
        results,
        problemsBox(report),
        report.events.length === 0
          ? h("p", { class: "sub", id: "activity-empty" }, "Nothing recorded matches these choices.")
          : h(
              "ol",
              { class: "event-list", id: "activity-list" },
              report.events.map((e) => eventLine(e, report.names[e.item] ?? "an item without a name")),
            ),
        more ? h("p", { class: "sub" }, more) : null,
      );
    } catch (e) {
      if (mine === asked)
        clear(
          results,
          errorBox(e, () => void load()),
        );
    } finally {
      if (mine === asked) results.setAttribute("aria-busy", "false");
    }
  }

  drawFilters();
  clear(
    root,
    h("h1", {}, "Activity"),
    h(
      "p",
      { class: "sub" },
      "What happened to the items, as every member's computer recorded it in the shared history.",
    ),
    filters,
    results,
  );
  void load();
}

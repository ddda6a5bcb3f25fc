// The shell: sidebar with five places, the network badge, the jobs tray, and
// drag and drop onto the whole window.

import { api } from "./api";
import { confirmDialog, errorBox, type Place, setNavigate, state } from "./app";
import { findings, KeyedThrottle } from "./audits";
import { clear, h } from "./dom";
import { closeQuestion } from "./jobs";
import { renderAdd } from "./views/add";
import { renderActivity } from "./views/history";
import { renderInvite } from "./views/invite";
import { renderTray, restoreJobs } from "./views/jobs-tray";
import { loadLibrary, refreshItem, renderLibrary, shownItem } from "./views/library";
import { renderPartners } from "./views/partners";
import { renderSettings } from "./views/settings";

const PLACES: [Place, string][] = [
  ["library", "Library"],
  ["add", "Add"],
  ["partners", "Partners"],
  ["activity", "Activity"],
  ["invite", "Invite partner"],
  ["settings", "Settings"],
];

const app = document.getElementById("app") as HTMLElement;
const nav = h("nav", { class: "places", "aria-label": "Places" });
const badge = h("div", { class: "badge", id: "network-badge", "aria-live": "polite" });
const main = h("main", { id: "main", tabindex: "-1" });
const tray = h("section", { class: "tray", id: "jobs", "aria-label": "Jobs", hidden: true });
const dropOverlay = h("div", { class: "drop-overlay", hidden: true }, h("p", {}, "Drop to add to storage"));
let current: Place = "library";

function drawBadge() {
  const c = state.settings?.connection;
  clear(
    badge,
    h("span", { class: `dot ${c ? "ok" : "muted"}` }),
    c
      ? h("span", {}, "Connected to ", h("strong", {}, c.node), h("br"), h("span", { class: "sub" }, c.cluster_api))
      : h("span", {}, "Not connected"),
  );
}

function drawNav() {
  clear(
    nav,
    PLACES.map(([p, label]) =>
      h(
        "button",
        {
          class: `place${p === current ? " on" : ""}`,
          id: `nav-${p}`,
          "aria-current": p === current ? "page" : undefined,
          onclick: () => go(p),
        },
        label,
      ),
    ),
  );
}

function go(p: Place) {
  current = p;
  drawNav();
  main.dataset.place = p;
  switch (p) {
    case "library":
      renderLibrary(main);
      break;
    case "add":
      renderAdd(main);
      break;
    case "partners":
      renderPartners(main);
      break;
    case "activity":
      renderActivity(main);
      break;
    case "invite":
      renderInvite(main);
      break;
    case "settings":
      renderSettings(main, drawBadge);
      break;
  }
}

async function start() {
  app.append(
    h(
      "aside",
      { class: "sidebar" },
      h("div", { class: "brand" }, "Community Cloud Storage"),
      nav,
      h("div", { class: "grow" }),
      badge,
    ),
    h("div", { class: "content" }, main, tray),
    dropOverlay,
  );
  setNavigate(go);
  state.jobs.subscribe(() => renderTray(tray));
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "f") {
      const s = document.getElementById("library-search");
      if (s) {
        e.preventDefault();
        s.focus();
      }
    }
  });
  try {
    // Closing stops running jobs: ask first (the journal lets them start again).
    await api.onCloseRequested(async () => {
      const uploads = state.jobs.running("add");
      const retrievals = state.jobs.running("retrieve");
      if (uploads + retrievals === 0) return true;
      return confirmDialog({
        title: "Close while jobs are running?",
        body: [closeQuestion(uploads, retrievals)],
        confirm: "Close anyway",
        danger: true,
      });
    });
  } catch {
    // Without the question the window still closes.
  }
  void restoreJobs();
  // The background checks of the copies: each finding updates its item in
  // the library and an open detail (asked again at most once per item every
  // 5 s), without a full reload.
  const refresh = new KeyedThrottle(async (cid) => (shownItem(cid) ? refreshItem(cid) : undefined), 5000);
  try {
    await api.onAuditFinding((copy) => {
      findings.add(copy);
      refresh.poke(copy.cid);
    });
  } catch {
    // Without the findings the library shows them at its next refresh.
  }
  try {
    await api.onDrop(
      (paths) => {
        state.pending = [...new Set([...state.pending, ...paths])];
        go("add");
      },
      (over) => (dropOverlay.hidden = !over),
    );
  } catch {
    // Without drag and drop the pickers still work.
  }
  try {
    state.settings = await api.settings();
  } catch (e) {
    clear(
      main,
      errorBox(e, () => location.reload()),
    );
    return;
  }
  drawBadge();
  if (state.settings.connection) {
    go("library");
    // Partners may change what they hold: refresh 30 s after the last load
    // ended (with 100,000 items a load can take that long; loads never overlap).
    const refreshLater = () =>
      setTimeout(() => {
        const again = current === "library" && state.jobs.running() === 0 ? loadLibrary() : Promise.resolve();
        void again.finally(refreshLater);
      }, 30000);
    void loadLibrary().finally(refreshLater);
  } else {
    go("settings");
  }
}

void start();

// The shell: the sidebar (only Welcome until this computer is connected;
// then the archivist's places, Settings and Network administration), the
// network badge, the jobs tray, and drag and drop onto the whole window (an
// invitation dropped opens the join form).

import { api } from "./api";
import { confirmDialog, errorBox, type Place, setNavigate, state } from "./app";
import { findings, KeyedThrottle } from "./audits";
import { clear, h } from "./dom";
import { closeQuestion } from "./jobs";
import { applyTheme, followSystemTheme, storedTheme } from "./theme";
import { renderAdd } from "./views/add";
import { renderAdmin } from "./views/admin";
import { renderActivity } from "./views/history";
import { renderTray, restoreJobs } from "./views/jobs-tray";
import { closeDetail, loadLibrary, refreshItem, renderLibrary, shownItem } from "./views/library";
import { renderPartners } from "./views/partners";
import { renderSettings } from "./views/settings";
import { folderName, noteWatchEvent, noteWatchedChanged, renderWatched } from "./views/watched";
import { isInvitation, renderWelcome } from "./views/welcome";

const PLACES: [Place, string][] = [
  ["library", "Library"],
  ["add", "Add"],
  ["watched", "Watched folders"],
  ["partners", "Partners"],
  ["activity", "Activity"],
  ["settings", "Settings"],
  ["admin", "Network administration"],
];
const FIRST_RUN: [Place, string][] = [["welcome", "Welcome"]];
/** An invitation dropped on the window or opened with the app, for the join form. */
let invitation: string | undefined;
/** A compose file opened with the app ("Open with"), for the partner invite form. */
let nodeFile: string | undefined;

const app = document.getElementById("app") as HTMLElement;
const nav = h("nav", { class: "places", "aria-label": "Places" });
const badge = h("div", { class: "badge", id: "network-badge", "aria-live": "polite" });
const main = h("main", { id: "main", tabindex: "-1" });
const tray = h("section", { class: "tray", id: "jobs", "aria-label": "Jobs", hidden: true });
const jobsAnnounce = h("div", { class: "sr-only", id: "jobs-announce", role: "status", "aria-live": "polite" });
const dropOverlay = h("div", { class: "drop-overlay", hidden: true }, h("p", {}, "Drop to add to storage"));
let current: Place = "library";

function drawBadge() {
  const c = state.settings?.connection;
  clear(
    badge,
    h("span", { class: `dot ${c ? "ok" : "muted"}` }),
    c
      ? h("span", {}, "Connected", h("br"), h("span", { class: "sub" }, "to your community's network"))
      : h("span", {}, "Not connected"),
  );
}

function drawNav() {
  const places = state.settings?.connection ? PLACES : FIRST_RUN;
  const ids = places.map(([p]) => `nav-${p}`);
  const drawn = [...nav.children].map((b) => b.id);
  if (drawn.join() === ids.join()) {
    // The same places: marked in place, so the keyboard's focus stays on the one chosen.
    for (const [i, [p]] of places.entries()) {
      const b = nav.children[i] as HTMLElement;
      b.classList.toggle("on", p === current);
      if (p === current) b.setAttribute("aria-current", "page");
      else b.removeAttribute("aria-current");
    }
    return;
  }
  clear(
    nav,
    places.map(([p, label]) =>
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
  // Until connected there is only the welcome screen.
  if (!state.settings?.connection) p = "welcome";
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
    case "watched":
      renderWatched(main);
      break;
    case "partners":
      renderPartners(main);
      break;
    case "activity":
      renderActivity(main);
      break;
    case "settings":
      renderSettings(main, connected, takeInvitation());
      break;
    case "admin": {
      const opened = nodeFile;
      nodeFile = undefined;
      renderAdmin(main, opened);
      break;
    }
    case "welcome":
      renderWelcome(main, connected, takeInvitation());
      break;
  }
}

let refreshing = false;

/** Joined or connected: the places, the badge, the library (refreshed 30 s
 * after each load ends while it is shown; loads never overlap). */
function connected() {
  drawBadge();
  go("library");
  const refreshLater = () =>
    setTimeout(() => {
      const again = current === "library" && state.jobs.running() === 0 ? loadLibrary() : Promise.resolve();
      void again.finally(refreshLater);
    }, 30000);
  const load = loadLibrary();
  if (!refreshing) {
    refreshing = true;
    void load.finally(refreshLater);
  }
}

/** The invitation waiting for the join form, once. */
function takeInvitation(): string | undefined {
  const path = invitation;
  invitation = undefined;
  return path;
}

/** A compose file to invite a partner from: Network administration's form, once connected. */
function openNodeFile(path: string) {
  if (!state.settings?.connection) {
    void confirmDialog({
      title: "Connect first",
      body: [
        "This computer is not connected to a network yet. Join with an invitation or connect by hand, then open the compose file again to invite a partner from it.",
      ],
      confirm: "OK",
      tellOnly: true,
    });
    return;
  }
  nodeFile = path;
  go("admin");
}

/** An invitation to open: on the welcome screen, or in Settings' join form. */
function openInvitation(path: string) {
  invitation = path;
  go(state.settings?.connection ? "settings" : "welcome");
}

async function start() {
  applyTheme(storedTheme());
  followSystemTheme();
  app.append(
    h(
      "aside",
      { class: "sidebar" },
      h("div", { class: "brand" }, "Community Cloud Storage"),
      nav,
      h("div", { class: "grow" }),
      badge,
    ),
    h("div", { class: "content" }, main, tray, jobsAnnounce),
    dropOverlay,
  );
  setNavigate(go);
  state.jobs.subscribe(() => renderTray(tray));
  document.addEventListener("keydown", (e) => {
    // Esc closes an open menu, else the item's detail (an open dialog takes Esc for itself first).
    if (e.key === "Escape" && !document.querySelector("dialog[open]")) {
      const menu = document.querySelector<HTMLDetailsElement>("details.menu[open]");
      if (menu) {
        menu.open = false;
        menu.querySelector("summary")?.focus();
        e.preventDefault();
        return;
      }
      if (current === "library" && closeDetail()) {
        e.preventDefault();
        return;
      }
    }
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
      // With a tray, while jobs run or folders are watched, the app goes on
      // there (the window hidden, not closed).
      if (await api.keepRunningInTray().catch(() => false)) return false;
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
        if (paths.length === 1 && isInvitation(paths[0])) {
          openInvitation(paths[0]);
          return;
        }
        if (!state.settings?.connection) return;
        state.pending = [...new Set([...state.pending, ...paths])];
        go("add");
      },
      (over) => (dropOverlay.hidden = !over),
    );
  } catch {
    // Without drag and drop the pickers still work.
  }
  try {
    // The watched folders' watcher: its page shows what it does; a stored
    // entry is announced wherever the person is.
    await api.onWatchEvent((event) => {
      noteWatchEvent(event);
      if (event.kind === "stored") {
        jobsAnnounce.textContent = `Stored ${event.entry} from the watched folder ${folderName(event.folder)}`;
      }
    });
    await api.onWatchedChanged(noteWatchedChanged);
  } catch {
    // Without the events the page still lists the folders and what they stored.
  }
  try {
    // macOS: an invitation double-clicked while the app runs.
    // A link that is not a join link: said, and nothing else happens.
    await api.onInvitationRefused((why) => {
      void confirmDialog({ title: "This link could not be opened", body: [why], confirm: "OK", tellOnly: true });
    });
    await api.onInvitationOpened((path) => {
      void api.openedInvitation();
      openInvitation(path);
    });
    await api.onNodeFileOpened((path) => {
      void api.openedNodeFile();
      openNodeFile(path);
    });
  } catch {
    // Without it the invitation can still be chosen or dropped.
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
  // Opened with an invitation (double-clicked, or "Open with"): the join form.
  const opened = await api.openedInvitation().catch(() => null);
  const openedNodeFile = await api.openedNodeFile().catch(() => null);
  if (opened) openInvitation(opened);
  else if (state.settings.connection) connected();
  else go("welcome");
  // Opened with a compose file ("Open with"): the partner invite, after the library started loading.
  if (openedNodeFile && !opened) openNodeFile(openedNodeFile);
}

void start();

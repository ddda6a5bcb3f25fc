// The jobs tray (like a download shelf): one line per add or retrieval, with
// progress, rate, time left and Cancel, visible on every screen. It also shows
// the journal's jobs of earlier runs (and the command line's): an interrupted
// add offers "Start again", a saved item "Show in folder", a failed add the
// list of files that could not be stored.

import { api, toApiError } from "../api";
import { state } from "../app";
import type { AddDetails, FileProblem, LibraryItem, RetrieveProgress } from "../bindings";
import { clear, h } from "../dom";
import { bagWords, damageNotices, jobLine, percent, size } from "../format";
import {
  duration,
  endedWords,
  fromJournal,
  isFinished,
  type Job,
  jobTitle,
  rate,
  shownOnStart,
  shownTitle,
  TRAY_KEY,
  TrayFold,
  trayHeading,
  trayLine,
} from "../jobs";
import { historyChanged } from "./history";
import { loadLibrary } from "./library";

function failed(id: string, e: unknown) {
  const err = toApiError(e);
  state.jobs.update(id, {
    state: err.code === "cancelled" ? "cancelled" : "failed",
    phase: err.code === "cancelled" ? "Cancelled" : "Failed",
    message: err.message,
    problems: err.problems,
    invalidBag: err.code === "invalid_bag",
  });
}

export function startAdd(paths: string[], details: AddDetails) {
  const job = state.jobs.start("add", jobTitle("add", paths, details.title));
  state.jobs.update(job.id, { again: { paths, details } });
  const refresher = setInterval(() => void loadLibrary(), 3000);
  api
    .addItems(job.id, paths, details, (p) =>
      state.jobs.update(job.id, {
        // The core names the item once the scan is done (title, else the file names).
        ...(p.name ? { title: p.name } : {}),
        phase: p.phase === "scanning" ? "Counting files…" : p.phase === "uploading" ? "Uploading" : "Stored",
        bytes: p.bytes,
        files: p.files,
        bytesTotal: p.phase === "scanning" ? null : p.bytes_total,
        filesTotal: p.phase === "scanning" ? null : p.files_total,
      }),
    )
    .then((out) =>
      state.jobs.update(job.id, {
        state: "done",
        phase: "Stored",
        result: out.cid,
        message: out.skipped
          ? `Stored on the network; ${out.skipped === 1 ? "1 file that could not be read was" : `${out.skipped} files that could not be read were`} left out and ${out.skipped === 1 ? "is" : "are"} listed in the item's Contents.`
          : "Stored on the network; the library shows each partner's copy.",
        warnings: out.record_problem ? [out.record_problem] : [],
      }),
    )
    .catch((e) => failed(job.id, e))
    .finally(() => {
      clearInterval(refresher);
      void loadLibrary();
    });
}

/** A retrieval's progress (a save's or a package's) as its job shows it; `done` names the end. */
function retrievalUpdate(p: RetrieveProgress, done: string) {
  return {
    phase: p.done ? done : p.hashing ? "Writing checksums" : `From ${p.source}`,
    bytes: p.bytes,
    files: p.files,
    bytesTotal: p.bytes_total,
  };
}

/** Saves the item, or with `path` one file or folder of it (its Contents list's path). */
export function startRetrieve(item: LibraryItem, destination: string, path: string | null = null) {
  const what = path ? path.slice(path.lastIndexOf("/") + 1) : item.name || "an item";
  const job = state.jobs.start("retrieve", `Saving "${what}"`);
  // The item's size is the total only when all of it is saved.
  state.jobs.update(job.id, { bytesTotal: path ? null : item.size });
  api
    .retrieveItem(job.id, item.cid, path, destination, (p) =>
      state.jobs.update(job.id, retrievalUpdate(p, "Saved and verified")),
    )
    .then((out) => {
      historyChanged(item.cid);
      state.jobs.update(job.id, {
        state: "done",
        phase: "Saved and verified",
        result: out.path,
        message: `Saved to ${out.path}, every part checked against what was stored.`,
        warnings: [...damageNotices(out), ...(out.record_problem ? [out.record_problem] : [])],
      });
    })
    .catch((e) => failed(job.id, e));
}

/** Saves an item as an archival package (BagIt) in the new folder `destination`. */
export function startBag(item: LibraryItem, destination: string) {
  const job = state.jobs.start("retrieve", `Packaging "${item.name || "an item"}"`);
  state.jobs.update(job.id, { bytesTotal: item.size });
  api
    .saveBag(job.id, item.cid, destination, (p) =>
      state.jobs.update(job.id, retrievalUpdate(p, "Package saved and checked")),
    )
    .then((out) => {
      historyChanged(item.cid);
      state.jobs.update(job.id, {
        state: "done",
        phase: "Package saved and checked",
        result: out.path,
        message: bagWords(out),
        warnings: out.warnings,
      });
    })
    .catch((e) => failed(job.id, e));
}

/** On start: the journal's jobs of earlier runs and of the command line. */
export async function restoreJobs() {
  try {
    state.jobs.restore(shownOnStart(await api.listJobs()).map(fromJournal));
  } catch {
    // Without the journal the tray still shows this run's jobs.
  }
}

function dismiss(j: Job) {
  state.jobs.dismiss(j.id);
  void api.forgetJob(j.id).catch(() => undefined);
}

function startAgain(j: Job) {
  if (!j.again) return;
  dismiss(j);
  startAdd(j.again.paths, j.again.details);
}

async function showInFolder(j: Job) {
  if (!j.result) return;
  try {
    await api.showInFolder(j.result);
  } catch (e) {
    state.jobs.update(j.id, { message: toApiError(e).message });
  }
}

function problemList(problems: FileProblem[]): HTMLElement {
  return h(
    "details",
    { class: "job-problems" },
    h("summary", {}, `Show the ${problems.length === 1 ? "file" : `${problems.length} files`}`),
    h(
      "ul",
      {},
      problems.map((p) => h("li", {}, h("code", { title: p.path }, p.path), ` ${p.reason}`)),
    ),
  );
}

function actions(j: Job): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (j.state === "running" && !j.elsewhere) {
    out.push(h("button", { class: "secondary", onclick: () => void api.cancelJob(j.id) }, "Cancel"));
    return out;
  }
  if (j.state === "done" && j.kind === "retrieve" && j.result) {
    out.push(h("button", { class: "secondary show-in-folder", onclick: () => void showInFolder(j) }, "Show in folder"));
  }
  if ((j.state === "interrupted" || j.state === "failed" || j.state === "cancelled") && j.kind === "add" && j.again) {
    out.push(
      h(
        "button",
        {
          class: j.state === "interrupted" ? "primary start-again" : "secondary start-again",
          onclick: () => startAgain(j),
        },
        j.state === "interrupted" ? "Start again" : "Try again",
      ),
    );
  }
  if (j.state === "failed" && j.invalidBag && j.again) {
    const again = j.again;
    out.push(
      h(
        "button",
        {
          class: "secondary store-anyway",
          title: "Store the bag as it is; the item is marked as a bag that did not check out",
          onclick: () => {
            dismiss(j);
            startAdd(again.paths, { ...again.details, store_invalid_bag: true });
          },
        },
        "Store it anyway",
      ),
    );
  }
  if (!(j.state === "running" && j.elsewhere)) {
    out.push(h("button", { class: "link", onclick: () => dismiss(j) }, "Dismiss"));
  }
  return out;
}

function storedChoice(): string | null {
  try {
    return localStorage.getItem(TRAY_KEY);
  } catch {
    return null;
  }
}

const fold = new TrayFold(storedChoice());

/** Dismisses every finished job (done or cancelled); failures and interruptions stay. */
function clearFinished() {
  for (const j of state.jobs.all().filter(isFinished)) dismiss(j);
}

/** Each job's state when the tray last drew, for announcing the ones that end. */
const seen = new Map<string, Job["state"]>();

export function renderTray(root: HTMLElement) {
  const jobs = state.jobs.all();
  const ended = endedWords(seen, jobs);
  // A screen reader hears a job end (the region is outside the tray, which redraws).
  const live = document.getElementById("jobs-announce");
  if (live && ended.length) live.textContent = ended.join(" ");
  root.hidden = jobs.length === 0;
  const open = fold.update(jobs);
  root.classList.toggle("folded", !open);
  const toggle = h(
    "button",
    {
      class: "tray-head",
      id: "jobs-toggle",
      "aria-expanded": String(open),
      "aria-controls": "jobs-list",
      title: open ? "Hide the jobs" : "Show the jobs",
      onclick: () => {
        const choice = fold.toggle();
        try {
          localStorage.setItem(TRAY_KEY, choice);
        } catch {
          // Not kept for next time; the tray still folds.
        }
        renderTray(root);
      },
    },
    h("span", { class: "tray-count", id: "jobs-line" }, open ? trayHeading(jobs) : trayLine(jobs)),
    h("span", { class: "tray-toggle" }, open ? "Hide" : "Show"),
  );
  const finished = jobs.filter(isFinished).length;
  const head = h(
    "div",
    { class: "tray-bar" },
    toggle,
    finished
      ? h("button", { class: "link", id: "jobs-clear", onclick: clearFinished }, `Clear finished (${finished})`)
      : null,
  );
  // The rows are drawn folded too (hidden), so what a row says is there at once when it opens.
  const list = h("div", { class: "tray-list", id: "jobs-list", hidden: !open });
  clear(root, head, list);
  clear(
    list,
    jobs.map((j) => {
      const pct = j.state === "done" ? 100 : percent(j.bytes, j.bytesTotal);
      const r = rate(j);
      const live = !j.restored || j.state === "running";
      const title = shownTitle(j);
      return h(
        "div",
        { class: `job ${j.state}`, "data-job": j.id, "data-state": j.state, "data-percent": String(pct) },
        h("div", { class: "job-title", title }, h("strong", {}, title)),
        j.state === "done"
          ? h("span", { class: "job-done", role: "img", "aria-label": "Done" }, "\u2713")
          : h("progress", { max: "100", value: String(pct), "aria-label": `${title}: ${pct}%` }),
        h(
          "div",
          { class: "job-line" },
          h("span", { class: "job-phase" }, j.phase),
          // Counts only while they mean something: not for a job of an earlier
          // run, another program's, or one that stopped before sending anything.
          live && !j.elsewhere && (j.state === "running" || j.state === "done" || j.bytes > 0 || j.files > 0)
            ? ` · ${jobLine(j.bytes, j.bytesTotal, j.files, j.filesTotal)}`
            : "",
          j.state === "running" && j.bytes > 0 ? ` · ${size(r.perSecond)}/s ${duration(r.secondsLeft)}` : "",
          j.message
            ? h(
                "div",
                { class: `job-message${j.state === "failed" || j.state === "interrupted" ? " bad-text" : ""}` },
                j.message,
              )
            : null,
          j.problems?.length ? problemList(j.problems) : null,
          j.warnings?.length ? j.warnings.map((w) => h("div", { class: "job-message job-warning warn" }, w)) : null,
        ),
        h("div", { class: "job-actions" }, actions(j)),
      );
    }),
  );
}

// The jobs tray (like a download shelf): one line per add or retrieval, with
// progress, rate, time left and Cancel, visible on every screen.

import { api, toApiError } from "../api";
import type { AddDetails, LibraryItem } from "../bindings";
import { clear, h } from "../dom";
import { jobLine, percent, size } from "../format";
import { duration, rate } from "../jobs";
import { state } from "../app";
import { loadLibrary } from "./library";

export function startAdd(paths: string[], details: AddDetails) {
  const title = details.title.trim() || (paths.length === 1 ? baseName(paths[0]) : `${paths.length} items`);
  const job = state.jobs.start("add", title);
  const refresher = setInterval(() => void loadLibrary(), 3000);
  api
    .addItems(job.id, paths, details, (p) =>
      state.jobs.update(job.id, {
        phase: p.phase === "scanning" ? "Counting files…" : p.phase === "uploading" ? "Uploading" : "Stored",
        bytes: p.bytes,
        files: p.files,
        bytesTotal: p.phase === "scanning" ? null : p.bytes_total,
        filesTotal: p.phase === "scanning" ? null : p.files_total,
      }),
    )
    .then((out) => state.jobs.update(job.id, { state: "done", phase: "Stored", result: out.cid, message: `Stored as ${out.cid}` }))
    .catch((e) => {
      const err = toApiError(e);
      state.jobs.update(job.id, {
        state: err.code === "cancelled" ? "cancelled" : "failed",
        phase: err.code === "cancelled" ? "Cancelled" : "Failed",
        message: err.message,
      });
    })
    .finally(() => {
      clearInterval(refresher);
      void loadLibrary();
    });
}

export function startRetrieve(item: LibraryItem, destination: string) {
  const job = state.jobs.start("retrieve", `Saving "${item.name || item.cid}"`);
  state.jobs.update(job.id, { bytesTotal: item.size });
  api
    .retrieveItem(job.id, item.cid, destination, (p) =>
      state.jobs.update(job.id, {
        phase: p.done ? "Saved and verified" : `From ${p.source}`,
        bytes: p.bytes,
        files: p.files,
        bytesTotal: p.bytes_total,
      }),
    )
    .then((out) =>
      state.jobs.update(job.id, {
        state: "done",
        phase: "Saved and verified",
        result: out.path,
        message: `Saved to ${out.path} from ${out.source}; every block matched its content ID.`,
      }),
    )
    .catch((e) => {
      const err = toApiError(e);
      state.jobs.update(job.id, {
        state: err.code === "cancelled" ? "cancelled" : "failed",
        phase: err.code === "cancelled" ? "Cancelled" : "Failed",
        message: err.message,
      });
    });
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

export function renderTray(root: HTMLElement) {
  const jobs = state.jobs.all();
  root.hidden = jobs.length === 0;
  clear(
    root,
    jobs.map((j) => {
      const pct = j.state === "done" ? 100 : percent(j.bytes, j.bytesTotal);
      const r = rate(j);
      return h(
        "div",
        { class: `job ${j.state}`, "data-job": j.id, "data-state": j.state, "data-percent": String(pct) },
        h("div", { class: "job-title", title: j.title }, j.kind === "add" ? "Adding " : "", h("strong", {}, j.title)),
        h("progress", { max: "100", value: String(pct), "aria-label": `${j.title}: ${pct}%` }),
        h(
          "div",
          { class: "job-line" },
          h("span", { class: "job-phase" }, j.phase),
          " · ",
          jobLine(j.bytes, j.bytesTotal, j.files, j.filesTotal),
          j.state === "running" && j.bytes > 0 ? ` · ${size(r.perSecond)}/s ${duration(r.secondsLeft)}` : "",
          j.message ? h("div", { class: `job-message${j.state === "failed" ? " bad-text" : ""}` }, j.message) : null,
        ),
        j.state === "running"
          ? h("button", { class: "secondary", onclick: () => void api.cancelJob(j.id) }, "Cancel")
          : h("button", { class: "link", onclick: () => state.jobs.dismiss(j.id) }, "Dismiss"),
      );
    }),
  );
}

// The jobs tray's model: adds and retrievals with their progress. The tray
// stays visible on every screen.

import type { AddDetails, FileProblem, JobEntry, JobKind, JobState } from "./bindings";

export type { JobKind, JobState };

export interface Job {
  id: string;
  kind: JobKind;
  title: string;
  state: JobState;
  phase: string;
  bytes: number;
  bytesTotal: number | null;
  files: number;
  filesTotal: number | null;
  startedAt: number;
  message: string;
  /** Set when done: a CID for adds, a path for retrievals. */
  result?: string;
  /** A retrieval that worked: each partner whose copy is damaged, in words. */
  warnings?: string[];
  /** A failed add: each file that could not be stored. */
  problems?: FileProblem[];
  /** A failed add of a BagIt bag that does not check out: it may be stored as it is. */
  invalidBag?: boolean;
  /** An add's paths and details, to start it again. */
  again?: { paths: string[]; details: AddDetails };
  /** From the journal of an earlier run (no live progress). */
  restored?: boolean;
  /** Running in another program (the command line); this app cannot cancel it. */
  elsewhere?: boolean;
}

/** How many finished jobs of earlier runs the tray shows (interrupted ones always). */
export const RESTORED_SHOWN = 8;

function baseName(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

/**
 * The title a job gets in the tray. An add's `name` is the item's name as the
 * core made it (from the title or the file names); before the core has named
 * it, the title or "Adding…".
 */
export function jobTitle(kind: JobKind, paths: string[], name: string): string {
  if (kind === "retrieve") return `Saving "${baseName(paths[0] ?? "")}"`;
  return name.trim() || "Adding…";
}

/** A journal entry as a tray job. */
export function fromJournal(e: JobEntry): Job {
  const kind = e.kind;
  const state = e.state;
  const started = Date.parse(e.started_at);
  const elsewhere = state === "running" && !e.this_run;
  const job: Job = {
    id: e.id,
    kind,
    title:
      kind === "retrieve"
        ? jobTitle(kind, [e.inputs.destination], "")
        : jobTitle(kind, e.inputs.paths, e.inputs.name || e.inputs.title),
    state,
    phase: "",
    bytes: 0,
    bytesTotal: null,
    files: 0,
    filesTotal: null,
    startedAt: Number.isNaN(started) ? Date.now() : started,
    message: e.message ?? "",
    result: e.result ?? undefined,
    problems: e.problems.length ? e.problems : undefined,
    restored: true,
    elsewhere,
  };
  if (kind === "add") {
    job.again = {
      paths: e.inputs.paths,
      details: { title: e.inputs.title, collection: e.inputs.collection, description: e.inputs.description },
    };
  }
  switch (state) {
    case "running":
      job.phase = elsewhere ? "Running in another program" : "Running";
      break;
    case "done":
      job.phase = kind === "add" ? "Stored" : "Saved and verified";
      job.message = kind === "add" ? "Stored on the network." : `Saved to ${e.result ?? ""}`;
      break;
    case "failed":
      job.phase = "Failed";
      break;
    case "cancelled":
      job.phase = "Cancelled";
      break;
    case "interrupted":
      job.phase = "Interrupted";
      job.message =
        kind === "add"
          ? "It stopped when the app (or command) closed before it finished, so nothing was stored. Start it again to store it."
          : "It stopped when the app (or command) closed before it finished, so nothing was saved. Save the item again.";
      break;
  }
  return job;
}

/** Which journal entries the tray shows on start: every running or
 * interrupted one first (they need a decision), then the newest few others. */
export function shownOnStart(entries: JobEntry[]): JobEntry[] {
  const urgent = (e: JobEntry) => e.state === "running" || e.state === "interrupted";
  return [...entries.filter(urgent), ...entries.filter((e) => !urgent(e)).slice(0, RESTORED_SHOWN)];
}

type Listener = () => void;

export class Jobs {
  private list: Job[] = [];
  private listeners: Listener[] = [];

  all(): readonly Job[] {
    return this.list;
  }

  /** Jobs of this app that stop when it closes. */
  running(kind?: JobKind): number {
    return this.list.filter((j) => j.state === "running" && !j.elsewhere && (!kind || j.kind === kind)).length;
  }

  /** Puts jobs of earlier runs (from the journal) under this run's. */
  restore(jobs: Job[]) {
    const known = new Set(this.list.map((j) => j.id));
    this.list.push(...jobs.filter((j) => !known.has(j.id)));
    this.emit();
  }

  start(kind: JobKind, title: string): Job {
    const job: Job = {
      id: `${kind}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      kind,
      title,
      state: "running",
      phase: kind === "add" ? "Counting files…" : "Connecting…",
      bytes: 0,
      bytesTotal: null,
      files: 0,
      filesTotal: null,
      startedAt: Date.now(),
      message: "",
    };
    this.list.unshift(job);
    this.emit();
    return job;
  }

  update(id: string, patch: Partial<Job>) {
    const j = this.list.find((x) => x.id === id);
    if (!j) return;
    Object.assign(j, patch);
    this.emit();
  }

  dismiss(id: string) {
    this.list = this.list.filter((j) => j.id !== id || (j.state === "running" && !j.elsewhere));
    this.emit();
  }

  subscribe(l: Listener) {
    this.listeners.push(l);
  }

  private emit() {
    for (const l of this.listeners) l();
  }
}

/** Bytes per second and seconds left, from the start time. */
export function rate(job: Job, now = Date.now()): { perSecond: number; secondsLeft: number | null } {
  const secs = Math.max(0.001, (now - job.startedAt) / 1000);
  const perSecond = job.bytes / secs;
  const secondsLeft =
    job.bytesTotal && perSecond > 0 ? Math.max(0, Math.round((job.bytesTotal - job.bytes) / perSecond)) : null;
  return { perSecond, secondsLeft };
}

export function duration(seconds: number | null): string {
  if (seconds === null) return "";
  if (seconds < 60) return `${seconds} s left`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min left`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min left`;
}

/** The question before closing the window while jobs run. */
export function closeQuestion(uploads: number, retrievals: number): string {
  const parts: string[] = [];
  if (uploads) parts.push(`${uploads} ${uploads === 1 ? "upload" : "uploads"}`);
  if (retrievals) parts.push(`${retrievals} ${retrievals === 1 ? "retrieval" : "retrievals"}`);
  const n = uploads + retrievals;
  return `${parts.join(" and ")} ${n === 1 ? "is" : "are"} still running. If you close, ${n === 1 ? "it stops" : "they stop"}; you can start ${n === 1 ? "it" : "them"} again next time.`;
}

/** The tray's header line: "3 jobs, 1 running", "1 job, 1 needs attention". */
export function trayHeading(jobs: readonly Job[]): string {
  const n = jobs.length;
  const running = jobs.filter((j) => j.state === "running").length;
  const attention = jobs.filter((j) => j.state === "failed" || j.state === "interrupted").length;
  const parts = [`${n} ${n === 1 ? "job" : "jobs"}`];
  if (running) parts.push(`${running} running`);
  if (attention) parts.push(`${attention} ${attention === 1 ? "needs" : "need"} attention`);
  return parts.join(", ");
}

/** A job's title as the tray shows it: what it is doing, or, once done, what it did. */
export function shownTitle(j: Job): string {
  if (j.kind === "add") return `${j.state === "done" ? "Added" : "Adding"} ${j.title}`;
  if (j.state !== "done") return j.title;
  return j.title.replace(/^Saving /, "Saved ").replace(/^Packaging /, "Packaged ");
}

/** Finished with nothing left to decide: what "Clear finished" takes away. */
export function isFinished(j: Job): boolean {
  return j.state === "done" || j.state === "cancelled";
}

/** Needs the person: a failure or an interruption. */
export function needsAttention(j: Job): boolean {
  return j.state === "failed" || j.state === "interrupted";
}

/** The folded tray's one line: what runs, what needs attention, or what finished last. */
export function trayLine(jobs: readonly Job[]): string {
  const running = jobs.filter((j) => j.state === "running");
  const attention = jobs.filter(needsAttention);
  if (running.length || attention.length) return trayHeading(jobs);
  const last = jobs.find((j) => j.state === "done");
  if (!last) return trayHeading(jobs);
  const more = jobs.length - 1;
  return `\u2713 ${shownTitle(last)}${more ? ` (and ${more} more ${more === 1 ? "job" : "jobs"})` : ""}`;
}

/**
 * What to announce (to a screen reader) of jobs that ended since `seen`
 * (each job's state when last looked at, updated here): one sentence each.
 */
export function endedWords(seen: Map<string, JobState>, jobs: readonly Job[]): string[] {
  const out: string[] = [];
  for (const j of jobs) {
    const before = seen.get(j.id);
    seen.set(j.id, j.state);
    if (before !== "running" || j.state === "running") continue;
    if (j.state === "done") out.push(`${shownTitle(j)}.`);
    else if (j.state === "cancelled") out.push(`Cancelled: ${j.title}.`);
    else out.push(`Could not finish: ${j.title}. ${j.message}`.trim());
  }
  return out;
}

/** Where the tray's shown or hidden choice is kept across restarts. */
export const TRAY_KEY = "ccs.jobsTray";

/**
 * Whether the jobs tray shows its jobs or only its one line. When it first
 * has jobs it opens if one is running or an interrupted one waits for "Start
 * again"; otherwise it follows the person's last choice (`stored`: "shown" or
 * "hidden"), hidden when they never chose. A job that starts opens it; when
 * the last running job ends and nothing needs attention it folds back to its
 * one line (which says what finished), unless the person chose "shown". Show
 * and Hide are the person's choice, which the caller keeps.
 */
export class TrayFold {
  private open: boolean | null = null;
  private running = 0;

  constructor(private stored: string | null) {}

  update(jobs: readonly Job[]): boolean {
    const running = jobs.filter((j) => j.state === "running").length;
    if (this.open === null) {
      if (jobs.length)
        this.open = running > 0 || jobs.some((j) => j.state === "interrupted") || this.stored === "shown";
    } else if (running > this.running) {
      this.open = true;
    } else if (running === 0 && this.running > 0 && !jobs.some(needsAttention) && this.stored !== "shown") {
      this.open = false;
    }
    this.running = running;
    return this.open ?? false;
  }

  /** Show or Hide: returns what to keep ("shown" or "hidden"). */
  toggle(): string {
    this.open = !this.open;
    this.stored = this.open ? "shown" : "hidden";
    return this.stored;
  }
}

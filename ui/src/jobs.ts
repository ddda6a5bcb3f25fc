// The jobs tray's model: adds and retrievals with their progress. The tray
// stays visible on every screen.

export type JobKind = "add" | "retrieve";
export type JobState = "running" | "done" | "failed" | "cancelled";

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
}

type Listener = () => void;

export class Jobs {
  private list: Job[] = [];
  private listeners: Listener[] = [];

  all(): readonly Job[] {
    return this.list;
  }

  running(): number {
    return this.list.filter((j) => j.state === "running").length;
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
    this.list = this.list.filter((j) => j.id !== id || j.state === "running");
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

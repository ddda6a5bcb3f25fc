// Plain words and human units for what the backend reports. Pure functions,
// unit-tested in format.test.ts.

import type { ItemHealth, LibraryItem, RetrieveOutcome } from "./bindings";

/** Bytes in decimal units: "0 B", "999 B", "1.5 MB". */
export function size(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "—";
  if (bytes < 1000) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = v < 10 ? 1 : 0;
  return `${v.toFixed(digits)} ${units[i]}`;
}

/** "bafybe…q4xk": the start and end of a CID, the whole one in a tooltip. */
export function shortCid(cid: string): string {
  return cid.length <= 14 ? cid : `${cid.slice(0, 6)}…${cid.slice(-4)}`;
}

/** "just now", "5 minutes ago", "2 hours ago", "3 days ago", else the date. */
export function relative(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "—";
  const t = new Date(iso);
  if (Number.isNaN(t.getTime()) || t.getFullYear() < 1970) return "—";
  const s = Math.round((now.getTime() - t.getTime()) / 1000);
  if (s < 45) return "just now";
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"} ago`;
  if (s < 3600) return plural(Math.max(1, Math.round(s / 60)), "minute");
  if (s < 86400) return plural(Math.round(s / 3600), "hour");
  if (s < 7 * 86400) return plural(Math.round(s / 86400), "day");
  return t.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** The exact time, for tooltips. */
export function exact(iso: string | null | undefined): string {
  if (!iso) return "";
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString();
}

export type Tone = "ok" | "busy" | "neutral" | "bad" | "warn" | "muted";

/** A partner's state in the archivist's words (the cluster's word goes in a tooltip). */
export function partnerStatus(status: string): { label: string; tone: Tone } {
  switch (status) {
    case "pinned":
      return { label: "Stored", tone: "ok" };
    case "pinning":
    case "pin_queued":
    case "queued":
      return { label: "Copying…", tone: "busy" };
    case "remote":
      return { label: "Not assigned here", tone: "neutral" };
    case "pin_error":
    case "unpin_error":
    case "error":
      return { label: "Problem", tone: "bad" };
    case "cluster_error":
      return { label: "Partner unreachable", tone: "warn" };
    case "unpinning":
    case "unpin_queued":
      return { label: "Removing…", tone: "muted" };
    case "unpinned":
    case "unexpectedly_unpinned":
      return { label: "Missing", tone: "bad" };
    default:
      return { label: "Unknown", tone: "muted" };
  }
}

/** "3 of 3 copies" with its colour. */
export function copies(item: Pick<LibraryItem, "copies" | "target"> & { health?: ItemHealth }): {
  label: string;
  tone: Tone;
} {
  if (item.health === "checking") return { label: "Checking…", tone: "muted" };
  if (item.copies === 0) return { label: "0 copies", tone: "bad" };
  const label = `${item.copies} of ${item.target} ${item.target === 1 ? "copy" : "copies"}`;
  return { label, tone: item.copies >= item.target ? "ok" : "warn" };
}

export function healthWords(h: ItemHealth): string {
  switch (h) {
    case "ok":
      return "Stored on every partner it should be";
    case "pinning":
      return "Copies are being made";
    case "under_replicated":
      return "Fewer copies than it should have";
    case "error":
      return "A partner reports a problem";
    case "absent":
      return "No partner holds it";
    case "checking":
      return "Asking the partners…";
  }
}

export type Filter = "all" | "attention" | "under" | "mine";
export type SortKey = "name" | "size" | "added_at" | "added_by" | "copies";

/** The library as shown: searched, filtered and sorted. */
export function view(
  items: LibraryItem[],
  opts: { search: string; filter: Filter; sort: SortKey; descending: boolean; me: string },
): LibraryItem[] {
  const q = opts.search.trim().toLowerCase();
  const out = items.filter((i) => {
    if (q) {
      const hay = [i.name, i.cid, i.added_by ?? "", ...Object.values(i.metadata)].join("\n").toLowerCase();
      if (!hay.includes(q)) return false;
    }
    switch (opts.filter) {
      case "attention":
        return i.health === "error" || i.health === "under_replicated";
      case "under":
        return i.health !== "checking" && i.copies < i.target;
      case "mine":
        return i.added_by === opts.me;
      default:
        return true;
    }
  });
  const key = (i: LibraryItem): string | number => {
    switch (opts.sort) {
      case "name":
        return i.name.toLowerCase();
      case "size":
        return i.size ?? -1;
      case "added_at":
        return i.added_at ?? "";
      case "added_by":
        return (i.added_by ?? "").toLowerCase();
      case "copies":
        return i.target === 0 ? 0 : i.copies / i.target;
    }
  };
  out.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const c = ka < kb ? -1 : ka > kb ? 1 : 0;
    return opts.descending ? -c : c;
  });
  return out;
}

/** "1.2 MB of 4.0 MB · 12 of 200 files" for a job line. */
export function jobLine(bytes: number, bytesTotal: number | null, files: number, filesTotal: number | null): string {
  const b = bytesTotal ? `${size(bytes)} of ${size(bytesTotal)}` : size(bytes);
  const f = filesTotal ? `${files} of ${filesTotal} files` : `${files} ${files === 1 ? "file" : "files"}`;
  return `${b} · ${f}`;
}

/** One plain sentence per partner whose copy turned out damaged during a
 *  retrieval that then succeeded from `source`. */
export function damageNotices(out: Pick<RetrieveOutcome, "source" | "failed_sources">): string[] {
  return (out.failed_sources ?? [])
    .filter((f) => f.damaged)
    .map(
      (f) =>
        `${f.source}'s copy is damaged; it was saved from ${out.source} instead. Ask the person who runs ${f.source} to check that node.`,
    );
}

/** 0..100, never NaN. */
export function percent(done: number, total: number | null | undefined): number {
  if (!total) return 0;
  return Math.max(0, Math.min(100, Math.round((done / total) * 100)));
}

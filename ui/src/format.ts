// Plain words and human units for what the backend reports. Pure functions,
// unit-tested in format.test.ts.

import type {
  AddPreview,
  BagSaved,
  CopyAudit,
  CopyRecord,
  InventorySummary,
  ItemFixity,
  ItemHealth,
  LibraryItem,
  Partner,
  RetrieveOutcome,
  RiskSummary,
} from "./bindings";
import { WORDS } from "./words";

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

/** A time to come in words: "in 5 minutes", "in 3 days", "on 2 Jan 2027". */
export function until(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "—";
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return "—";
  const s = Math.round((t.getTime() - now.getTime()) / 1000);
  if (s <= 0) return "any moment now";
  const plural = (n: number, w: string) => `in ${n} ${w}${n === 1 ? "" : "s"}`;
  if (s < 3600) return plural(Math.max(1, Math.round(s / 60)), "minute");
  if (s < 86400) return plural(Math.round(s / 3600), "hour");
  if (s < 7 * 86400) return plural(Math.round(s / 86400), "day");
  return `on ${t.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })}`;
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
      return { label: WORDS.stored.term, tone: "ok" };
    case "pinning":
    case "pin_queued":
    case "queued":
      return { label: WORDS.copying.term, tone: "busy" };
    case "remote":
      return { label: WORDS.notAssigned.term, tone: "neutral" };
    case "pin_error":
    case "unpin_error":
    case "error":
      return { label: WORDS.problem.term, tone: "bad" };
    case "cluster_error":
      return { label: WORDS.unreachable.term, tone: "warn" };
    case "unpinning":
    case "unpin_queued":
      return { label: WORDS.removing.term, tone: "muted" };
    case "unpinned":
    case "unexpectedly_unpinned":
      return { label: WORDS.missing.term, tone: "bad" };
    default:
      return { label: WORDS.unknown.term, tone: "muted" };
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

/**
 * An item's "Last verified" in the library: when every partner's copy was
 * last found intact, or a calm word for why there is no such time (with
 * a tone when it needs attention); `sub` is a second, quieter line.
 */
export function fixityWords(
  f: ItemFixity | null | undefined,
  now: Date = new Date(),
): { label: string; tone: Tone | null; sub: string; title: string } {
  if (!f) return { label: "—", tone: null, sub: "", title: "" };
  const last = f.last_verified_at ? `Last verified ${relative(f.last_verified_at, now)}` : "";
  const since = f.last_verified_at ? `. Every copy was last verified ${relative(f.last_verified_at, now)}.` : ".";
  switch (f.state) {
    case "verified":
      return {
        label: relative(f.last_verified_at, now),
        tone: null,
        sub: "Every copy intact",
        title: `Every partner's copy was found intact (${exact(f.last_verified_at)}).`,
      };
    case "problems":
      return {
        label: WORDS.problemsFound.term,
        tone: "bad",
        sub: last,
        title: "A partner's copy is damaged or incomplete: open the item to see what to do.",
      };
    case "unreachable":
      return {
        label: "A partner could not be reached",
        tone: "warn",
        sub: "",
        title: `A partner could not be asked for its copy at the last check${since}`,
      };
    case "overdue":
      return {
        label: "Overdue",
        tone: "warn",
        sub: last || "Never verified",
        title: "Not every copy was checked in the last week.",
      };
    case "unchecked":
      return {
        label: WORDS.notChecked.term,
        tone: "muted",
        sub: "",
        title: "The copies are checked in the background; open the item to check them now.",
      };
  }
}

/** Problems found, a partner not reached, or not checked for too long. */
export function fixityNeedsAttention(f: ItemFixity | null | undefined): boolean {
  return f?.state === "problems" || f?.state === "unreachable" || f?.state === "overdue";
}

/** What a check found wrong with a copy. */
export type CopyFault = "missing" | "damaged" | "manifest";

/**
 * The faults of a copy: from a check's own findings when there are any (its
 * bad blocks and manifest mismatches), else from the counts the last check
 * recorded.
 */
export function copyFaults(
  finding: Pick<CopyAudit, "bad_blocks" | "manifest_mismatches"> | null,
  record: Pick<CopyRecord, "missing_blocks" | "damaged_blocks" | "manifest_mismatches"> | null = null,
): CopyFault[] {
  const out = new Set<CopyFault>();
  if (finding && (finding.bad_blocks.length || finding.manifest_mismatches.length)) {
    for (const b of finding.bad_blocks) out.add(b.fault);
    if (finding.manifest_mismatches.length) out.add("manifest");
  } else if (record) {
    if (record.missing_blocks > 0) out.add("missing");
    if (record.damaged_blocks > 0) out.add("damaged");
    if (record.manifest_mismatches > 0) out.add("manifest");
  }
  return (["missing", "damaged", "manifest"] as const).filter((f) => out.has(f));
}

/**
 * One partner's copy in the detail's "Copies checked": a short state with
 * its time, and plain sentences: what is wrong and what to do.
 */
export function copyCheckWords(
  partner: string,
  record: CopyRecord | null | undefined,
  finding: Pick<CopyAudit, "bad_blocks" | "manifest_mismatches"> | null = null,
  now: Date = new Date(),
): { label: string; tone: Tone; say: string[] } {
  if (!record) return { label: WORDS.notChecked.term, tone: "muted", say: [] };
  const at = relative(record.checked_at, now);
  switch (record.outcome) {
    case "verified":
      return { label: `Verified ${relative(record.last_verified_at ?? record.checked_at, now)}`, tone: "ok", say: [] };
    case "not_allocated":
      return { label: "Not asked to keep a copy", tone: "neutral", say: [] };
    case "unreachable":
      return {
        label: `Could not be reached ${at}`,
        tone: "warn",
        say: [
          `${partner} could not be asked for its copy, so it is not verified. Check again when ${partner} is back online.`,
          record.last_verified_at ? `Its copy was last verified ${relative(record.last_verified_at, now)}.` : "",
        ].filter(Boolean),
      };
    case "problems": {
      const faults = copyFaults(finding, record);
      const say: string[] = [];
      if (faults.includes("missing")) say.push(`Part of this item is missing from ${partner}'s copy.`);
      if (faults.includes("damaged")) say.push(`${partner}'s copy is damaged.`);
      if (faults.includes("manifest"))
        say.push(`${partner}'s copy does not match the files as they were when they were added.`);
      if (say.length === 0) say.push(`${partner}'s copy has a problem.`);
      if (faults.length === 0 || faults.includes("missing") || faults.includes("damaged")) {
        say.push(`Ask the person who runs ${partner} to repair it, then check again.`);
      } else {
        say.push("Tell the person who looks after your network, then check again.");
      }
      return { label: `Problems found ${at}`, tone: "bad", say };
    }
  }
}

/** What a "Check copies now" found, in one sentence. */
export function checkSummary(found: Pick<CopyAudit, "partner" | "outcome">[]): { text: string; tone: Tone } {
  const checked = found.filter((c) => c.outcome !== "not_allocated");
  const bad = checked.filter((c) => c.outcome === "problems").map((c) => c.partner);
  const away = checked.filter((c) => c.outcome === "unreachable").map((c) => c.partner);
  const n = checked.length;
  if (n === 0)
    return { text: "No partner is asked to keep a copy of this item, so there was nothing to check.", tone: "warn" };
  if (bad.length === 0 && away.length === 0)
    return {
      text:
        n === 1
          ? "The copy is verified: every part of it is intact."
          : `All ${n} copies are verified: every part of them is intact.`,
      tone: "ok",
    };
  const parts: string[] = [];
  if (bad.length) parts.push(`Problems found in ${names(bad)}'s ${bad.length === 1 ? "copy" : "copies"}.`);
  if (away.length) parts.push(`${names(away)} could not be reached.`);
  return { text: parts.join(" "), tone: bad.length ? "bad" : "warn" };
}

function names(list: string[]): string {
  return list.length <= 1 ? (list[0] ?? "") : `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
}

/** A partner's checks in the Partners view: when, and how many of its copies passed. */
export function partnerChecks(
  p: Pick<Partner, "last_audited" | "copies_audited" | "copies_verified">,
  now: Date = new Date(),
): { label: string; sub: string; tone: Tone | null } {
  if (!p.last_audited || p.copies_audited === 0) return { label: WORDS.notChecked.term, sub: "", tone: "muted" };
  const passed = `${p.copies_verified} of ${p.copies_audited} ${p.copies_audited === 1 ? "copy" : "copies"} passed`;
  return {
    label: passed,
    sub: `Last checked ${relative(p.last_audited, now)}`,
    tone: p.copies_verified < p.copies_audited ? "bad" : null,
  };
}

export type Filter = "all" | "attention" | "under" | "mine" | "withdrawn";

/** A withdrawal as the item's metadata records it (ops::withdraw), or null. */
export interface WithdrawalInfo {
  by: string;
  at: string;
  awaiting: boolean;
  confirmedBy: string | null;
  removesAt: string | null;
}

export function withdrawalOf(item: Pick<LibraryItem, "metadata">): WithdrawalInfo | null {
  const m = item.metadata;
  const state = m["ccs-withdrawal"];
  if (!state) return null;
  return {
    by: m["ccs-withdrawn-by"] ?? "",
    at: m["ccs-withdrawn-at"] ?? "",
    awaiting: state === "awaiting-confirmation",
    confirmedBy: m["ccs-withdrawal-confirmed-by"] ?? null,
    removesAt: m["ccs-withdrawal-removes-at"] ?? null,
  };
}

/** What a withdrawal step did, in the app's words (the core's summary names commands). */
export function withdrawalSaid(
  name: string,
  outcome: { withdrawal: { state: string; removes_at: string | null } | null },
  kept: boolean,
  now: Date = new Date(),
): string {
  const w = outcome.withdrawal;
  if (kept) return `Kept "${name}": it stays stored on every partner that holds it.`;
  if (!w) return `Removed "${name}" from every partner.`;
  if (w.state === "awaiting_confirmation")
    return `Withdrew "${name}". It stays stored until a second member confirms the withdrawal; Keep it undoes it.`;
  return `Withdrew "${name}". It stays stored on every partner and is removed ${until(w.removes_at, now)}; Keep it undoes it until then.`;
}

/** "Withdrawn · removed on 2 Jan 2027" / "Withdrawn · waits for a second member to confirm". */
export function withdrawalWords(w: WithdrawalInfo): string {
  if (w.awaiting) return "Withdrawn · waits for a second member to confirm";
  return w.removesAt ? `Withdrawn · removed ${until(w.removesAt)}` : "Withdrawn";
}
export type SortKey = "name" | "size" | "added_at" | "added_by" | "copies" | "verified";

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
        return i.health === "error" || i.health === "under_replicated" || fixityNeedsAttention(i.fixity);
      case "under":
        return i.health !== "checking" && i.copies < i.target;
      case "mine":
        return i.added_by === opts.me;
      case "withdrawn":
        return withdrawalOf(i) !== null;
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
      case "verified":
        return i.fixity?.last_verified_at ?? "";
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

/** What "Export inventory…" did, in one or two sentences. */
export function inventoryWords(done: Pick<InventorySummary, "items" | "path" | "record_problems">): string {
  const n = Number(done.items);
  const saved = `Saved the inventory of ${n.toLocaleString("en")} ${n === 1 ? "item" : "items"} to ${done.path ?? "the file"}.`;
  return done.record_problems.length
    ? `${saved} Its "last event" column may be incomplete: part of the shared history is missing or was changed.`
    : saved;
}

/** What "Save as archival package" made, in one sentence. */
export function bagWords(out: Pick<BagSaved, "path" | "files" | "fixity_checked" | "history_events">): string {
  const files = `${out.files} ${out.files === 1 ? "file" : "files"}`;
  const checked = out.fixity_checked
    ? "every file matched the checksums taken when it was added"
    : "every part matched its fingerprint (it has no checksums from when it was added)";
  const history =
    out.history_events === null
      ? "without its history"
      : `with its history (${out.history_events} ${out.history_events === 1 ? "event" : "events"})`;
  return `Saved an archival package (BagIt) of ${files} to ${out.path}, ${history}; ${checked}.`;
}

/** Risk at a glance in plain words: a headline (red when an item has fewer copies than the minimum), what else to look at, and how old the evidence is. */
export function riskWords(
  r: RiskSummary,
  now: Date = new Date(),
): { tone: "ok" | "warn" | "bad"; headline: string; lines: string[]; evidence: string } {
  const items = (n: number) => `${n.toLocaleString("en")} ${n === 1 ? "item" : "items"}`;
  const has = (n: number) => (n === 1 ? "has" : "have");
  // "(5.0 MB)", or nothing when the sizes were not recorded.
  const bytes = (n: number) => (n > 0 ? ` (${size(n)})` : "");
  const lines: string[] = [];
  const atRisk = Math.max(r.single_copy.items, r.below_min.items);
  if (r.single_site.items > 0)
    lines.push(
      `${items(r.single_site.items)} ${has(r.single_site.items)} every copy in one place${bytes(r.single_site.bytes)}.`,
    );
  if (r.below_target.items > 0 && atRisk === 0)
    lines.push(
      `${items(r.below_target.items)} ${has(r.below_target.items)} fewer copies than the network's rules ask.`,
    );
  if (r.unverified.items > 0)
    lines.push(
      `${items(r.unverified.items)} ${has(r.unverified.items)} not been checked as often as the network's rules ask.`,
    );
  if (r.withdrawn.items > 0)
    lines.push(`${items(r.withdrawn.items)} ${r.withdrawn.items === 1 ? "is" : "are"} withdrawn and will be removed.`);
  const evidence = `Copies counted ${relative(r.copies_as_of, now)}; ${
    r.oldest_verification ? `the oldest check was ${relative(r.oldest_verification, now)}` : "no copy checked yet"
  }.`;
  if (atRisk > 0)
    return {
      tone: "bad",
      headline: `${items(atRisk)} ${atRisk === 1 ? "is" : "are"} at risk: fewer copies than the network's minimum${bytes(
        Math.max(r.single_copy.bytes, r.below_min.bytes),
      )}. Repair ${atRisk === 1 ? "it" : "them"} from the item's detail, or tell the person who runs the network.`,
      lines,
      evidence,
    };
  if (r.stored.items === 0) return { tone: "ok", headline: "Nothing is stored yet.", lines: [], evidence };
  return {
    tone: lines.length ? "warn" : "ok",
    headline:
      r.stored.items === 1
        ? "The 1 item has at least the network's minimum of copies."
        : `All ${items(r.stored.items)} have at least the network's minimum of copies.`,
    lines,
    evidence,
  };
}

/** "about 20 seconds", "about 4 minutes", "about 2 hours 10 minutes". */
export function about(seconds: number): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  if (seconds < 60) return `about ${plural(Math.max(1, Math.round(seconds / 5) * 5 || 1), "second")}`;
  if (seconds < 3600) return `about ${plural(Math.round(seconds / 60), "minute")}`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return `about ${plural(h, "hour")}${m ? ` ${plural(m, "minute")}` : ""}`;
}

/** An add's preview in words: what will be sent, and how long it may take. */
export function previewWords(
  p: Pick<AddPreview, "files" | "folders" | "bytes" | "estimated_seconds" | "bytes_per_second">,
): {
  what: string;
  time: string;
} {
  const files = `${p.files.toLocaleString("en")} ${p.files === 1 ? "file" : "files"}`;
  const folders = p.folders > 1 ? ` in ${p.folders.toLocaleString("en")} folders` : "";
  const what = `${files}${folders}, ${size(p.bytes)}.`;
  const time =
    p.estimated_seconds !== null && p.bytes_per_second
      ? `Sending takes ${about(p.estimated_seconds)} at the speed this computer last reached (${size(p.bytes_per_second)} a second).`
      : "The time is estimated once this computer has stored something larger than 1 MB.";
  return { what, time };
}

/** The choice when some chosen files cannot be stored. */
export function storeRestWords(storable: number, unstorable: number): { heading: string; button: string } {
  const them =
    unstorable === 1 ? "1 file cannot be stored" : `${unstorable.toLocaleString("en")} files cannot be stored`;
  return {
    heading: `${them}. You can store the others and leave ${unstorable === 1 ? "it" : "them"} out; ${unstorable === 1 ? "it is" : "they are"} then listed with the item.`,
    button: storable === 1 ? "Store the other file" : `Store the other ${storable.toLocaleString("en")} files`,
  };
}

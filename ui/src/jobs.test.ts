import { describe, expect, it } from "vitest";
import type { JobEntry } from "./bindings";
import {
  closeQuestion,
  endedWords,
  fromJournal,
  isFinished,
  type Job,
  RESTORED_SHOWN,
  shownOnStart,
  shownTitle,
  TrayFold,
  trayHeading,
  trayLine,
} from "./jobs";

function entry(over: Partial<JobEntry>): JobEntry {
  return {
    id: "add-1",
    kind: "add",
    state: "done",
    this_run: false,
    client: "ccs-app/0.1.0",
    inputs: {
      name: "Letters 1901",
      metadata: {},
      paths: ["/scans/Letters 1901"],
      title: "",
      collection: "Parish",
      description: "",
      cid: "",
      destination: "",
    },
    started_at: "2026-11-25T10:00:00.000Z",
    ended_at: null,
    result: null,
    message: null,
    problems: [],
    ...over,
  };
}

describe("jobs from the journal", () => {
  it("an interrupted add says nothing was stored and can start again with the same details", () => {
    const j = fromJournal(entry({ state: "interrupted" }));
    expect(j.state).toBe("interrupted");
    expect(j.title).toBe("Letters 1901");
    expect(j.message).toContain("nothing was stored");
    expect(j.again).toEqual({
      paths: ["/scans/Letters 1901"],
      details: { title: "", collection: "Parish", description: "" },
    });
  });

  it("a running job of another program is not this app's to cancel or count", () => {
    const j = fromJournal(entry({ state: "running", this_run: false }));
    expect(j.elsewhere).toBe(true);
    expect(j.phase).toBe("Running in another program");
  });

  it("a finished retrieval names where it went", () => {
    const j = fromJournal(
      entry({
        kind: "retrieve",
        inputs: { ...entry({}).inputs, destination: "/home/a/Letters" },
        result: "/home/a/Letters",
      }),
    );
    expect(j.title).toBe('Saving "Letters"');
    expect(j.message).toBe("Saved to /home/a/Letters");
  });

  it("on start shows every interrupted job and only the newest others", () => {
    const many = Array.from({ length: 20 }, (_, i) => entry({ id: `d${i}` }));
    const shown = shownOnStart([...many, entry({ id: "old-interrupted", state: "interrupted" })]);
    expect(shown.length).toBe(RESTORED_SHOWN + 1);
    expect(shown[0].id).toBe("old-interrupted");
  });
});

describe("the question before closing", () => {
  it("counts uploads and retrievals in words", () => {
    expect(closeQuestion(2, 0)).toBe(
      "2 uploads are still running. If you close, they stop; you can start them again next time.",
    );
    expect(closeQuestion(1, 0)).toBe(
      "1 upload is still running. If you close, it stops; you can start it again next time.",
    );
    expect(closeQuestion(1, 1)).toBe(
      "1 upload and 1 retrieval are still running. If you close, they stop; you can start them again next time.",
    );
  });
});

function job(id: string, state: Job["state"]): Job {
  return {
    id,
    kind: "add",
    title: id,
    state,
    phase: "",
    bytes: 0,
    bytesTotal: null,
    files: 0,
    filesTotal: null,
    startedAt: 0,
    message: "",
  };
}

describe("the jobs tray's header and folding", () => {
  it("counts jobs, running ones and those that need attention", () => {
    expect(trayHeading([job("a", "done")])).toBe("1 job");
    expect(trayHeading([job("a", "running"), job("b", "done"), job("c", "done")])).toBe("3 jobs, 1 running");
    expect(trayHeading([job("a", "interrupted"), job("b", "failed")])).toBe("2 jobs, 2 need attention");
    expect(trayHeading([job("a", "running"), job("b", "failed")])).toBe("2 jobs, 1 running, 1 needs attention");
  });

  it("is hidden by default when no job runs, and opens when one starts", () => {
    const f = new TrayFold(null);
    expect(f.update([])).toBe(false);
    expect(f.update([job("a", "done")])).toBe(false);
    expect(f.update([job("a", "done"), job("b", "running")])).toBe(true);
    // Folds back to one line when it finishes well (the line says what finished)...
    expect(f.update([job("a", "done"), job("b", "done")])).toBe(false);
    // ...but not when something needs attention.
    expect(f.update([job("a", "done"), job("c", "running")])).toBe(true);
    expect(f.update([job("a", "done"), job("c", "failed")])).toBe(true);
  });

  it("says in its one line what finished, in the past tense, with a check mark", () => {
    const added = { ...job("a", "done"), title: "Parish scans" };
    const saved = { ...job("b", "done"), kind: "retrieve" as const, title: 'Saving "Parish scans"' };
    expect(shownTitle(added)).toBe("Added Parish scans");
    expect(shownTitle({ ...added, state: "running" })).toBe("Adding Parish scans");
    expect(shownTitle(saved)).toBe('Saved "Parish scans"');
    expect(shownTitle({ ...saved, title: 'Packaging "Parish scans"' })).toBe('Packaged "Parish scans"');
    expect(trayLine([saved, added])).toBe('\u2713 Saved "Parish scans" (and 1 more job)');
    expect(trayLine([added])).toBe("\u2713 Added Parish scans");
    expect(trayLine([job("c", "running"), added])).toBe("2 jobs, 1 running");
    expect(isFinished(added) && isFinished(job("d", "cancelled"))).toBe(true);
    expect(isFinished(job("e", "failed")) || isFinished(job("f", "interrupted"))).toBe(false);
  });

  it("opens on start for a running or interrupted job, whatever was chosen", () => {
    expect(new TrayFold("hidden").update([job("a", "running")])).toBe(true);
    expect(new TrayFold("hidden").update([job("a", "interrupted")])).toBe(true);
    expect(new TrayFold("hidden").update([job("a", "done")])).toBe(false);
    expect(new TrayFold("shown").update([job("a", "done")])).toBe(true);
  });

  it("Show and Hide are kept, and a new job opens a hidden tray", () => {
    const f = new TrayFold(null);
    expect(f.update([job("a", "running")])).toBe(true);
    expect(f.toggle()).toBe("hidden");
    expect(f.update([job("a", "running")])).toBe(false);
    expect(f.update([job("a", "running"), job("b", "running")])).toBe(true);
    expect(f.toggle()).toBe("hidden");
    expect(f.toggle()).toBe("shown");
    // Chosen "shown": it stays open when they finish.
    expect(f.update([job("a", "done"), job("b", "done")])).toBe(true);
  });
});

describe("announcing jobs that end", () => {
  it("says each job that ended since it last looked, once", () => {
    const seen = new Map();
    const add = { ...job("a", "running"), title: "Parish scans" };
    const get = { ...job("b", "running"), kind: "retrieve" as const, title: 'Saving "Letters"' };
    expect(endedWords(seen, [add, get])).toEqual([]);
    expect(endedWords(seen, [{ ...add, state: "done" }, get])).toEqual(["Added Parish scans."]);
    expect(endedWords(seen, [{ ...add, state: "done" }, get])).toEqual([]);
    expect(
      endedWords(seen, [
        { ...add, state: "done" },
        { ...get, state: "failed", message: "The disk is full." },
      ]),
    ).toEqual(['Could not finish: Saving "Letters". The disk is full.']);
    // A job of an earlier run, already finished when first seen, is not announced.
    expect(endedWords(seen, [job("c", "done")])).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import type { TrackerStatus } from "./bindings";
import { partnerStatus } from "./format";
import { GLOSSARY, WORDS } from "./words";

// What the archivist's words must not lean on: the deployment's own terms.
const TECHNICAL = /\b(pin|pinned|peer|ipfs|kubo|cluster|tailnet|tailscale|compose|bootstrap|multihash|dag|cid)\b/i;

describe("the glossary", () => {
  it("names each thing once and explains it without deployment terms", () => {
    const terms = GLOSSARY.map((w) => w.term);
    expect(new Set(terms).size).toBe(terms.length);
    for (const w of GLOSSARY) {
      // The fingerprint alone may say what technical tools call it, after saying what it is.
      const means = w === WORDS.fingerprint ? w.means.replace(/Technical tools call it a CID\.$/, "") : w.means;
      expect(means, w.term).not.toMatch(TECHNICAL);
      expect(w.means, w.term).toMatch(/^[A-Z].*\.$/);
    }
  });

  it("holds every word a partner's state is shown as", () => {
    const states: TrackerStatus[] = [
      "pinned",
      "pinning",
      "pin_queued",
      "queued",
      "remote",
      "pin_error",
      "unpin_error",
      "error",
      "cluster_error",
      "unpinning",
      "unpin_queued",
      "unpinned",
      "unexpectedly_unpinned",
    ];
    const terms = new Set(GLOSSARY.map((w) => w.term));
    for (const s of states) expect(terms.has(partnerStatus(s).label), s).toBe(true);
    expect(terms.has(partnerStatus("something new").label)).toBe(true);
  });
});

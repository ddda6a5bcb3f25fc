// Risk at a glance (ops::risk): one notice on the Library and on Partners,
// red when an item has fewer copies than the network's minimum, with what to
// do and how old the evidence is.

import { api } from "../api";
import type { RiskSummary } from "../bindings";
import { clear, h } from "../dom";
import { riskWords } from "../format";

/** The notice for a summary. */
export function riskNotice(r: RiskSummary): HTMLElement {
  const w = riskWords(r);
  return h(
    "div",
    { class: `notice ${w.tone} risk`, "data-risk": w.tone, role: "status" },
    h("p", { class: "risk-headline" }, w.headline),
    w.lines.length
      ? h(
          "ul",
          {},
          w.lines.map((l) => h("li", {}, l)),
        )
      : null,
    h("p", { class: "sub" }, w.evidence),
  );
}

/** A place that fills itself with the network's risk summary (nothing while it is asked, or when it cannot be). */
export function riskPanel(): HTMLElement {
  const el = h("div", { id: "risk-summary" });
  void Promise.resolve()
    .then(() => api.riskSummary())
    .then((r) => clear(el, riskNotice(r)))
    .catch(() => clear(el));
  return el;
}

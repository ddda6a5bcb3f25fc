// Shared app state and small UI helpers used by every screen.

import { toApiError } from "./api";
import type { LibraryItem, Settings } from "./bindings";
import { h } from "./dom";
import { Jobs } from "./jobs";
import type { LibraryLoad } from "./views/library";

export type Place = "welcome" | "library" | "add" | "watched" | "partners" | "activity" | "settings" | "admin";

export const state = {
  settings: null as Settings | null,
  items: [] as LibraryItem[],
  /** Where the library's load is (see `LibraryLoad`). */
  library: { kind: "idle" } as LibraryLoad,
  /** Paths chosen (picked or dropped) for the next add. */
  pending: [] as string[],
  jobs: new Jobs(),
};

type Navigate = (p: Place) => void;
let navigateImpl: Navigate = () => {};
export function setNavigate(n: Navigate) {
  navigateImpl = n;
}
export function navigate(p: Place) {
  navigateImpl(p);
}

/** What to check for each kind of failure, in plain words. */
export function nextSteps(code: string): string[] {
  switch (code) {
    case "unreachable":
    case "timed_out":
      return [
        "Is this computer on your community's tailnet (Tailscale or Headscale running and logged in)?",
        "Is the host name right? It is the node's name in the tailnet's machine list.",
        "Is the node itself running?",
      ];
    case "unauthorized":
      return ["Check the user name and password with the person who runs the network."];
    case "not_connected":
      return ["Open Settings and connect to a member's node."];
    default:
      return [];
  }
}

/** An error box: the sentence, what to check, technical detail behind a toggle. */
export function errorBox(e: unknown, retry?: () => void, stepsFor = nextSteps): HTMLElement {
  const err = toApiError(e);
  const steps = stepsFor(err.code);
  return h(
    "div",
    { class: "notice bad", role: "alert" },
    h("p", {}, err.message),
    steps.length
      ? h(
          "ul",
          {},
          steps.map((s) => h("li", {}, s)),
        )
      : null,
    h("details", {}, h("summary", {}, "Show details"), h("code", {}, `code: ${err.code}`)),
    retry ? h("button", { class: "secondary", onclick: retry }, "Try again") : null,
  );
}

/** A modal question; resolves true when confirmed. */
export function confirmDialog(opts: {
  title: string;
  body: (HTMLElement | string)[];
  confirm: string;
  danger?: boolean;
  /** Only the one button: something to read, not a choice. */
  tellOnly?: boolean;
}): Promise<boolean> {
  return new Promise((resolve) => {
    const dlg = h("dialog", { class: "confirm", "aria-labelledby": "confirm-title" });
    const done = (v: boolean) => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    dlg.append(
      h("h2", { id: "confirm-title" }, opts.title),
      ...opts.body.map((b) => (typeof b === "string" ? h("p", {}, b) : b)),
      h(
        "div",
        { class: "actions" },
        opts.tellOnly
          ? null
          : h("button", { class: "secondary", id: "confirm-cancel", onclick: () => done(false) }, "Cancel"),
        h(
          "button",
          { class: opts.danger ? "danger" : "primary", id: "confirm-ok", onclick: () => done(true) },
          opts.confirm,
        ),
      ),
    );
    dlg.addEventListener("cancel", () => done(false));
    document.body.append(dlg);
    dlg.showModal();
    (dlg.querySelector("#confirm-cancel, #confirm-ok") as HTMLButtonElement).focus();
  });
}

export async function copyText(text: string, button: HTMLElement) {
  try {
    await navigator.clipboard.writeText(text);
    flash(button, "Copied");
  } catch {
    flash(button, "Select and copy");
  }
}

function flash(el: HTMLElement, text: string) {
  const old = el.textContent;
  el.textContent = text;
  setTimeout(() => (el.textContent = old), 1200);
}

/** A notice at the top of the current place, for what an action has to say after its own view is gone. */
export function announce(text: string, tone: "ok" | "warn" | "bad") {
  const main = document.getElementById("main");
  if (!main) return;
  main.querySelector("#page-notice")?.remove();
  const notice = h(
    "div",
    { class: `notice ${tone}`, id: "page-notice", role: tone === "ok" ? "status" : "alert" },
    h("p", {}, text),
    h("button", { class: "link", onclick: () => notice.remove() }, "Dismiss"),
  );
  main.prepend(notice);
}

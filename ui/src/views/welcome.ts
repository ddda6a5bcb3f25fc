// First run: join by invitation (the one step an archivist takes), connect
// by hand for those given a node's name and a password, and, for the one
// person who runs the network, starting a new one.

import { api, toApiError } from "../api";
import { errorBox, state } from "../app";
import type { JoinOutcome } from "../bindings";
import { clear, field, h } from "../dom";
import { createNetworkForm } from "./admin";
import { connectByHand } from "./settings";

/** The file extension of an invitation for a person (ops::join::EXTENSION). */
export const INVITATION_EXTENSION = ".ccsinvite";

/** True for a path that looks like an invitation to join. */
export function isInvitation(path: string): boolean {
  return path.toLowerCase().endsWith(INVITATION_EXTENSION);
}

/** What to check when joining failed (the invitation names the node, so not its name). */
export function joinSteps(code: string): string[] {
  switch (code) {
    case "unreachable":
    case "timed_out":
      return [
        "Is Tailscale running on this computer, and signed in to your community's network?",
        "Is the network's computer switched on? Ask the person who sent the invitation.",
      ];
    default:
      return [];
  }
}

/** What joining says when it worked, in plain words. */
export function joinedWords(out: JoinOutcome): string {
  const who = out.for_person ? `Welcome, ${out.for_person}. ` : "";
  return `${who}You are connected to your community's storage network (${out.connection.members} members). Invited by ${out.invited_by}.`;
}

/**
 * "Join with an invitation": choose (or drop) the file, type its passphrase,
 * Join. `preset`: a file already chosen (dropped on the window, or opened
 * with the app).
 */
export function joinForm(onJoined: () => void, preset?: string): HTMLElement {
  let chosen = preset ?? "";
  const fileLabel = h(
    "span",
    { id: "join-file", class: "file-name" },
    chosen ? invitationName(chosen) : "No invitation chosen",
  );
  const pass = field(
    "Passphrase",
    { id: "join-pass", type: "password", autocomplete: "off" },
    "The person who sent the invitation tells you this by phone or in person.",
  );
  const verdict = h("div", { id: "join-verdict", "aria-live": "polite" });
  const pick = h("button", { class: "secondary", id: "join-pick" }, "Choose the invitation…");
  const go = h("button", { class: "primary", id: "join-go" }, "Join");
  pick.addEventListener("click", async () => {
    const got = await api.pick({ kind: "open_file" });
    if (got?.[0]) {
      chosen = got[0];
      fileLabel.textContent = invitationName(chosen);
      pass.input.focus();
    }
  });
  const join = async () => {
    if (!chosen) {
      clear(verdict, h("p", { class: "notice warn" }, "First choose the invitation file you were sent."));
      return;
    }
    go.disabled = true;
    go.setAttribute("aria-busy", "true");
    clear(verdict, h("p", { class: "hint" }, "Opening the invitation and connecting…"));
    try {
      const out = await api.joinNetwork(chosen, pass.input.value);
      state.settings = await api.settings();
      clear(verdict, h("p", { class: "notice ok", "data-verdict": "ok" }, joinedWords(out)));
      onJoined();
    } catch (e) {
      clear(verdict, h("div", { "data-verdict": toApiError(e).code }, errorBox(e, undefined, joinSteps)));
    }
    go.disabled = false;
    go.setAttribute("aria-busy", "false");
  };
  go.addEventListener("click", join);
  pass.input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") void join();
  });
  return h(
    "section",
    { class: "join", "aria-labelledby": "join-title" },
    h("h2", { id: "join-title" }, "Join with an invitation"),
    h(
      "p",
      {},
      `The person who runs your network sends you an invitation (a file ending in ${INVITATION_EXTENSION}) and tells you its passphrase. You can also drop the file on this window.`,
    ),
    h(
      "div",
      { class: "form" },
      h(
        "div",
        { class: "field" },
        h("span", { class: "label" }, "Invitation"),
        h("div", { class: "row" }, pick, fileLabel),
      ),
      pass.wrap,
      h("div", { class: "actions" }, go),
    ),
    verdict,
  );
}

/** How the chosen invitation is named: its file's name, or for a join link (`ccs://join?…`) just that. */
export function invitationName(p: string): string {
  if (p.toLowerCase().startsWith("ccs:")) return "The invitation link you opened";
  return p.split(/[\\/]/).pop() ?? p;
}

/** The welcome screen, the only place until this computer is connected. */
export function renderWelcome(root: HTMLElement, onConnected: () => void, preset?: string) {
  clear(
    root,
    h("header", { class: "page-head" }, h("h1", {}, "Welcome")),
    h(
      "p",
      { class: "lead" },
      "Community Cloud Storage keeps your archive's files on computers run by your partner organisations. Join your community's network to begin.",
    ),
    joinForm(onConnected, preset),
    h(
      "details",
      { class: "more", id: "connect-by-hand" },
      h("summary", {}, "Connect by hand…"),
      h(
        "p",
        { class: "hint" },
        "If you were given a member node's name, a user name and a password instead of an invitation.",
      ),
      connectByHand(onConnected),
    ),
    h(
      "details",
      { class: "more", id: "start-network" },
      h("summary", {}, "I run the network: start a new one…"),
      createNetworkForm(),
    ),
  );
  if (preset) (root.querySelector("#join-pass") as HTMLInputElement | null)?.focus();
}

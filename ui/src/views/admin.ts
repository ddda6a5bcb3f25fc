// Network administration: what the person who runs the network does, kept
// apart from the archivist's screens: invite a colleague (a person), invite
// a partner's node, start a new network, and the connection's technical
// details.

import { api } from "../api";
import { errorBox, state } from "../app";
import { clear, field, h } from "../dom";
import { renderInvite } from "./invite";
import { INVITATION_EXTENSION } from "./welcome";

/** "Start a new network": the first node's compose file, with fresh secrets. */
export function createNetworkForm(): HTMLElement {
  const newName = field("This node's tailnet name", { id: "create-name", type: "text", placeholder: "bootstrap" });
  const newOrg = field("Your organisation (optional)", {
    id: "create-org",
    type: "text",
    placeholder: "e.g. Leeds Community Archive",
  });
  const newSite = field(
    "Where this node stands (optional)",
    { id: "create-site", type: "text", placeholder: "e.g. Leeds, UK" },
    "Copies go to nodes in different places first.",
  );
  const created = h("div");
  const create = h("button", { class: "secondary", id: "create-save" }, "Create network file…");
  create.addEventListener("click", async () => {
    clear(created);
    try {
      const dest = await api.pick({ kind: "save", default_name: "compose.yml" });
      if (!dest?.[0]) return;
      // The save dialog asked before returning an existing file: replace it.
      await api.createNetwork(
        newName.input.value,
        dest[0],
        true,
        newOrg.input.value.trim() || null,
        newSite.input.value.trim() || null,
      );
      clear(
        created,
        h(
          "p",
          { class: "notice ok" },
          `Saved ${dest[0]}. Start it with "docker compose up -d" (or paste it into QNAP Container Station), then connect to it. Keep the file safe: it holds the network's secrets.`,
        ),
      );
    } catch (e) {
      clear(created, errorBox(e));
    }
  });
  return h(
    "div",
    {},
    h(
      "p",
      { class: "hint" },
      "For the one person who sets up the first node: this writes its compose file with fresh secrets.",
    ),
    h("div", { class: "form" }, newName.wrap, newOrg.wrap, newSite.wrap, h("div", { class: "actions" }, create)),
    created,
  );
}

/** "Invite a colleague": a sealed invitation for a person to this network. */
function inviteColleagueForm(): HTMLElement {
  const who = field(
    "Their name",
    { id: "colleague-name", type: "text", placeholder: "e.g. Ann Smith" },
    "Shown to them when they join.",
  );
  const pass = field(
    "Passphrase (at least 12 characters)",
    { id: "colleague-pass", type: "password", autocomplete: "new-password" },
    "Tell it by phone or in person, never in the same message as the file.",
  );
  const more = field(
    "Other member nodes to try (optional)",
    { id: "colleague-nodes", type: "text", placeholder: "e.g. leeds-nas, bristol-nas" },
    "Their app tries these when this computer's node does not answer. Separate names with commas.",
  );
  const result = h("div", { id: "colleague-result", "aria-live": "polite" });
  const save = h("button", { class: "primary", id: "colleague-save" }, "Save invitation…");
  save.addEventListener("click", async () => {
    clear(result);
    const name = who.input.value.trim();
    const file = `${(name || "colleague").replace(/[\\/:*?"<>|]+/g, " ").trim()}${INVITATION_EXTENSION}`;
    try {
      const dest = await api.pick({ kind: "save", default_name: file });
      if (!dest?.[0]) return;
      const out = await api.invitePerson({
        destination: dest[0],
        passphrase: pass.input.value,
        for_person: name || null,
        more_nodes: more.input.value
          .split(",")
          .map((n) => n.trim())
          .filter(Boolean),
        // The save dialog asked before returning an existing file: replace it.
        replace: true,
      });
      clear(result, h("p", { class: "notice ok", id: "colleague-done" }, `Saved ${out.path}. ${out.summary}`));
    } catch (e) {
      clear(result, errorBox(e));
    }
  });
  return h(
    "div",
    {},
    h(
      "p",
      {},
      "An invitation lets a colleague's app connect to this network in one step. It holds the network's user name and password, sealed with the passphrase.",
    ),
    h("div", { class: "form" }, who.wrap, pass.wrap, more.wrap, h("div", { class: "actions" }, save)),
    result,
  );
}

/** Network administration; `nodeFile`: a compose file the app was opened with, chosen in the partner invite. */
export function renderAdmin(root: HTMLElement, nodeFile?: string) {
  const c = state.settings?.connection;
  const partner = h("section", { "aria-labelledby": "invite-title", id: "admin-invite-partner" });
  clear(
    root,
    h("header", { class: "page-head" }, h("h1", {}, "Network administration")),
    h("p", { class: "lead" }, "For the person who runs the network. Archivists do not need anything here."),
    h(
      "section",
      { "aria-labelledby": "colleague-title" },
      h("h2", { id: "colleague-title" }, "Invite a colleague"),
      inviteColleagueForm(),
    ),
    partner,
    h(
      "section",
      { "aria-labelledby": "start-title" },
      h("h2", { id: "start-title" }, "Start a new network"),
      createNetworkForm(),
    ),
    h(
      "details",
      { class: "tech", id: "admin-technical" },
      h("summary", {}, "Technical details"),
      c
        ? h(
            "dl",
            { class: "facts" },
            h("dt", {}, "Node"),
            h("dd", {}, h("code", {}, c.node)),
            h("dt", {}, "Cluster API"),
            h("dd", {}, h("code", {}, c.cluster_api)),
            h("dt", {}, "User name"),
            h("dd", {}, h("code", {}, c.username ?? "")),
          )
        : h("p", {}, "Not connected."),
    ),
  );
  // Drawn in place, so that an opened file's form can take the focus.
  renderInvite(partner, nodeFile);
}

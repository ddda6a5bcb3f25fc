// Invite a partner's node (in Network administration): a new member's compose file from this network's file, with
// the optional passphrase seal, the checklist and install steps.

import { api } from "../api";
import { errorBox } from "../app";
import type { NodeFileSummary } from "../bindings";
import { clear, field, h } from "../dom";

/** "the bootstrap node acme-nas (Leeds Archive, Leeds, UK)": whose file it is. */
export function nodeFileWords(f: NodeFileSummary): string {
  const where = [f.organisation, f.site].filter((w): w is string => !!w).join(", ");
  return `${f.bootstrap ? "the first node" : "the node"} ${f.node}${where ? ` (${where})` : ""}`;
}

/** The invite form; `opened`: a compose file the app was opened with, checked and chosen at once. */
export function renderInvite(root: HTMLElement, opened?: string) {
  let networkFile = "";
  const fileLabel = h("code", { id: "invite-network-file" }, "No file chosen");
  const fileSaid = h("div", { id: "invite-file-said", "aria-live": "polite" });
  // Read (never written) before it is taken: a file that is not a member's
  // compose file is said at once, in one sentence.
  const choose = async (path: string) => {
    networkFile = "";
    fileLabel.textContent = path;
    clear(fileSaid, h("p", { class: "hint" }, "Reading the file…"));
    try {
      const found = await api.checkNodeFile(path);
      networkFile = found.path;
      clear(
        fileSaid,
        h("p", { class: "hint", "data-node-file": "ok" }, `The compose file of ${nodeFileWords(found)}.`),
      );
    } catch (e) {
      clear(fileSaid, h("div", { "data-node-file": "refused" }, errorBox(e)));
    }
  };
  const partner = field(
    "The partner's tailnet name",
    { id: "invite-partner", type: "text", placeholder: "e.g. acme-nas" },
    "The name their node will have in the tailnet's machine list.",
  );
  const bootstrap = field(
    "Join through (a member's tailnet name)",
    { id: "invite-bootstrap", type: "text", placeholder: "e.g. bootstrap" },
    "A member node that is usually online.",
  );
  const organisation = field(
    "The partner's organisation (optional)",
    { id: "invite-org", type: "text", placeholder: "e.g. Bristol Archives" },
    "Shown to every member in place of the machine's name.",
  );
  const site = field(
    "Where their node stands (optional)",
    { id: "invite-site", type: "text", placeholder: "e.g. Bristol, UK" },
    "A place with its own risks (a building, or a town sharing one flood or power cut). Copies go to different places first.",
  );
  const seal = h("input", { type: "checkbox", id: "invite-seal" });
  const pass = field(
    "Passphrase (at least 12 characters)",
    { id: "invite-pass", type: "password", autocomplete: "new-password", disabled: true },
    "Tell it by phone or in person, never in the same message as the file.",
  );
  seal.addEventListener("change", () => (pass.input.disabled = !seal.checked));
  const result = h("div", { id: "invite-result" });
  const save = h("button", { class: "primary", id: "invite-save" }, "Save invitation…");
  save.addEventListener("click", async () => {
    clear(result);
    if (!networkFile) {
      clear(
        result,
        h("p", { class: "notice warn" }, "First choose your network's compose file (a member's compose.yml)."),
      );
      return;
    }
    const name = partner.input.value.trim();
    try {
      const dest = await api.pick({ kind: "save", default_name: `${name || "partner"}-compose.yml` });
      if (!dest?.[0]) return;
      const out = await api.exportInvite({
        network_file: networkFile,
        partner: name,
        bootstrap_host: bootstrap.input.value.trim(),
        destination: dest[0],
        passphrase: seal.checked ? pass.input.value : null,
        // The save dialog asked before returning an existing file: replace it.
        replace: true,
        organisation: organisation.input.value.trim() || null,
        site: site.input.value.trim() || null,
      });
      clear(
        result,
        h(
          "p",
          { class: "notice ok", id: "invite-done" },
          `Saved ${out.sealed ? "a sealed invitation" : "the invitation"} to ${out.path}.`,
        ),
        h("h3", {}, "Checklist to send with it"),
        h("pre", { class: "checklist" }, out.checklist),
      );
    } catch (e) {
      clear(result, errorBox(e));
    }
  });

  clear(
    root,
    h("h2", { id: "invite-title" }, "Invite a partner organisation's node"),
    h(
      "div",
      { class: "notice danger-note", role: "note" },
      h("strong", {}, "DANGER: "),
      "an invitation holds the secret keys of the whole community network. Send it only over an end-to-end encrypted channel such as Signal, or seal it with a passphrase.",
    ),
    h(
      "div",
      { class: "form" },
      h(
        "div",
        { class: "field" },
        h("span", { class: "label" }, "Your network's compose file"),
        h(
          "div",
          { class: "row" },
          h(
            "button",
            {
              class: "secondary",
              id: "invite-pick-file",
              onclick: async () => {
                const got = await api.pick({ kind: "open_file" });
                if (got?.[0]) await choose(got[0]);
              },
            },
            "Choose file…",
          ),
          fileLabel,
        ),
        h("p", { class: "hint" }, "Any member's compose.yml (the bootstrap's or a partner's)."),
        fileSaid,
      ),
      partner.wrap,
      bootstrap.wrap,
      organisation.wrap,
      site.wrap,
      h("div", { class: "field check" }, seal, h("label", { for: "invite-seal" }, "Seal the file with a passphrase")),
      pass.wrap,
      h("div", { class: "actions" }, save),
    ),
    result,
    h("h3", {}, "How the partner installs it"),
    h(
      "ol",
      { class: "steps" },
      h("li", {}, "Put the machine on the tailnet with the name above."),
      h(
        "li",
        {},
        "With Docker: save the file as compose.yml and run ",
        h("code", {}, "docker compose up -d"),
        " in its folder.",
      ),
      h(
        "li",
        {},
        "With a QNAP NAS: Container Station › Applications › Create, name it community-cloud-storage, paste the file and click Create. Two containers run: ipfs and ipfs-cluster.",
      ),
      h("li", {}, "After a minute, the new partner shows as Online under Partners."),
    ),
  );
  if (opened) {
    void choose(opened);
    root.scrollIntoView({ block: "start" });
    partner.input.focus();
  }
}

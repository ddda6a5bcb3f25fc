// Settings and first run: connect to a member's node, test the connection,
// or start a new network.

import { api, toApiError } from "../api";
import { errorBox, navigate, state } from "../app";
import type { PasswordSource } from "../bindings";
import { clear, field, h } from "../dom";
import { loadLibrary } from "./library";

export function renderSettings(root: HTMLElement, onConnected: () => void) {
  const s = state.settings;
  const address = field(
    "Member's node",
    {
      id: "settings-address",
      type: "text",
      placeholder: "acme-nas  or  http://acme-nas:9094",
      value: s?.connection?.cluster_api ?? "",
    },
    "The node's name on your tailnet, or its address.",
  );
  const user = field("User name", {
    id: "settings-user",
    type: "text",
    autocomplete: "username",
    value: s?.connection?.username ?? "",
  });
  const pass = field(
    "Password",
    { id: "settings-pass", type: "password", autocomplete: "current-password" },
    "From the person who runs the network.",
  );
  const verdict = h("div", { id: "settings-verdict", "aria-live": "polite" });
  const input = () => ({ address: address.input.value, username: user.input.value, password: pass.input.value });
  const busy = (b: HTMLButtonElement, on: boolean) => {
    b.disabled = on;
    b.setAttribute("aria-busy", String(on));
  };
  const test = h("button", { class: "secondary", id: "settings-test" }, "Test connection");
  const save = h("button", { class: "primary", id: "settings-save" }, "Save and connect");
  test.addEventListener("click", async () => {
    busy(test, true);
    clear(verdict, h("p", { class: "hint" }, "Trying…"));
    try {
      const r = await api.testConnection(input());
      clear(
        verdict,
        h(
          "p",
          { class: "notice ok", "data-verdict": "ok" },
          `Connected to ${r.node} (IPFS Cluster ${r.version.split("+")[0]}); it sees ${r.members} members. Nothing was saved yet.`,
        ),
      );
    } catch (e) {
      clear(verdict, h("div", { "data-verdict": toApiError(e).code }, errorBox(e)));
    }
    busy(test, false);
  });
  save.addEventListener("click", async () => {
    busy(save, true);
    clear(verdict, h("p", { class: "hint" }, "Connecting…"));
    try {
      const r = await api.saveConnection(input());
      state.settings = await api.settings();
      clear(
        verdict,
        h(
          "p",
          { class: "notice ok", "data-verdict": "ok" },
          `Connected to ${r.node}; it sees ${r.members} members. Saved.`,
        ),
      );
      onConnected();
      void loadLibrary();
      navigate("library");
    } catch (e) {
      clear(verdict, h("div", { "data-verdict": toApiError(e).code }, errorBox(e)));
    }
    busy(save, false);
  });

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
          `Saved ${dest[0]}. Start it with "docker compose up -d" (or paste it into QNAP Container Station), then connect to it above. Keep the file safe: it holds the network's secrets.`,
        ),
      );
    } catch (e) {
      clear(created, errorBox(e));
    }
  });

  clear(
    root,
    h("header", { class: "page-head" }, h("h1", {}, s?.connection ? "Settings" : "Welcome")),
    s?.connection
      ? h("p", {}, "Connected to ", h("strong", {}, s.connection.node), ` at ${s.connection.cluster_api}.`)
      : h(
          "p",
          { class: "lead" },
          "Connect this computer to your community's storage network. You need a member node's name and the user name and password from the person who runs the network.",
        ),
    h("h2", {}, "Connect to a network"),
    h("div", { class: "form" }, address.wrap, user.wrap, pass.wrap, h("div", { class: "actions" }, test, save)),
    verdict,
    h("h2", {}, "Or start a new network"),
    h(
      "p",
      { class: "hint" },
      "For the one person who sets up the first node: this writes its compose file with fresh secrets.",
    ),
    h("div", { class: "form" }, newName.wrap, newOrg.wrap, newSite.wrap, h("div", { class: "actions" }, create)),
    created,
    h("h2", {}, "This computer"),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Items you add are recorded as added by"),
      h("dd", {}, h("code", {}, s?.me ?? "")),
      h("dt", {}, "Settings file"),
      h("dd", {}, h("code", {}, s?.config_path ?? "")),
      s?.connection ? h("dt", {}, "Password") : null,
      s?.connection
        ? h(
            "dd",
            { id: "settings-password-storage", "data-storage": s.password_storage },
            passwordWords(s.password_storage, s.keychain_off),
          )
        : null,
    ),
  );
}

/** Where the password is kept, in plain words. */
export function passwordWords(storage: PasswordSource, keychainOff: boolean): string {
  switch (storage) {
    case "environment":
      return "Taken from the CCS_PASSWORD environment variable, which overrides any saved one.";
    case "keychain":
      return "Kept in this computer's keychain (Keychain on a Mac, Credential Manager on Windows, the login keyring on Linux). The command line uses the same one.";
    case "file":
      return keychainOff
        ? "Kept in the settings file above, which only your user account can read, because the keychain is turned off on this computer (CCS_NO_KEYCHAIN)."
        : "Kept in the settings file above, which only your user account can read, because this computer has no keychain the app can use.";
    case "none":
      return "None saved: the node lets this computer in without one.";
  }
}

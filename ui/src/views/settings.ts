// Settings: the connection, joining another network, connecting by hand to
// a member's node, and where this computer keeps the password.

import { api, toApiError } from "../api";
import { errorBox, state } from "../app";
import type { DesktopPreferences, PasswordSource } from "../bindings";
import { clear, field, h } from "../dom";
import { chooseTheme, storedTheme, type Theme } from "../theme";
import { GLOSSARY } from "../words";
import { updatesSection } from "./updates";
import { joinForm } from "./welcome";

/** The form for connecting by hand: a node's name, a user name and a password. */
export function connectByHand(onConnected: () => void): HTMLElement {
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
          `Connected to ${r.node}; it sees ${r.members} members. Nothing was saved yet.`,
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
    } catch (e) {
      clear(verdict, h("div", { "data-verdict": toApiError(e).code }, errorBox(e)));
    }
    busy(save, false);
  });
  return h(
    "div",
    {},
    h("div", { class: "form" }, address.wrap, user.wrap, pass.wrap, h("div", { class: "actions" }, test, save)),
    verdict,
  );
}

/** Settings, once connected: the connection, joining another network, this
 * computer. `invitation`: one dropped on the window or opened with the app,
 * shown ready in the join form. */
export function renderSettings(root: HTMLElement, onConnected: () => void, invitation?: string) {
  const s = state.settings;
  clear(
    root,
    h("header", { class: "page-head" }, h("h1", {}, "Settings")),
    s?.connection
      ? h(
          "p",
          {},
          "Connected to your community's network. Which computer this one connects through is under Network administration › Technical details.",
        )
      : h("p", {}, "Not connected."),
    h(
      "details",
      { class: "more", id: "settings-join", open: invitation !== undefined },
      h("summary", {}, "Join another network with an invitation…"),
      joinForm(onConnected, invitation),
    ),
    h(
      "details",
      { class: "more", id: "connect-by-hand" },
      h("summary", {}, "Connect by hand…"),
      connectByHand(onConnected),
    ),
    h("h2", {}, "Appearance"),
    appearance(),
    h("h2", {}, "Notifications and starting"),
    desktopChoices(),
    h(
      "details",
      { class: "more", id: "settings-words" },
      h("summary", {}, "What the words mean"),
      h(
        "dl",
        { class: "facts glossary" },
        GLOSSARY.flatMap((w) => [h("dt", {}, w.term), h("dd", {}, w.means)]),
      ),
    ),
    h("h2", {}, "Updates"),
    updatesSection(s?.app_version ?? ""),
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
  if (invitation) (root.querySelector("#join-pass") as HTMLInputElement | null)?.focus();
}

/** How long a partner may be away before a notification says so. */
const AWAY_CHOICES: [number, string][] = [
  [15, "15 minutes"],
  [60, "1 hour"],
  [240, "4 hours"],
  [1440, "1 day"],
];

/**
 * Which notifications this computer shows, and whether the app starts at
 * login: kept at once, by the app (not the page), so that the tray and the
 * notifications follow them even while the window is closed.
 */
function desktopChoices(): HTMLElement {
  const box = h("fieldset", { class: "choices stacked", id: "settings-desktop" });
  const said = h("p", { class: "hint", id: "settings-desktop-status", role: "status" });
  let now: DesktopPreferences | null = null;
  const keep = async (change: Partial<DesktopPreferences>) => {
    if (!now) return;
    try {
      now = await api.setDesktopPreferences({ ...now, ...change });
      clear(said, "Saved.");
    } catch (e) {
      clear(said, toApiError(e).message);
      now = await api.desktopPreferences();
    }
    draw();
  };
  const check = (id: string, label: string, key: keyof DesktopPreferences, hint?: string) =>
    h(
      "label",
      { class: "choice" },
      h("input", {
        type: "checkbox",
        id,
        checked: now?.[key] === true,
        onchange: (e: Event) => void keep({ [key]: (e.target as HTMLInputElement).checked }),
      }),
      ` ${label}`,
      hint ? h("span", { class: "hint" }, ` (${hint})`) : null,
    );
  const draw = () => {
    if (!now) return;
    const away = h(
      "select",
      {
        id: "settings-away",
        "aria-label": "How long a partner may be away before you are told",
        disabled: !now.notify_unreachable,
        onchange: (e: Event) => void keep({ unreachable_minutes: Number((e.target as HTMLSelectElement).value) }),
      },
      AWAY_CHOICES.map(([minutes, words]) =>
        h("option", { value: String(minutes), selected: minutes === now?.unreachable_minutes }, words),
      ),
    );
    clear(
      box,
      h("legend", { class: "sr-only" }, "Notifications and starting"),
      check(
        "notify-added",
        "Tell me when a long add has finished",
        "notify_added",
        "or any add, while the window is away",
      ),
      check(
        "notify-problems",
        "Tell me when something could not be stored, or a copy fails its check",
        "notify_problems",
      ),
      h(
        "div",
        { class: "choice-row" },
        check("notify-unreachable", "Tell me when a partner cannot be reached for", "notify_unreachable"),
        " ",
        away,
      ),
      check(
        "start-at-login",
        "Start Community Cloud Storage when I log in",
        "start_at_login",
        "in the tray, so watched folders are watched",
      ),
      said,
    );
  };
  api
    .desktopPreferences()
    .then((p) => {
      now = p;
      draw();
    })
    .catch((e) => clear(box, errorBox(e)));
  return box;
}

/** Light, dark, or as the system says. */
function appearance(): HTMLElement {
  const now = storedTheme();
  const choices: [Theme, string][] = [
    ["system", "As the system"],
    ["light", "Light"],
    ["dark", "Dark"],
  ];
  return h(
    "fieldset",
    { class: "choices", id: "settings-theme" },
    h("legend", { class: "sr-only" }, "Appearance"),
    choices.map(([theme, label]) =>
      h(
        "label",
        { class: "choice" },
        h("input", {
          type: "radio",
          name: "theme",
          id: `theme-${theme}`,
          value: theme,
          checked: theme === now,
          onchange: () => chooseTheme(theme),
        }),
        ` ${label}`,
      ),
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

// Settings › Updates: which version this is, whether a newer one is
// published, and installing it. The app checks the update's signature
// (src-tauri/src/updates.rs) before anything is installed; the page only
// asks and shows.

import { api } from "../api";
import { errorBox } from "../app";
import type { UpdateOffer, UpdateProgress } from "../bindings";
import { clear, h } from "../dom";
import { percent, size } from "../format";

/** "Version 0.2.0 is available (published 1 Dec 2026)." */
export function offerWords(offer: UpdateOffer): string {
  const when = offer.published ? new Date(offer.published) : null;
  const date =
    when && !Number.isNaN(when.getTime())
      ? ` (published ${when.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })})`
      : "";
  return `Version ${offer.version} is available${date}. You have version ${offer.current_version}.`;
}

/** How far installing has got, in words. */
export function progressWords(p: UpdateProgress): string {
  if (p.phase === "installing") return "Downloaded and its signature checked. Installing; the app will start again…";
  const of = p.total ? ` of ${size(p.total)}` : "";
  return `Downloading the update… ${size(p.received)}${of}`;
}

/** The Updates section: the version, "Check for updates", and the offer. */
export function updatesSection(version: string): HTMLElement {
  const status = h("div", { id: "update-status", "aria-live": "polite" });
  const checkButton = h("button", { class: "secondary", id: "update-check" }, "Check for updates");
  // The update server is not the network: no steps about partners or the tailnet.
  const refused = (e: unknown) => errorBox(e, undefined, () => []);

  const install = async (offer: UpdateOffer, button: HTMLButtonElement, shown: HTMLElement) => {
    button.disabled = true;
    checkButton.disabled = true;
    const bar = h("progress", { "aria-label": "Installing the update" });
    const said = h("p", { class: "hint", role: "status" }, "Starting the download…");
    clear(shown, h("div", { class: "check-progress" }, bar, said));
    try {
      await api.installUpdate(offer.version, (p) => {
        clear(said, progressWords(p));
        if (p.phase === "downloading" && p.total) {
          bar.max = 100;
          bar.value = percent(p.received, p.total);
        } else bar.removeAttribute("value");
      });
    } catch (e) {
      clear(shown, refused(e));
      button.disabled = false;
    }
    checkButton.disabled = false;
  };

  const look = async () => {
    checkButton.disabled = true;
    checkButton.setAttribute("aria-busy", "true");
    clear(status, h("p", { class: "hint" }, "Looking for a newer version…"));
    try {
      const offer = await api.checkForUpdate();
      if (!offer) {
        clear(status, h("p", { class: "notice ok", "data-update": "newest" }, "This is the newest version."));
      } else {
        const installButton = h("button", { class: "primary", id: "update-install" }, "Install and restart");
        const installing = h("div", { id: "update-install-status" });
        installButton.addEventListener("click", () => void install(offer, installButton, installing));
        clear(
          status,
          h(
            "div",
            { "data-update": "offered" },
            h("p", { class: "notice" }, offerWords(offer)),
            offer.notes
              ? h(
                  "details",
                  { class: "more" },
                  h("summary", {}, "What is new"),
                  h("p", { class: "notes" }, offer.notes),
                )
              : null,
            h(
              "p",
              { class: "hint" },
              "Before installing, the app checks that the update is signed by its publishers; an update that is not is refused. Storing and saving must have finished first.",
            ),
            h("div", { class: "actions" }, installButton),
            installing,
          ),
        );
      }
    } catch (e) {
      clear(status, h("div", { "data-update": "failed" }, refused(e)));
    }
    checkButton.disabled = false;
    checkButton.removeAttribute("aria-busy");
  };
  checkButton.addEventListener("click", () => void look());

  return h(
    "div",
    { id: "settings-updates" },
    h("p", {}, `This is version ${version} of Community Cloud Storage.`),
    h("div", { class: "actions" }, checkButton),
    status,
  );
}

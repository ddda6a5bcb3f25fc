// The ONLY hand-written module that talks to the backend (and, with the
// generated wrappers it re-exports, the only one importing @tauri-apps).
// Every command's wrapper is generated from the Rust command list
// (src-tauri/src/registry.rs) into generated/commands.ts; what is here is not
// a command: window and webview events, and the app's own events.

import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { getCurrentWindow } from "@tauri-apps/api/window";
import type { CopyAudit, WatchEvent } from "./bindings";
import * as commands from "./generated/commands";

/** The event each copy checked by the background audits is sent as (src-tauri/src/lib.rs). */
export const AUDIT_FINDING_EVENT = "audit-finding";
/** The event an invitation opened while the app runs (macOS) is sent as (src-tauri/src/lib.rs). */
export const INVITATION_OPENED_EVENT = "invitation-opened";
/** The event a compose file opened with the app while it runs is sent as (src-tauri/src/lib.rs). */
export const NODE_FILE_OPENED_EVENT = "node-file-opened";
/** The event a refused ccs: link is sent as, why in one sentence (src-tauri/src/lib.rs). */
export const INVITATION_REFUSED_EVENT = "invitation-refused";
/** The event each watched-folder event is sent as (src-tauri/src/lib.rs). */
export const WATCH_EVENT = "watch-event";
/** The event sent when the watched folders were paused or resumed from the tray (src-tauri/src/desktop.rs). */
export const WATCHED_CHANGED_EVENT = "watched-changed";

export { ApiError, toApiError } from "./errors";

export const api = {
  ...commands,
  /** Asks before the window closes; `ask` resolves false to keep it open. */
  onCloseRequested: (ask: () => Promise<boolean>) =>
    getCurrentWindow().onCloseRequested(async (e) => {
      if (!(await ask())) e.preventDefault();
    }),
  /** Files and folders dropped on the window (absolute paths, never bytes). */
  onDrop: async (onPaths: (paths: string[]) => void, onHover: (over: boolean) => void): Promise<() => void> =>
    getCurrentWebview().onDragDropEvent((e) => {
      const p = e.payload;
      if (p.type === "enter" || p.type === "over") onHover(true);
      else if (p.type === "leave") onHover(false);
      else if (p.type === "drop") {
        onHover(false);
        if (p.paths.length) onPaths(p.paths);
      }
    }),
  /** Each copy the background audits checked (one partner's copy of one item); resolves to stop listening. */
  onAuditFinding: (onFinding: (copy: CopyAudit) => void): Promise<() => void> =>
    listen<CopyAudit>(AUDIT_FINDING_EVENT, (e) => onFinding(e.payload)),
  /** An invitation file opened with the app while it runs (its path); resolves to stop listening. */
  onInvitationOpened: (onPath: (path: string) => void): Promise<() => void> =>
    listen<string>(INVITATION_OPENED_EVENT, (e) => onPath(e.payload)),
  /** A compose file opened with the app while it runs (its path); resolves to stop listening. */
  onNodeFileOpened: (onPath: (path: string) => void): Promise<() => void> =>
    listen<string>(NODE_FILE_OPENED_EVENT, (e) => onPath(e.payload)),
  /** A ccs: link opened with the app that is not a join link (why); resolves to stop listening. */
  onInvitationRefused: (onWhy: (why: string) => void): Promise<() => void> =>
    listen<string>(INVITATION_REFUSED_EVENT, (e) => onWhy(e.payload)),
  /** What the watched folders' watcher does, as it happens; resolves to stop listening. */
  onWatchEvent: (onEvent: (event: WatchEvent) => void): Promise<() => void> =>
    listen<WatchEvent>(WATCH_EVENT, (e) => onEvent(e.payload)),
  /** The watched folders were paused or resumed outside the page (the tray); resolves to stop listening. */
  onWatchedChanged: (onChange: () => void): Promise<() => void> => listen(WATCHED_CHANGED_EVENT, () => onChange()),
};

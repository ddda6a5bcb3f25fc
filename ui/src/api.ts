// The ONLY module that talks to the backend (and the only one importing
// @tauri-apps). Types come from bindings.ts, generated from the Rust types.

import { Channel, invoke } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { getCurrentWindow } from "@tauri-apps/api/window";
import type {
  AddDetails,
  AddOutcome,
  AddProgress,
  AppError,
  ConnectInput,
  ConnectionReport,
  ErrorCode,
  FileProblem,
  InviteInput,
  InviteOutcome,
  JobEntry,
  LibraryBatch,
  LibraryItem,
  Partner,
  PickRequest,
  RetrieveOutcome,
  RetrieveProgress,
  Settings,
} from "./bindings";

/** What every failed call throws: the backend's `{code, message}`. */
export class ApiError extends Error implements AppError {
  code: ErrorCode;
  /** An add that found unstorable files: each one. */
  problems?: FileProblem[];
  constructor(e: AppError) {
    super(e.message);
    this.code = e.code;
    if (e.problems?.length) this.problems = e.problems;
  }
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const problems = "problems" in e && Array.isArray(e.problems) ? (e.problems as FileProblem[]) : undefined;
    // The backend's errors carry an ErrorCode (generated from the Rust enum).
    return new ApiError({ code: String(e.code) as ErrorCode, message: String(e.message), problems });
  }
  return new ApiError({ code: "internal", message: `Something went wrong inside the app (${String(e)}). Try again.` });
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toApiError(e);
  }
}

function channel<T>(onMessage: (m: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = onMessage;
  return c;
}

export const api = {
  settings: () => call<Settings>("settings"),
  testConnection: (input: ConnectInput) => call<ConnectionReport>("test_connection", { input }),
  saveConnection: (input: ConnectInput) => call<ConnectionReport>("save_connection", { input }),
  /** Streams the library: the pinset first, then the same items with every partner's state. Resolves to the item count. */
  listLibrary: (onBatch: (b: LibraryBatch) => void) => call<number>("list_library", { onBatch: channel(onBatch) }),
  itemDetail: (cid: string) => call<LibraryItem>("item_detail", { cid }),
  listPartners: () => call<Partner[]>("list_partners"),
  addItems: (job: string, paths: string[], details: AddDetails, onProgress: (p: AddProgress) => void) =>
    call<AddOutcome>("add_items", { job, paths, details, onProgress: channel(onProgress) }),
  cancelJob: (job: string) => call<boolean>("cancel_job", { job }),
  retrieveItem: (job: string, cid: string, destination: string, onProgress: (p: RetrieveProgress) => void) =>
    call<RetrieveOutcome>("retrieve_item", { job, cid, destination, onProgress: channel(onProgress) }),
  repairItem: (cid: string) => call<LibraryItem>("repair_item", { cid }),
  removeItem: (cid: string) => call<null>("remove_item", { cid }),
  /** `replace`: true only for a path from the save dialog (which asked before replacing). */
  createNetwork: (peername: string, destination: string, replace: boolean) =>
    call<null>("create_network", { peername, destination, replace }),
  exportInvite: (input: InviteInput) => call<InviteOutcome>("export_invite", { input }),
  /** The job journal (this app's and the command line's jobs, newest first). */
  listJobs: () => call<JobEntry[]>("list_jobs"),
  forgetJob: (job: string) => call<boolean>("forget_job", { job }),
  /** Opens the system file manager at a saved file or folder. */
  showInFolder: (path: string) => call<null>("show_in_folder", { path }),
  /** Asks before the window closes; `ask` resolves false to keep it open. */
  onCloseRequested: (ask: () => Promise<boolean>) =>
    getCurrentWindow().onCloseRequested(async (e) => {
      if (!(await ask())) e.preventDefault();
    }),
  /** A native picker; null when cancelled. */
  pick: (request: PickRequest) => call<string[] | null>("pick", { request }),
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
};

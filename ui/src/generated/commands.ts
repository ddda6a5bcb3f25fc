// Generated from src-tauri/src/registry.rs (the command list; types from bindings.ts) by src-tauri/src/bindings.rs. Do not edit.

import { Channel, invoke } from "@tauri-apps/api/core";
import type { AddDetails, AddOutcome, AddProgress, ConnectInput, ConnectionReport, CopyAudit, InviteInput, InviteOutcome, JobEntry, LibraryBatch, LibraryItem, Partner, PickRequest, RetrieveOutcome, RetrieveProgress, Settings } from "../bindings";
import { toApiError } from "../errors";

/** Runs a command; a failure throws an ApiError. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toApiError(e);
  }
}

/** A Channel that hands each message to `onMessage`. */
function channel<T>(onMessage: (m: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = onMessage;
  return c;
}

export function settings(): Promise<Settings> {
  return call<Settings>("settings");
}

export function testConnection(input: ConnectInput): Promise<ConnectionReport> {
  return call<ConnectionReport>("test_connection", { input });
}

export function saveConnection(input: ConnectInput): Promise<ConnectionReport> {
  return call<ConnectionReport>("save_connection", { input });
}

/** Streams the library: the pinset first, then the same items with every partner's state. Resolves to the item count. */
export function listLibrary(onBatch: (m: LibraryBatch) => void): Promise<number> {
  return call<number>("list_library", { onBatch: channel(onBatch) });
}

export function itemDetail(cid: string): Promise<LibraryItem> {
  return call<LibraryItem>("item_detail", { cid });
}

export function listPartners(): Promise<Array<Partner>> {
  return call<Array<Partner>>("list_partners");
}

export function addItems(job: string, paths: Array<string>, details: AddDetails, onProgress: (m: AddProgress) => void): Promise<AddOutcome> {
  return call<AddOutcome>("add_items", { job, paths, details, onProgress: channel(onProgress) });
}

export function cancelJob(job: string): Promise<boolean> {
  return call<boolean>("cancel_job", { job });
}

export function retrieveItem(job: string, cid: string, destination: string, onProgress: (m: RetrieveProgress) => void): Promise<RetrieveOutcome> {
  return call<RetrieveOutcome>("retrieve_item", { job, cid, destination, onProgress: channel(onProgress) });
}

export function repairItem(cid: string): Promise<LibraryItem> {
  return call<LibraryItem>("repair_item", { cid });
}

/** Checks every partner's copy of the item now, every block and every file. */
export function auditItem(cid: string): Promise<Array<CopyAudit>> {
  return call<Array<CopyAudit>>("audit_item", { cid });
}

export function removeItem(cid: string): Promise<null> {
  return call<null>("remove_item", { cid });
}

/** `replace`: true only for a path from the save dialog (which asked before replacing). */
export function createNetwork(peername: string, destination: string, replace: boolean | null): Promise<null> {
  return call<null>("create_network", { peername, destination, replace });
}

export function exportInvite(input: InviteInput): Promise<InviteOutcome> {
  return call<InviteOutcome>("export_invite", { input });
}

/** A native picker; null when cancelled. */
export function pick(request: PickRequest): Promise<Array<string> | null> {
  return call<Array<string> | null>("pick", { request });
}

/** The job journal (this app's and the command line's jobs, newest first). */
export function listJobs(): Promise<Array<JobEntry>> {
  return call<Array<JobEntry>>("list_jobs");
}

export function forgetJob(job: string): Promise<boolean> {
  return call<boolean>("forget_job", { job });
}

/** Opens the system file manager at a saved file or folder. */
export function showInFolder(path: string): Promise<null> {
  return call<null>("show_in_folder", { path });
}

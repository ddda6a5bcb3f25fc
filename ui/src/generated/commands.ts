// Generated from src-tauri/src/registry.rs (the command list; types from bindings.ts) by src-tauri/src/bindings.rs. Do not edit.

import { Channel, invoke } from "@tauri-apps/api/core";
import type { ActivityFilter, AddDetails, AddOutcome, AddPreview, AddProgress, BagSaved, ConnectInput, ConnectionReport, DesktopPreferences, EnsureReport, FilePreview, HistoryReport, InventoryFormat, InventorySummary, InviteInput, InviteOutcome, ItemCheck, ItemContents, JobEntry, JoinOutcome, LibraryBatch, LibraryItem, MetaOutcome, MetaRequest, NetworkPlaces, NodeFileSummary, Partner, PersonInviteInput, PersonInviteOutcome, PickRequest, PolicyView, RepairedItem, RetrieveOutcome, RetrieveProgress, RiskSummary, Settings, UpdateOffer, UpdateProgress, WatchFolderRequest, WatchedFolder, WatchedFolderView, Withdrawal, WithdrawalOutcome } from "../bindings";
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

/** Tries the connection without saving anything. */
export function testConnection(input: ConnectInput): Promise<ConnectionReport> {
  return call<ConnectionReport>("test_connection", { input });
}

/**
 * Tries the connection, then makes it this computer's node in the settings
 * (the password in the OS keychain when there is one).
 */
export function saveConnection(input: ConnectInput): Promise<ConnectionReport> {
  return call<ConnectionReport>("save_connection", { input });
}

/**
 * Streams the library in two passes over `on_batch` (see
 * `ops::library::list`), batched; returns how many items were listed.
 */
export function listLibrary(onBatch: (m: LibraryBatch) => void): Promise<number> {
  return call<number>("list_library", { onBatch: channel(onBatch) });
}

export function itemDetail(cid: string): Promise<LibraryItem> {
  return call<LibraryItem>("item_detail", { cid });
}

export function listPartners(): Promise<Array<Partner>> {
  return call<Array<Partner>>("list_partners");
}

/**
 * Every partner's organisation and site, by cluster peer id (the library's
 * chips name partners by them).
 */
export function networkPlaces(): Promise<NetworkPlaces> {
  return call<NetworkPlaces>("network_places");
}

/** The rules every member follows (the defaults when nobody set any). */
export function networkPolicy(): Promise<PolicyView> {
  return call<PolicyView>("network_policy");
}

/**
 * Risk at a glance: items with a single copy, below the policy's minimum
 * or target, on one site, withdrawn, or not verified within the interval.
 */
export function riskSummary(): Promise<RiskSummary> {
  return call<RiskSummary>("risk_summary");
}

/**
 * "Check placement": what `ccs ensure --dry-run` says. Every item against
 * the policy, each partner's copies now and after, nothing changed.
 */
export function checkPlacement(): Promise<EnsureReport> {
  return call<EnsureReport>("check_placement");
}

/**
 * What an add of `paths` would send (files, size, an estimated time from the
 * rate earlier adds reached) and what it cannot store, before anything is
 * sent.
 */
export function previewAdd(paths: Array<string>, title: string): Promise<AddPreview> {
  return call<AddPreview>("preview_add", { paths, title });
}

/**
 * Every file of an item with its size, and what was left out when it was
 * added.
 */
export function itemContents(cid: string): Promise<ItemContents> {
  return call<ItemContents>("item_contents", { cid });
}

/**
 * One file of an item (`path`; `None`: the item, which is one file named
 * `name`) shown without saving it: an image or text comes back
 * to be shown; a PDF opens in the computer's own reader. Fetched through the
 * same verified retrieval as a save (and recorded as one).
 */
export function previewFile(cid: string, path: string | null, name: string): Promise<FilePreview> {
  return call<FilePreview>("preview_file", { cid, path, name });
}

/** Stores files and folders (paths, never bytes) as one item, with progress. */
export function addItems(job: string, paths: Array<string>, details: AddDetails, onProgress: (m: AddProgress) => void): Promise<AddOutcome> {
  return call<AddOutcome>("add_items", { job, paths, details, onProgress: channel(onProgress) });
}

/**
 * The window's close button was pressed: `true` when the app goes on in
 * the tray (its window hidden: jobs run or folders are watched), `false`
 * when the window may close as usual.
 */
export function keepRunningInTray(): Promise<boolean> {
  return call<boolean>("keep_running_in_tray");
}

/** The choices about notifications and starting at login, on this computer. */
export function desktopPreferences(): Promise<DesktopPreferences> {
  return call<DesktopPreferences>("desktop_preferences");
}

/**
 * Keeps new choices about notifications and starting at login, and turns
 * starting at login on or off as chosen.
 */
export function setDesktopPreferences(preferences: DesktopPreferences): Promise<DesktopPreferences> {
  return call<DesktopPreferences>("set_desktop_preferences", { preferences });
}

/**
 * Asks the app's release feed whether a newer version is published;
 * `None` when this is the newest.
 */
export function checkForUpdate(): Promise<UpdateOffer | null> {
  return call<UpdateOffer | null>("check_for_update");
}

/**
 * Downloads the update to `version` (the one the person was offered),
 * checks its signature, installs it and starts the app again. Refused
 * while storing or saving runs, and when another version is on offer by
 * now.
 */
export function installUpdate(version: string, onProgress: (m: UpdateProgress) => void): Promise<null> {
  return call<null>("install_update", { version, onProgress: channel(onProgress) });
}

/** Stops a running add or retrieval; false when it had already finished. */
export function cancelJob(job: string): Promise<boolean> {
  return call<boolean>("cancel_job", { job });
}

/**
 * Saves an item (or, with `path`, one file or folder of it, as its
 * Contents list names it) to disk from a partner holding it, every block
 * verified.
 */
export function retrieveItem(job: string, cid: string, path: string | null, destination: string, onProgress: (m: RetrieveProgress) => void): Promise<RetrieveOutcome> {
  return call<RetrieveOutcome>("retrieve_item", { job, cid, path, destination, onProgress: channel(onProgress) });
}

/**
 * Saves an item as an archival package (a BagIt bag: the files in `data/`,
 * SHA-256 and SHA-512 manifests checked against the checksums taken when it
 * was added, bag-info.txt, its history as PREMIS) in the new folder
 * `destination`, under the job `job`; progress as for a retrieval, then the
 * checksums being written.
 */
export function saveBag(job: string, cid: string, destination: string, onProgress: (m: RetrieveProgress) => void): Promise<BagSaved> {
  return call<BagSaved>("save_bag", { job, cid, destination, onProgress: channel(onProgress) });
}

/**
 * The journal's jobs, newest first: this run's, earlier runs' and the
 * command line's. A job whose program stopped while it ran is `interrupted`.
 */
export function listJobs(): Promise<Array<JobEntry>> {
  return call<Array<JobEntry>>("list_jobs");
}

/**
 * Removes a finished job from the journal (Dismiss); false when it is
 * running or unknown.
 */
export function forgetJob(job: string): Promise<boolean> {
  return call<boolean>("forget_job", { job });
}

/** Opens the system file manager at a saved file or folder, selecting it. */
export function showInFolder(path: string): Promise<null> {
  return call<null>("show_in_folder", { path });
}

/**
 * Asks every partner to retry what failed for this item (IPFS Cluster's
 * recover), and returns its state after the retry.
 */
export function repairItem(cid: string): Promise<RepairedItem> {
  return call<RepairedItem>("repair_item", { cid });
}

/**
 * Checks every partner's copy of an item now, block by block and file by
 * file ("Check copies now"); the findings are kept like the scheduled ones'.
 */
export function auditItem(cid: string): Promise<ItemCheck> {
  return call<ItemCheck>("audit_item", { cid });
}

/**
 * Withdraws an item (the frontend has confirmed it): it stays stored on
 * every partner until the network's grace period ends, or until a second
 * member confirms and then the grace period ends; **Keep it** undoes it.
 */
export function removeItem(cid: string): Promise<WithdrawalOutcome> {
  return call<WithdrawalOutcome>("remove_item", { cid });
}

/** **Keep it**: undoes a withdrawal; the item stays where it is. */
export function keepItem(cid: string): Promise<WithdrawalOutcome> {
  return call<WithdrawalOutcome>("keep_item", { cid });
}

/**
 * Confirms another member's withdrawal (two-person removal): the grace
 * period starts.
 */
export function confirmWithdrawal(cid: string): Promise<WithdrawalOutcome> {
  return call<WithdrawalOutcome>("confirm_withdrawal", { cid });
}

/** Every withdrawn item: who withdrew it, when, and when it goes. */
export function withdrawnItems(): Promise<Array<Withdrawal>> {
  return call<Array<Withdrawal>>("withdrawn_items");
}

/**
 * Writes the inventory of every stored item (title, collection, size, who
 * added it, copies per partner, the last check of each copy, the last
 * recorded event) to `destination`, chosen in the native save dialog (which
 * has asked whether to replace an existing file); whole or not at all.
 */
export function exportInventory(destination: string, format: InventoryFormat): Promise<InventorySummary> {
  return call<InventorySummary>("export_inventory", { destination, format });
}

/**
 * One item's history, newest first, read from the network with every
 * writer's record checked.
 */
export function itemHistory(cid: string): Promise<HistoryReport> {
  return call<HistoryReport>("item_history", { cid });
}

/**
 * What happened across the network, newest first, at most `limit` events,
 * kept by the filters given (absent: any).
 */
export function activity(filter: ActivityFilter): Promise<HistoryReport> {
  return call<HistoryReport>("activity", { filter });
}

/**
 * Starts a new network: the bootstrap node's compose file, with the
 * node's organisation and site when given (empty: none). An existing
 * `destination` is refused (`already_exists`, left untouched) unless
 * `replace` is true, which the frontend sets only for a path chosen in the
 * native save dialog (that dialog has asked whether to replace it); absent
 * means false.
 */
export function createNetwork(peername: string, destination: string, replace: boolean | null, organisation: string | null, site: string | null): Promise<null> {
  return call<null>("create_network", { peername, destination, replace, organisation, site });
}

/**
 * Writes a partner's compose file (optionally sealed) and returns their
 * checklist. An existing destination is refused unless `input.replace`.
 */
export function exportInvite(input: InviteInput): Promise<InviteOutcome> {
  return call<InviteOutcome>("export_invite", { input });
}

/**
 * Writes a sealed invitation for a colleague to the network this computer
 * is connected to (tried first). An existing destination is refused unless
 * `input.replace`.
 */
export function invitePerson(input: PersonInviteInput): Promise<PersonInviteOutcome> {
  return call<PersonInviteOutcome>("invite_person", { input });
}

/**
 * Joins the network of an invitation for a person (`path`, a `.ccsinvite`
 * file): the first of its nodes that answers becomes this computer's node,
 * its password kept in the keychain.
 */
export function joinNetwork(path: string, passphrase: string): Promise<JoinOutcome> {
  return call<JoinOutcome>("join_network", { path, passphrase });
}

/**
 * The invitation this app was opened with (double-clicked, or "Open
 * with"), once; `None` when there is none.
 */
export function openedInvitation(): Promise<string | null> {
  return call<string | null>("opened_invitation");
}

/**
 * The compose file this app was opened with ("Open with"), once; `None`
 * when there is none. Not read yet: the page checks it with
 * `check_node_file`.
 */
export function openedNodeFile(): Promise<string | null> {
  return call<string | null>("opened_node_file");
}

/**
 * Reads `path` as a member's compose file (nothing is written): whose node
 * it is, or why it is not one.
 */
export function checkNodeFile(path: string): Promise<NodeFileSummary> {
  return call<NodeFileSummary>("check_node_file", { path });
}

/** A native picker; `None` when the person cancelled. */
export function pick(request: PickRequest): Promise<Array<string> | null> {
  return call<Array<string> | null>("pick", { request });
}

/**
 * Changes an item's title, collection, description or Dublin Core fields
 * (`request.changes`: key -> value, an empty value removes the key) on every
 * partner, each changed key recorded in the item's history. Values the item
 * already has change nothing (`changes` comes back empty).
 */
export function setItemMetadata(request: MetaRequest): Promise<MetaOutcome> {
  return call<MetaOutcome>("set_item_metadata", { request });
}

/** The collections in use (one spelling each), for the add form to suggest. */
export function collections(): Promise<Array<string>> {
  return call<Array<string>>("collections");
}

/**
 * The watched folders, with what each has stored and whether it is polled
 * (a network drive).
 */
export function watchedFolders(): Promise<Array<WatchedFolderView>> {
  return call<Array<WatchedFolderView>>("watched_folders");
}

/**
 * Starts watching a folder; the watcher that runs with the app takes it up
 * within seconds and stores what is in it.
 */
export function watchFolder(request: WatchFolderRequest): Promise<WatchedFolderView> {
  return call<WatchedFolderView>("watch_folder", { request });
}

/** Stops watching a folder; what it stored stays stored. */
export function unwatchFolder(path: string): Promise<WatchedFolder> {
  return call<WatchedFolder>("unwatch_folder", { path });
}

/** Pauses or resumes one watched folder, or every one (`path` null). */
export function pauseWatching(path: string | null, paused: boolean): Promise<Array<WatchedFolderView>> {
  return call<Array<WatchedFolderView>>("pause_watching", { path, paused });
}

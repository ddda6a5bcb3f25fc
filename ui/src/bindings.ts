// Generated from src-tauri/src/dto.rs (and the ccs-core types it names) by src-tauri/src/bindings.rs. Do not edit.

export type AppError = { code: ErrorCode, message: string, problems?: Array<FileProblem>, };

export type DesktopPreferences = { 
/**
 * A notification when a long add finishes (or any add, while the
 * window is not in front).
 */
notify_added: boolean, 
/**
 * A notification when an add, a watched folder or a scheduled check of
 * the copies finds a problem.
 */
notify_problems: boolean, 
/**
 * A notification when a partner has been unreachable for
 * `unreachable_minutes`.
 */
notify_unreachable: boolean, unreachable_minutes: number, 
/**
 * Start the app (in the tray) when the person logs in.
 */
start_at_login: boolean, 
/**
 * The person was told, once, that closing the window keeps the app
 * running in the tray.
 */
told_about_tray: boolean, };

export type UpdateOffer = { 
/**
 * The version on offer (`0.2.0`).
 */
version: string, 
/**
 * The version running now.
 */
current_version: string, 
/**
 * What is new, as the release's notes say it.
 */
notes: string | null, 
/**
 * When it was published (RFC 3339), when the release says.
 */
published: string | null, };

export type UpdateProgress = { "phase": "downloading", received: number, total: number | null, } | { "phase": "installing" };

export type NodeFileSummary = { path: string, 
/**
 * The node's tailnet name (its cluster peer name).
 */
node: string, 
/**
 * True for the network's first node.
 */
bootstrap: boolean, organisation: string | null, site: string | null, };

export type FileProblem = { path: string, 
/**
 * The code the same failure has on its own (`path_not_found`,
 * `read_failed`, `unsupported_file`).
 */
code: ErrorCode, 
/**
 * A few plain words: "cannot be read (permission denied)".
 */
reason: string, };

export type Settings = { connection: ConnectionInfo | null, 
/**
 * Who this computer records as "added by" (user@host).
 */
me: string, config_path: string, 
/**
 * Where the connection's password is kept.
 */
password_storage: PasswordSource, 
/**
 * True when `CCS_NO_KEYCHAIN` turns the keychain off.
 */
keychain_off: boolean, 
/**
 * This app's version (tauri.conf.json's, which is the crate's).
 */
app_version: string, };

export type ConnectionInfo = { 
/**
 * The node's name in the settings (its cluster peer name).
 */
node: string, cluster_api: string, username: string | null, };

export type ConnectInput = { 
/**
 * A tailnet host name (`acme-nas`) or the cluster API URL.
 */
address: string, username: string, password: string, };

export type ConnectionReport = { 
/**
 * The node's name in the settings (its cluster peer name when new).
 */
node: string, cluster_api: string, version: string, 
/**
 * Members this node sees, itself included.
 */
members: number, };

export type ErrorCode = "unreachable" | "timed_out" | "unauthorized" | "not_found" | "node_error" | "stream_failed" | "interrupted" | "bad_response" | "path_not_found" | "read_failed" | "write_failed" | "unsupported_file" | "invalid_input" | "invalid_bag" | "config" | "cancelled" | "wrong_passphrase" | "verification_failed" | "already_exists" | "unavailable" | "not_connected" | "incomplete" | "usage" | "unhealthy" | "open_failed" | "internal";

export type PasswordSource = "environment" | "file" | "keychain" | "none";

export type TrackerStatus = "undefined" | "cluster_error" | "pin_error" | "unpin_error" | "error" | "pinned" | "pinning" | "unpinning" | "unpinned" | "remote" | "pin_queued" | "unpin_queued" | "queued" | "sharded" | "unexpectedly_unpinned" | "unknown";

export type ContentKind = "file" | "folder" | "symlink";

export type JobKind = "add" | "retrieve";

export type JobState = "running" | "done" | "failed" | "cancelled" | "interrupted";

export type ItemHealth = "ok" | "pinning" | "under_replicated" | "error" | "absent" | "checking";

export type PartnerStatus = { peer_id: string, peername: string, status: TrackerStatus, error: string, timestamp: string, 
/**
 * The last check of this partner's copy made on this computer.
 */
audit: CopyRecord | null, };

export type LibraryItem = { cid: string, name: string, size: number | null, added_at: string | null, added_by: string | null, copies: number, target: number, health: ItemHealth, partners: Array<PartnerStatus>, metadata: { [key in string]?: string }, 
/**
 * What the audits on this computer found (absent while the library
 * still lists the pinset alone).
 */
fixity: ItemFixity | null, };

export type LibraryPhase = "pinset" | "status";

export type LibraryBatch = { phase: LibraryPhase, items: Array<LibraryItem>, 
/**
 * The last batch of its phase.
 */
last: boolean, };

export type Partner = { 
/**
 * Its name; an offline partner's is recovered from the pin states.
 */
name: string, 
/**
 * Its organisation and site, as its node publishes them (an offline
 * partner's from its last metrics while the cluster still has them).
 */
place: Place, cluster_peer_id: string, online: boolean, 
/**
 * RFC 3339, when offline and known (its last metric).
 */
last_seen: string | null, 
/**
 * Why it could not be reached, when offline.
 */
error: string | null, cluster_version: string | null, kubo_version: string | null, free_space: number | null, 
/**
 * Items it holds a complete copy of.
 */
pins: number, 
/**
 * Its alerts, each "metric (when)".
 */
alerts: Array<string>, 
/**
 * When this computer last audited one of its copies (RFC 3339).
 */
last_audited: string | null, 
/**
 * Of its copies audited here, how many passed their last check.
 */
copies_audited: number, copies_verified: number, };

export type Place = { 
/**
 * e.g. "Leeds Community Archive".
 */
organisation: string | null, 
/**
 * e.g. "Leeds, UK".
 */
site: string | null, };

export type NetworkPlaces = { 
/**
 * Members of the network, online or not.
 */
partners: number, 
/**
 * Peer id -> place; a member that publishes nothing is absent.
 */
by_peer: { [key in string]?: Place }, };

export type Policy = { 
/**
 * Fewest copies an item may have before it counts as at risk.
 */
copies_min: number, 
/**
 * Copies every item should have.
 */
copies_target: number, 
/**
 * Different sites an item's copies should be on.
 */
min_sites: number, 
/**
 * Sites or organisations that keep a copy of every item.
 */
keep_at: Array<string>, 
/**
 * Free space each node keeps; no new copy goes to a node below it.
 */
reserve_bytes: number, 
/**
 * How long a withdrawn item stays stored before it is removed.
 */
removal_grace_secs: number, 
/**
 * A withdrawal waits for a second person to confirm it.
 */
removal_needs_confirmation: boolean, 
/**
 * `rm --now` (removal without a grace period) is allowed.
 */
immediate_removal: boolean, 
/**
 * How long a partner may be offline before its copies are made elsewhere.
 */
offline_grace_secs: number, 
/**
 * How often every copy should be verified by an audit.
 */
audit_interval_secs: number, };

export type PolicyDocument = { format: string, 
/**
 * Counts the changes from 1; 0 for the defaults nobody set.
 */
version: number, 
/**
 * `user@host`, none for the defaults.
 */
set_by: string | null, 
/**
 * RFC 3339, none for the defaults.
 */
set_at: string | null, policy: Policy, };

export type PolicySetting = { key: string, value: string, meaning: string, };

export type PolicyView = { document: PolicyDocument, 
/**
 * False: nobody has set one, so the defaults apply.
 */
stored: boolean, 
/**
 * Every setting in words, as `ccs policy show` lists them: key, value,
 * meaning.
 */
settings: Array<PolicySetting>, };

export type Dropped = { peer_id: string, name: string, 
/**
 * In words: "came back under a new identity", "offline for 9 days".
 */
reason: string, };

export type PlacementChange = { cid: string, name: string, 
/**
 * Partner names before and after.
 */
before: Array<string>, after: Array<string>, dropped: Array<Dropped>, 
/**
 * Set when the re-pin failed (nothing else is then claimed).
 */
error: string | null, };

export type PlacementProblem = { cid: string, name: string, 
/**
 * Each in one sentence.
 */
problems: Array<string>, };

export type PartnerCopies = { name: string, place: Place, online: boolean, before: number, after: number, };

export type EnsureReport = { dry_run: boolean, items_checked: number, changes: Array<PlacementChange>, 
/**
 * Items waiting for a partner that is offline, but not for long enough.
 */
waiting: Array<PlacementProblem>, 
/**
 * Items the policy cannot be met for.
 */
unmet: Array<PlacementProblem>, partners: Array<PartnerCopies>, 
/**
 * Withdrawn items IPFS Cluster removed when their grace period ended,
 * whose removal this run recorded (never in a dry run).
 */
removals_recorded: number, record_problem: string | null, };

export type WithdrawalState = "awaiting_confirmation" | "confirmed";

export type Withdrawal = { cid: string, name: string, by: string, 
/**
 * RFC 3339.
 */
at: string, state: WithdrawalState, confirmed_by: string | null, 
/**
 * RFC 3339, once the clock runs.
 */
removes_at: string | null, };

export type WithdrawalOutcome = { 
/**
 * `None` after **keep**, or when a grace period of 0 removed it at once.
 */
withdrawal: Withdrawal | null, 
/**
 * One sentence for the person.
 */
summary: string, record_problem: string | null, };

export type RiskCount = { items: number, bytes: number, };

export type RiskSummary = { stored: RiskCount, 
/**
 * One complete copy or none.
 */
single_copy: RiskCount, 
/**
 * Fewer complete copies than the policy's `copies-min`.
 */
below_min: RiskCount, 
/**
 * Fewer complete copies than the policy's `copies-target`.
 */
below_target: RiskCount, 
/**
 * Every complete copy on one site, while the partners are on several.
 */
single_site: RiskCount, withdrawn: RiskCount, 
/**
 * Not verified by an audit from this computer within the policy's
 * `audit-interval` (or never).
 */
unverified: RiskCount, 
/**
 * When the copies were counted (now: the partners' live states).
 */
copies_as_of: string, 
/**
 * The oldest "last verified" among the items verified at all.
 */
oldest_verification: string | null, 
/**
 * Red: an item has a single copy or fewer than the minimum.
 */
at_risk: boolean, 
/**
 * What to do, one sentence each (empty when all is well).
 */
advice: Array<string>, };

export type AddPreview = { 
/**
 * The item's name (the title when given, else the file names).
 */
name: string, 
/**
 * What can be stored.
 */
files: number, folders: number, bytes: number, 
/**
 * What cannot (the first [`ingest::PROBLEMS_KEPT`]), and how many.
 */
problems: Array<FileProblem>, problem_count: number, 
/**
 * How long sending would take at the rate earlier adds from this
 * computer reached the node; `None` until one was measured.
 */
estimated_seconds: number | null, bytes_per_second: number | null, };

export type SkippedFile = { path: string, reason: string, };

export type ContentsEntry = { 
/**
 * Its path inside the item, `/`-separated.
 */
path: string, size: number, 
/**
 * How it can be previewed, if it can.
 */
preview: PreviewKind | null, };

export type ItemContents = { cid: string, files: Array<ContentsEntry>, bytes: number, 
/**
 * True when the item is one file (its one entry is the item itself).
 */
single_file: boolean, 
/**
 * Files left out when it was added (named up to
 * [`fixity::SKIPPED_LISTED`]), and how many.
 */
skipped_files: Array<SkippedFile>, skipped: number, };

export type PreviewKind = "image" | "text" | "pdf";

export type FilePreview = { kind: PreviewKind, 
/**
 * An image as a `data:` URL.
 */
data_url: string | null, 
/**
 * Text (the start of it, when `cut`), as UTF-8 with unreadable bytes
 * replaced.
 */
text: string | null, cut: boolean, 
/**
 * A PDF saved for the computer's own reader.
 */
saved_at: string | null, };

export type AddDetails = { title: string, collection: string, description: string, 
/**
 * Store a BagIt bag that does not check out as it is (the person chose
 * "Store it anyway" after being told what is wrong with it).
 */
store_invalid_bag?: boolean, 
/**
 * Store the files that can be read and leave out (naming them with the
 * item) those that cannot: the person chose "Store the other N files".
 */
skip_unreadable?: boolean, };

export type AddPhase = "scanning" | "uploading" | "done";

export type AddProgress = { phase: AddPhase, 
/**
 * The item's name, known once the scan is done (empty before).
 */
name: string, files: number, bytes: number, files_total: number, bytes_total: number, };

export type AddOutcome = { cid: string, name: string, files: number, bytes: number, 
/**
 * Files left out because they could not be read (named with the item).
 */
skipped: number, 
/**
 * Why the shared history could not record the add, if it could not.
 */
record_problem: string | null, };

export type RetrieveProgress = { 
/**
 * The partner being read from.
 */
source: string, bytes: number, files: number, bytes_total: number | null, 
/**
 * An archival package's checksums are being written (after the retrieval).
 */
hashing: boolean, done: boolean, };

export type RetrieveOutcome = { path: string, kind: ContentKind, bytes: number, files: number, blocks: number, 
/**
 * The partner that sent the copy; every block was checked against its CID.
 */
source: string, 
/**
 * Partners tried before `source` whose copy could not be used, in order
 * (absent when the first partner tried sent it). One with `damaged` set
 * holds a damaged copy: the person who runs it should check that node.
 */
failed_sources?: Array<FailedSource>, 
/**
 * Why the shared history could not record the save, if it could not.
 */
record_problem?: string, };

export type FailedSource = { 
/**
 * The partner's name.
 */
source: string, 
/**
 * The error's stable code (`verification_failed` for a damaged copy).
 */
code: ErrorCode, 
/**
 * True when the partner sent blocks that do not match their content IDs:
 * its copy is damaged. False when it was only unreachable or broke off.
 */
damaged: boolean, 
/**
 * What went wrong, one plain sentence.
 */
message: string, };

export type InviteInput = { 
/**
 * This network's compose file (any member's).
 */
network_file: string, 
/**
 * The partner's tailnet host name.
 */
partner: string, bootstrap_host: string, 
/**
 * Where to save the partner's file.
 */
destination: string, 
/**
 * Seal the file with this passphrase (age) when given.
 */
passphrase: string | null, 
/**
 * Replace `destination` if it exists. False (the default, also when
 * absent): an existing file is refused with `already_exists` and left
 * untouched, since it may be a node file holding a network's secrets.
 * The frontend sets it only for a path chosen in the native save dialog,
 * which has already asked the person whether to replace that file.
 */
replace: boolean, 
/**
 * The partner's organisation and site (e.g. "Leeds, UK"); empty or
 * absent: not given.
 */
organisation: string | null, site: string | null, };

export type InviteOutcome = { path: string, sealed: boolean, checklist: string, };

export type PersonInviteInput = { 
/**
 * Where to save it (a `.ccsinvite` file), from the save dialog.
 */
destination: string, 
/**
 * Seals it (at least 12 characters); told to the person another way.
 */
passphrase: string, 
/**
 * Whom it is for, shown to them when they join.
 */
for_person: string | null, 
/**
 * More member nodes to try after this computer's (host names).
 */
more_nodes: Array<string>, 
/**
 * Replace `destination` (the save dialog asked already).
 */
replace: boolean, };

export type PersonInviteOutcome = { 
/**
 * The file written.
 */
path: string, 
/**
 * The nodes' addresses, in the order the person's app tries them.
 */
nodes: Array<string>, 
/**
 * The same invitation as a join link (`ccs://join?invitation=…`), to
 * send instead of the file: opened with the same passphrase.
 */
link: string, 
/**
 * What to tell the administrator, one sentence.
 */
summary: string, };

export type JoinOutcome = { connection: ConnectionReport, for_person: string | null, invited_by: string, };

export type PickRequest = { "kind": "files" } | { "kind": "folder" } | { "kind": "open_file" } | { "kind": "save", default_name: string, };

export type JobInputs = { 
/**
 * The item's name as the library shows it (add: known once the scan is
 * done; retrieve: the saved file or folder's name).
 */
name: string, 
/**
 * Add: the chosen files and folders (absolute).
 */
paths: Array<string>, title: string, collection: string, description: string, 
/**
 * Add: any other metadata given (command line `--metadata`).
 */
metadata: { [key in string]?: string }, 
/**
 * Retrieve: the item and where it goes.
 */
cid: string, destination: string, };

export type JobEntry = { id: string, kind: JobKind, 
/**
 * `interrupted`: its program stopped while it ran; nothing was stored or saved.
 */
state: JobState, 
/**
 * True when this app run started it (so Cancel reaches it).
 */
this_run: boolean, 
/**
 * The program that ran it (`ccs-app/…`, `community-cloud-storage/…`).
 */
client: string, inputs: JobInputs, started_at: string, ended_at: string | null, 
/**
 * Done: the CID (add) or the saved path (retrieve).
 */
result: string | null, message: string | null, problems: Array<FileProblem>, };

export type CopyRecord = { checked_at: string, outcome: CopyOutcome, 
/**
 * `full` or `sample`.
 */
mode: string, 
/**
 * The last check that found the copy verified (any mode).
 */
last_verified_at: string | null, 
/**
 * The last full check that found it verified.
 */
last_full_at: string | null, message: string, 
/**
 * What the last check found wrong: blocks the partner lacks, blocks
 * that do not match their CIDs (of those named), and files that differ
 * from the ingest manifest (or a manifest that cannot be used).
 */
missing_blocks: number, damaged_blocks: number, manifest_mismatches: number, };

export type CopyOutcome = "verified" | "problems" | "unreachable" | "not_allocated";

export type ItemFixity = { state: FixityState, 
/**
 * The oldest of the partners' last verified times (so the item is
 * verified at least as recently on every partner); `None`: some copy
 * was never verified.
 */
last_verified_at: string | null, };

export type FixityState = "verified" | "problems" | "unreachable" | "overdue" | "unchecked";

export type CopyAudit = { cid: string, name: string, partner: string, outcome: CopyOutcome, manifest: ManifestUse, 
/**
 * One plain sentence: what was found and what to do.
 */
message: string, 
/**
 * When it was checked (RFC 3339).
 */
checked_at: string, blocks_checked: number, bytes_checked: number, 
/**
 * Every bad block up to [`BAD_BLOCKS_KEPT`]; `bad_block_count` is exact.
 */
bad_blocks: Array<BadBlock>, bad_block_count: number, 
/**
 * Files whose SHA-256 was compared with the manifest (full audits).
 */
files_checked: number, 
/**
 * Files whose bytes differ from the manifest, or that it does not list,
 * and files it lists that the item does not have (the manifest and the
 * item disagree: a problem of its own).
 */
manifest_mismatches: Array<string>, };

export type ManifestUse = "checked" | "no_manifest" | "unusable" | "not_used";

export type BadBlock = { cid: string, fault: BlockFault, 
/**
 * The file or folder inside the item (`/`-separated; empty: the item itself).
 */
file: string, };

export type BlockFault = "missing" | "damaged";

export type MetaRequest = { cid: string, 
/**
 * Key -> new value; an empty value removes the key.
 */
changes: { [key in string]?: string }, };

export type MetaChange = { key: string, old: string | null, new: string | null, };

export type MetaOutcome = { cid: string, 
/**
 * The title after the change.
 */
title: string, 
/**
 * Each key that changed (empty: everything already had these values,
 * and nothing was sent or recorded).
 */
changes: Array<MetaChange>, 
/**
 * The keys a person may change, after the change.
 */
metadata: { [key in string]?: string }, 
/**
 * One sentence on what was done.
 */
summary: string, 
/**
 * Why the preservation record could not take the change (it is made
 * all the same); `null` when it did.
 */
record_problem: string | null, 
/**
 * The cluster answered with other partners than the item had (a
 * partner went offline during the change).
 */
warning: string | null, };

export type RepairedItem = { item: LibraryItem, record_problem: string | null, };

export type ItemCheck = { copies: Array<CopyAudit>, record_problem: string | null, };

export type ActivityFilter = { event_type: EventType | null, person: string | null, partner: string | null, limit: number, };

export type HistoryReport = { events: Array<HistoryEvent>, 
/**
 * How many events the filter kept before the limit.
 */
total: number, 
/**
 * The title of each item the events name: as stored now, else as the
 * record last named it (an item removed since).
 */
names: { [key in string]?: string }, 
/**
 * Everyone and every partner the record names (for the item asked
 * for, when one was), sorted: the choices of a filter.
 */
people: Array<string>, partners: Array<string>, problems: Array<RecordProblem>, batches: number, writers: number, };

export type HistoryEvent = { 
/**
 * Random, unique (PREMIS `eventIdentifierValue`).
 */
id: string, type: EventType, 
/**
 * RFC 3339.
 */
at: string, outcome: EventOutcome, 
/**
 * What happened, one sentence.
 */
detail: string, 
/**
 * The person (`user@host` or `user@organisation`).
 */
person: string, 
/**
 * The software with its version (`community-cloud-storage/0.1.0`).
 */
software: string, 
/**
 * The partner concerned, when one is (a fixity check's).
 */
partner?: string | null, 
/**
 * The item's CID.
 */
item: string, 
/**
 * The item's title when the event was recorded, so the record can name
 * an item that is no longer stored.
 */
name?: string | null, };

export type EventType = "ingestion" | "fixity_check" | "recovery" | "dissemination" | "metadata_modification" | "deletion" | "policy_assignment" | "replication" | "deaccession";

export type EventOutcome = "success" | "failure";

export type RecordProblem = { writer: string, message: string, };

export type InventoryFormat = "csv" | "json";

export type InventorySummary = { 
/**
 * Items listed.
 */
items: number, 
/**
 * Where it was written (absent: standard output).
 */
path: string | null, 
/**
 * Why the last events may be incomplete: what is wrong with the
 * preservation record (each a sentence), if anything.
 */
record_problems: Array<string>, };

export type BagSaved = { path: string, files: number, bytes: number, 
/**
 * The partner that sent the item (every block checked against its CID).
 */
source: string, 
/**
 * Every file matched the checksums taken when it was added (false: the
 * item has none, so the content ID's check is the only one).
 */
fixity_checked: boolean, 
/**
 * Events of the item's history in the package (null: none could be read).
 */
history_events: number | null, 
/**
 * Sentences for the person: a damaged partner's copy met on the way, a
 * history that could not be included or is incomplete, a record that
 * could not take the save.
 */
warnings: Array<string>, };

export type ItemRule = "each_folder" | "each_file";

export type WatchedFolder = { path: string, each: ItemRule, collection: string, description: string, 
/**
 * The person said it is a network drive: look every few seconds rather
 * than wait for the system's change events (which a share never sends).
 */
poll: boolean, 
/**
 * How long an entry must stay unchanged before it is sent.
 */
settle_seconds: number, paused: boolean, added_at: string, };

export type WatchedFolderView = { folder: WatchedFolder, 
/**
 * The network file system it is on (`nfs`, `smb`, …), when the system says so.
 */
network_share: string | null, 
/**
 * Looked at every few seconds rather than told of changes.
 */
polled: boolean, 
/**
 * How often it is looked at when polled.
 */
poll_seconds: number, 
/**
 * Entries stored from it so far (their items).
 */
stored: number, 
/**
 * The folder is not there (a disconnected drive, a renamed folder).
 */
missing: boolean, };

export type WatchFolderRequest = { path: string, each: ItemRule, collection: string, description: string, 
/**
 * The folder is on a network drive the system does not recognise as one.
 */
poll: boolean, 
/**
 * `None`: [`DEFAULT_SETTLE_SECONDS`].
 */
settle_seconds: number | null, };

export type WaitReason = "settling" | "being_written" | "will_retry";

export type WatchEvent = { "kind": "watching", folder: string, polled: boolean, poll_seconds: number, network_share: string | null, } | { "kind": "folder_missing", folder: string, } | { "kind": "waiting", folder: string, entry: string, reason: WaitReason, } | { "kind": "ignored", folder: string, entry: string, } | { "kind": "storing", folder: string, entry: string, job: string, } | { "kind": "progress", folder: string, entry: string, bytes: number, bytes_total: number, } | { "kind": "stored", folder: string, entry: string, cid: string, name: string, } | { "kind": "moved", folder: string, from: string, to: string, } | { "kind": "failed", folder: string, entry: string, code: ErrorCode, message: string, } | { "kind": "halted", code: ErrorCode, message: string, };

//! The commands the frontend calls. Each delegates to ccs-core in a few lines;
//! nothing here knows more about the cluster than how to ask the core.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ccs_core::Error;
use ccs_core::content::library::{Health, Item};
use ccs_core::content::retrieve::{self, Event};
use ccs_core::content::{ingest, provenance};
use ccs_core::deploy::compose::NodeFile;
use ccs_core::deploy::invite;
use ccs_core::local::journal::{Ending, JobInputs as JournalInputs, JobKind};
use ccs_core::local::keychain;
use ccs_core::local::settings::write_private;
use ccs_core::net::cluster::{AddOptions, AddTally, TrackerStatus};
use ccs_core::ops::sources as app_support;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::dto::*;
use crate::state::AppState;
use crate::throttle::{PROGRESS_INTERVAL, Throttle};

/// Recorded as `client` in each item's provenance.
pub const CLIENT: &str = concat!("ccs-app/", env!("CARGO_PKG_VERSION"));

/// Test-only seam for native pickers: when set, a pick returns the paths
/// listed (one a line) in this file and deletes it; no file means "cancelled".
pub const TEST_PICK_ENV: &str = "CCS_TEST_PICK_FILE";

/// Test-only seam for "Show in folder": when set, the path is appended (one a
/// line) to this file instead of opening the file manager.
pub const TEST_REVEAL_ENV: &str = "CCS_TEST_REVEAL_LOG";

#[tauri::command]
pub async fn settings(state: State<'_, AppState>) -> AppResult<Settings> {
    let config = state.config()?;
    let connection = config.default_node.as_ref().map(|name| {
        let p = config.node(name);
        ConnectionInfo {
            node: name.clone(),
            cluster_api: p.cluster_api,
            username: p.username,
        }
    });
    let password_storage = match &config.default_node {
        None => "none",
        Some(name) if config.node(name).password.is_some() => "file",
        Some(name) if state.keychain_password(name).is_some() => "keychain",
        Some(_) => "none",
    };
    Ok(Settings {
        connection,
        me: provenance::who(),
        config_path: state.config_path.display().to_string(),
        password_storage: password_storage.into(),
        keychain_off: keychain::disabled(),
    })
}

async fn probe(
    input: &ConnectInput,
) -> AppResult<(ccs_core::local::settings::NodeProfile, ConnectionReport)> {
    let mut profile = app_support::profile_for_address(&input.address)?;
    if !input.username.is_empty() || !input.password.is_empty() {
        profile.username = Some(input.username.clone());
        profile.password = Some(input.password.clone());
    }
    let client = profile.cluster()?;
    let id = client.id().await?;
    let version = client.version().await?.version;
    let report = ConnectionReport {
        node: id.peername,
        cluster_api: profile.cluster_api.clone(),
        version,
        members: id.cluster_peers.len() as u64,
    };
    Ok((profile, report))
}

/// Tries the connection without saving anything.
#[tauri::command]
pub async fn test_connection(input: ConnectInput) -> AppResult<ConnectionReport> {
    Ok(probe(&input).await?.1)
}

/// Tries the connection, then makes it this computer's node in the settings.
/// The password goes to the OS keychain (shared with the command line); only
/// without one does it stay in the settings file (mode 0600), and Settings
/// says so.
#[tauri::command]
pub async fn save_connection(
    state: State<'_, AppState>,
    input: ConnectInput,
) -> AppResult<ConnectionReport> {
    let (profile, mut report) = probe(&input).await?;
    let mut config = state.config()?;
    // A node already in the table (e.g. written by the CLI) keeps its gateway.
    let existing = config
        .nodes
        .iter()
        .find(|(_, p)| p.cluster_api == profile.cluster_api)
        .map(|(n, _)| n.clone());
    let name = existing.unwrap_or_else(|| match report.node.as_str() {
        "" => "my-node".to_string(),
        n => n.to_string(),
    });
    let password = profile
        .password
        .clone()
        .filter(|p| !p.is_empty() && state.keychain_store(&name, p).is_err());
    let entry = config.nodes.entry(name.clone()).or_insert(profile.clone());
    entry.username = profile.username;
    entry.password = password;
    config.default_node = Some(name.clone());
    config.save(&state.config_path)?;
    report.node = name;
    Ok(report)
}

/// Streams the library in two passes over `on_batch`: the pinset first (it
/// streams straight from the node's own state, so rows show within moments
/// even for 100,000 items), then every item again with the partners' states
/// (the cluster answers that only once every partner has sent its whole list).
/// Returns how many items were listed.
#[tauri::command]
pub async fn list_library(
    state: State<'_, AppState>,
    on_batch: Channel<LibraryBatch>,
) -> AppResult<usize> {
    let (_, _, profile) = state.node()?;
    let client = profile.cluster()?;
    let members = client.id().await?.cluster_peers.len().max(1);

    let mut batch = Batcher::new(&on_batch, LibraryPhase::Pinset);
    let mut pins = client.allocations().await?;
    let mut listed = 0usize;
    while let Some(pin) = pins.next().await {
        batch.push(Item::from_pin(pin?, members).into());
        listed += 1;
    }
    batch.finish();

    let mut batch = Batcher::new(&on_batch, LibraryPhase::Status);
    let mut statuses = client.status_all(None).await?;
    while let Some(status) = statuses.next().await {
        let item = Item::from_status(status?);
        if item.health != Health::Absent {
            batch.push(item.into());
        }
    }
    batch.finish();
    Ok(listed)
}

/// Groups library items into batches: the first as soon as it has a screenful,
/// then at most one per [`LIBRARY_BATCH_INTERVAL`], and always a last one.
struct Batcher<'a> {
    channel: &'a Channel<LibraryBatch>,
    phase: LibraryPhase,
    items: Vec<LibraryItem>,
    throttle: Throttle,
    sent_any: bool,
}

/// Rows that fill the window: enough for the first paint.
const FIRST_BATCH: usize = 100;
const LIBRARY_BATCH_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

impl<'a> Batcher<'a> {
    fn new(channel: &'a Channel<LibraryBatch>, phase: LibraryPhase) -> Self {
        Self {
            channel,
            phase,
            items: Vec::new(),
            throttle: Throttle::new(LIBRARY_BATCH_INTERVAL),
            sent_any: false,
        }
    }

    fn push(&mut self, item: LibraryItem) {
        self.items.push(item);
        let due = if self.sent_any {
            self.throttle.ready()
        } else {
            self.items.len() >= FIRST_BATCH && self.throttle.ready()
        };
        if due {
            self.send(false);
        }
    }

    fn finish(mut self) {
        self.send(true);
    }

    fn send(&mut self, last: bool) {
        self.sent_any = true;
        // Fails only when the page that asked has gone (window closed or
        // reloaded); nobody is left to show the rows to.
        let _ = self.channel.send(LibraryBatch {
            phase: self.phase,
            items: std::mem::take(&mut self.items),
            last,
        });
    }
}

/// The CID a person gave, trimmed, or `invalid_input` when it is not one:
/// checked before any request, since the cluster's decoding error would
/// blame the node.
fn check_cid(cid: &str) -> AppResult<String> {
    let cid = cid.trim();
    if retrieve::parse_cid(cid).is_ok() {
        return Ok(cid.to_string());
    }
    // Quoted and escaped (a pasted newline stays on one line), and shortened.
    let shown: String = cid.chars().take(80).collect();
    let more = if shown.len() < cid.len() { "..." } else { "" };
    Err(AppError::new(
        "invalid_input",
        format!(
            "{shown:?}{more} is not a content ID (they look like Qm... or bafy...). Check it for typing errors, or copy it again from the library."
        ),
    ))
}

/// Refuses to write over an existing file unless `replace` says the person
/// agreed to (the native save dialog asks before it returns an existing
/// path): it may be a node file holding a network's secrets.
fn refuse_existing(destination: &Path, replace: bool) -> AppResult<()> {
    if !replace && std::fs::symlink_metadata(destination).is_ok() {
        return Err(AppError::new(
            "already_exists",
            format!(
                "\"{}\" already exists, so nothing was written (it may hold a network's secrets). Choose another name, or move the old file away first.",
                destination.display()
            ),
        ));
    }
    Ok(())
}

#[tauri::command]
pub async fn item_detail(state: State<'_, AppState>, cid: String) -> AppResult<LibraryItem> {
    let cid = check_cid(&cid)?;
    let (_, _, profile) = state.node()?;
    let status = profile.cluster()?.status(&cid).await?;
    Ok(Item::from_status(status).into())
}

#[tauri::command]
pub async fn list_partners(state: State<'_, AppState>) -> AppResult<Vec<Partner>> {
    let (_, _, profile) = state.node()?;
    let client = profile.cluster()?;
    let peers = client.peers().await?.collect_vec().await?;
    let free: HashMap<String, u64> = client
        .freespace()
        .await?
        .into_iter()
        .filter_map(|m| Some((m.peer, m.value.parse().ok()?)))
        .collect();
    let alerts = client.alerts().await?;
    let mut pinned: HashMap<String, u64> = HashMap::new();
    for s in client
        .status_all(Some("pinned"))
        .await?
        .collect_vec()
        .await?
    {
        for (peer, info) in s.peer_map {
            if info.status == TrackerStatus::Pinned {
                *pinned.entry(peer).or_default() += 1;
            }
        }
    }
    Ok(peers
        .into_iter()
        .map(|p| Partner {
            free_space: free.get(&p.id).copied(),
            pinned: pinned.get(&p.id).copied().unwrap_or(0),
            alerts: alerts
                .iter()
                .filter(|a| a.metric.peer == p.id)
                .map(|a| format!("{} ({})", a.metric.name, a.triggered_at))
                .collect(),
            peer_id: p.id,
            name: p.peername,
            error: p.error,
            version: p.version,
        })
        .collect())
}

/// Stores files and folders (paths, never bytes) as one item, with progress.
#[tauri::command]
pub async fn add_items(
    state: State<'_, AppState>,
    job: String,
    paths: Vec<String>,
    details: AddDetails,
    on_progress: Channel<AddProgress>,
) -> AppResult<AddOutcome> {
    let (_, _, profile) = state.node()?;
    let client = profile.cluster()?;
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    let Some(first) = paths.first() else {
        return Err(Error::InvalidInput("Choose at least one file or folder.".into()).into());
    };
    let name = match details.title.trim() {
        "" if paths.len() == 1 => ingest::upload_name(first)?,
        "" => format!("{} items", paths.len()),
        t => t.to_string(),
    };
    let inputs = JournalInputs {
        paths: paths
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .map(|p| p.display().to_string())
            .collect(),
        title: details.title.trim().into(),
        collection: details.collection.trim().into(),
        description: details.description.trim().into(),
        ..Default::default()
    };
    let journal = state
        .journal
        .start(Some(&job), JobKind::Add, CLIENT, inputs);
    let out = state
        .job(&job, async move {
            let mut progress = AddProgress {
                phase: AddPhase::Scanning,
                files: 0,
                bytes: 0,
                files_total: 0,
                bytes_total: 0,
            };
            let _ = on_progress.send(progress.clone());
            let scan_paths = paths.clone();
            let scan = tokio::task::spawn_blocking(move || ingest::scan(&scan_paths, |_| {}))
                .await
                .map_err(|_| Error::Cancelled)??;
            let mut options = AddOptions::default();
            options.pin.name = Some(name);
            for (key, value) in [
                ("collection", &details.collection),
                ("description", &details.description),
            ] {
                if !value.trim().is_empty() {
                    options.pin.metadata.insert(key.into(), value.trim().into());
                }
            }
            provenance::record(&mut options, &paths, &scan, CLIENT);
            progress.phase = AddPhase::Uploading;
            progress.files_total = scan.files;
            progress.bytes_total = scan.bytes;
            let _ = on_progress.send(progress.clone());
            let mut tally = AddTally::default();
            let mut throttle = Throttle::new(PROGRESS_INTERVAL);
            throttle.ready();
            let added = client
                .add(&paths, &options, |o| {
                    tally.update(o);
                    if throttle.ready() {
                        progress.bytes = tally.bytes().min(scan.bytes);
                        progress.files = tally.entries().min(scan.files);
                        let _ = on_progress.send(progress.clone());
                    }
                })
                .await?;
            progress.phase = AddPhase::Done;
            progress.files = scan.files;
            progress.bytes = scan.bytes;
            let _ = on_progress.send(progress);
            Ok(AddOutcome {
                cid: added.cid,
                name: added.name,
                files: scan.files,
                bytes: scan.bytes,
            })
        })
        .await;
    if journal.is_ok() {
        record_end(&state, &job, out.as_ref().map(|o| o.cid.as_str()));
    }
    out
}

/// Records how a job ended in the journal (a journal that cannot be written
/// does not fail the job).
fn record_end(state: &AppState, job: &str, out: Result<&str, &AppError>) {
    let ending = match out {
        Ok(result) => Ending::Done(result.to_string()),
        Err(e) if e.code == "cancelled" => Ending::Cancelled,
        Err(e) => Ending::Failed {
            message: e.message.clone(),
            problems: e
                .problems
                .iter()
                .flatten()
                .map(|p| ingest::Problem {
                    path: p.path.clone(),
                    code: p.code.clone(),
                    reason: p.reason.clone(),
                })
                .collect(),
        },
    };
    let _ = state.journal.finish(job, ending);
}

/// Stops a running add or retrieval; false when it had already finished.
#[tauri::command]
pub fn cancel_job(state: State<'_, AppState>, job: String) -> bool {
    state.cancel(&job)
}

/// Saves an item to disk from a partner holding it, every block verified.
#[tauri::command]
pub async fn retrieve_item(
    state: State<'_, AppState>,
    job: String,
    cid: String,
    destination: String,
    on_progress: Channel<RetrieveProgress>,
) -> AppResult<RetrieveOutcome> {
    let cid = check_cid(&cid)?;
    let (config, node, profile) = state.node()?;
    let cluster = profile.cluster()?;
    let status = cluster.status(&cid).await?;
    let bytes_total = status
        .metadata
        .get(provenance::BYTES)
        .and_then(|v| v.parse().ok());
    let sources = app_support::retrieval_sources(&status, &config, &node);
    if sources.is_empty() {
        // Never stored (or removed): not_found; stored but no partner can
        // send it now: unavailable, with each partner's state.
        return Err(retrieve::no_copy_error(&status, cluster.base_url()).into());
    }
    let inputs = JournalInputs {
        cid: cid.clone(),
        destination: destination.clone(),
        ..Default::default()
    };
    let journal = state
        .journal
        .start(Some(&job), JobKind::Retrieve, CLIENT, inputs);
    let out = state
        .job(&job, async move {
            let mut progress = RetrieveProgress {
                source: String::new(),
                bytes: 0,
                files: 0,
                bytes_total,
                done: false,
            };
            let mut throttle = Throttle::new(PROGRESS_INTERVAL);
            let got = retrieve::retrieve(&sources, &cid, Path::new(&destination), false, |ev| {
                match ev {
                    Event::Trying { source } => {
                        progress.source = source.to_string();
                        progress.bytes = 0;
                        progress.files = 0;
                    }
                    Event::Progress(p) => {
                        progress.bytes = p.bytes;
                        progress.files = p.files;
                        progress.bytes_total = progress.bytes_total.or(p.total_bytes);
                    }
                    Event::SourceFailed { .. } => return,
                }
                if throttle.ready() {
                    let _ = on_progress.send(progress.clone());
                }
            })
            .await?;
            progress.bytes = got.bytes;
            progress.files = got.files;
            progress.done = true;
            let _ = on_progress.send(progress);
            Ok(RetrieveOutcome {
                path: got.path.display().to_string(),
                kind: serde_json::to_value(got.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                bytes: got.bytes,
                files: got.files,
                blocks: got.blocks,
                source: got.source,
                failed_sources: (!got.failed_sources.is_empty())
                    .then(|| got.failed_sources.into_iter().map(Into::into).collect()),
            })
        })
        .await;
    if journal.is_ok() {
        record_end(&state, &job, out.as_ref().map(|o| o.path.as_str()));
    }
    out
}

/// The journal's jobs, newest first: this run's, earlier runs' and the
/// command line's. A job whose program stopped while it ran is `interrupted`.
#[tauri::command]
pub fn list_jobs(state: State<'_, AppState>) -> Vec<JobEntry> {
    state.journal.list().into_iter().map(Into::into).collect()
}

/// Removes a finished job from the journal (Dismiss); false when it is
/// running or unknown.
#[tauri::command]
pub fn forget_job(state: State<'_, AppState>, job: String) -> AppResult<bool> {
    Ok(state.journal.forget(&job)?)
}

/// Opens the system file manager at a saved file or folder, selecting it.
#[tauri::command]
pub async fn show_in_folder(path: String) -> AppResult<()> {
    let p = PathBuf::from(&path);
    if path.trim().is_empty() || std::fs::symlink_metadata(&p).is_err() {
        return Err(AppError::new(
            "path_not_found",
            format!(
                "\"{path}\" is no longer there (it was moved, renamed or deleted), so it cannot be shown. Save the item again if you need it."
            ),
        ));
    }
    if let Some(log) = std::env::var_os(TEST_REVEAL_ENV) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| AppError::new("write_failed", e.to_string()))?;
        let _ = writeln!(f, "{}", p.display());
        return Ok(());
    }
    tauri_plugin_opener::reveal_item_in_dir(&p).map_err(|e| {
        AppError::new(
            "open_failed",
            format!(
                "The file manager could not be opened ({e}). Open the folder \"{}\" yourself.",
                p.parent().unwrap_or(&p).display()
            ),
        )
    })
}

/// Asks every partner to retry what failed for this item (IPFS Cluster's
/// recover), and returns its state after the retry.
#[tauri::command]
pub async fn repair_item(state: State<'_, AppState>, cid: String) -> AppResult<LibraryItem> {
    let cid = check_cid(&cid)?;
    let (_, _, profile) = state.node()?;
    let status = profile.cluster()?.recover(&cid).await?;
    Ok(Item::from_status(status).into())
}

/// Removes an item from every partner (the frontend has confirmed it).
#[tauri::command]
pub async fn remove_item(state: State<'_, AppState>, cid: String) -> AppResult<()> {
    let cid = check_cid(&cid)?;
    let (_, _, profile) = state.node()?;
    profile.cluster()?.unpin(&cid).await?;
    Ok(())
}

/// Starts a new network: the bootstrap node's compose file. An existing
/// `destination` is refused (`already_exists`, left untouched) unless
/// `replace` is true, which the frontend sets only for a path chosen in the
/// native save dialog (that dialog has asked whether to replace it); absent
/// means false.
#[tauri::command]
pub async fn create_network(
    peername: String,
    destination: String,
    replace: Option<bool>,
) -> AppResult<()> {
    let destination = Path::new(&destination);
    refuse_existing(destination, replace.unwrap_or(false))?;
    let text = NodeFile::create(peername.trim())?.render();
    write_private(destination, text.as_bytes())?;
    Ok(())
}

/// Writes a partner's compose file (optionally sealed) and returns their
/// checklist. An existing destination is refused unless `input.replace`.
#[tauri::command]
pub async fn export_invite(input: InviteInput) -> AppResult<InviteOutcome> {
    let dest = PathBuf::from(&input.destination);
    refuse_existing(&dest, input.replace)?;
    let source = Path::new(&input.network_file);
    let text = std::fs::read_to_string(source).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::PathNotFound {
            path: source.into(),
        },
        _ => Error::Read {
            path: source.into(),
            source: e,
        },
    })?;
    let partner =
        NodeFile::parse(&text)?.clone_for(input.partner.trim(), input.bootstrap_host.trim())?;
    let mut out = partner.render();
    let passphrase = input.passphrase.filter(|p| !p.is_empty());
    if let Some(p) = &passphrase {
        out = invite::seal(&out, p)?;
    }
    write_private(&dest, out.as_bytes())?;
    let file_name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(InviteOutcome {
        path: dest.display().to_string(),
        sealed: passphrase.is_some(),
        checklist: invite::checklist(&partner, &file_name, passphrase.is_some()),
    })
}

/// A native picker; `None` when the person cancelled.
#[tauri::command]
pub async fn pick<R: Runtime>(
    app: AppHandle<R>,
    request: PickRequest,
) -> AppResult<Option<Vec<String>>> {
    if let Some(seam) = std::env::var_os(TEST_PICK_ENV) {
        return Ok(test_pick(Path::new(&seam)));
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<Option<Vec<PathBuf>>>();
    let one = |f: Option<tauri_plugin_dialog::FilePath>| {
        f.and_then(|p| p.into_path().ok()).map(|p| vec![p])
    };
    let dialog = app.dialog().file();
    match request {
        PickRequest::Files => dialog.pick_files(move |f| {
            let _ = tx.send(f.map(|v| v.into_iter().filter_map(|p| p.into_path().ok()).collect()));
        }),
        PickRequest::Folder => dialog.pick_folder(move |f| {
            let _ = tx.send(one(f));
        }),
        PickRequest::OpenFile => dialog.pick_file(move |f| {
            let _ = tx.send(one(f));
        }),
        PickRequest::Save { default_name } => {
            dialog.set_file_name(default_name).save_file(move |f| {
                let _ = tx.send(one(f));
            })
        }
    }
    let picked = rx.await.ok().flatten();
    Ok(picked.map(|v| v.into_iter().map(|p| p.display().to_string()).collect()))
}

fn test_pick(file: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(file).ok()?;
    let _ = std::fs::remove_file(file);
    let paths: Vec<String> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    (!paths.is_empty()).then_some(paths)
}

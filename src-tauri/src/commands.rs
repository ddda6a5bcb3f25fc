//! The commands the frontend calls. Each translates: its arguments into a
//! `ccs_core::ops` request, the operation's events into Channel messages, its
//! outcome into what the frontend shows. Nothing here decides anything about
//! the cluster, the journal, names or credentials.

use std::path::{Path, PathBuf};

use ccs_core::ErrorCode;
use ccs_core::content::audit::AuditMode;
use ccs_core::content::provenance;
use ccs_core::local::keychain;
use ccs_core::ops::add::{AddEvent, AddRequest};
use ccs_core::ops::library::LibraryEvent;
use ccs_core::ops::network::{Destination, InviteRequest};
use ccs_core::ops::retrieve::RetrieveRequest;
use ccs_core::ops::{self, Cancel};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::desktop::{self, AddEnd, DesktopPreferences, Notice};
use crate::dto::*;
use crate::state::AppState;
use crate::throttle::{PROGRESS_INTERVAL, Throttle};
use crate::updates;

pub use crate::state::CLIENT;

/// Test-only seam for native pickers: when set, a pick returns the paths
/// listed (one a line) in this file and deletes it; no file means "cancelled".
pub const TEST_PICK_ENV: &str = "CCS_TEST_PICK_FILE";

/// Test-only seam for "Show in folder" and for a PDF's preview: when set, the
/// path is appended (one a line) to this file instead of opening the file
/// manager or the PDF reader.
pub const TEST_REVEAL_ENV: &str = "CCS_TEST_REVEAL_LOG";

/// Appends `path` to the test seam's log; false when the seam is off.
fn logged_for_test(path: &Path) -> AppResult<bool> {
    let Some(log) = std::env::var_os(TEST_REVEAL_ENV) else {
        return Ok(false);
    };
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| AppError::new(ErrorCode::WriteFailed, e.to_string()))?;
    let _ = writeln!(f, "{}", path.display());
    Ok(true)
}

#[tauri::command]
pub async fn settings(state: State<'_, AppState>) -> AppResult<Settings> {
    let session = state.session()?;
    let connection = session.config.default_node.as_ref().map(|name| {
        let p = session.config.node(name);
        ConnectionInfo {
            node: name.clone(),
            cluster_api: p.cluster_api,
            username: p.username,
        }
    });
    Ok(Settings {
        connection,
        me: provenance::who(),
        config_path: state.config_path.display().to_string(),
        password_storage: session
            .config
            .default_node
            .as_deref()
            .map_or(PasswordSource::None, |n| session.password_source(n)),
        keychain_off: keychain::disabled(),
        app_version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// Tries the connection without saving anything.
#[tauri::command]
pub async fn test_connection(input: ConnectInput) -> AppResult<ConnectionReport> {
    Ok(ops::connect::test(&input).await?)
}

/// Tries the connection, then makes it this computer's node in the settings
/// (the password in the OS keychain when there is one).
#[tauri::command]
pub async fn save_connection(
    state: State<'_, AppState>,
    input: ConnectInput,
) -> AppResult<ConnectionReport> {
    let mut session = state.session()?;
    Ok(ops::connect::save(&mut session, &input).await?)
}

/// Streams the library in two passes over `on_batch` (see
/// [`ops::library::list`]), batched; returns how many items were listed.
#[tauri::command]
pub async fn list_library(
    state: State<'_, AppState>,
    on_batch: Channel<LibraryBatch>,
) -> AppResult<usize> {
    let session = state.session()?;
    let mut batch = Batcher::new(&on_batch);
    let listed = ops::library::list(&session, &Cancel::new(), |e| match e {
        LibraryEvent::Item(phase, item) => batch.push(phase, (*item).into()),
        LibraryEvent::PhaseDone(phase) => batch.finish(phase),
    })
    .await?;
    Ok(listed)
}

/// Groups library items into batches: the first as soon as it has a screenful,
/// then at most one per [`LIBRARY_BATCH_INTERVAL`], and always a last one per pass.
struct Batcher<'a> {
    channel: &'a Channel<LibraryBatch>,
    items: Vec<LibraryItem>,
    throttle: Throttle,
    sent_any: bool,
}

/// Rows that fill the window: enough for the first paint.
const FIRST_BATCH: usize = 100;
const LIBRARY_BATCH_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

impl<'a> Batcher<'a> {
    fn new(channel: &'a Channel<LibraryBatch>) -> Self {
        Self {
            channel,
            items: Vec::new(),
            throttle: Throttle::new(LIBRARY_BATCH_INTERVAL),
            sent_any: false,
        }
    }

    fn push(&mut self, phase: LibraryPhase, item: LibraryItem) {
        self.items.push(item);
        let due = if self.sent_any {
            self.throttle.ready()
        } else {
            self.items.len() >= FIRST_BATCH && self.throttle.ready()
        };
        if due {
            self.send(phase, false);
        }
    }

    /// The pass is complete: its last batch, then the next pass starts afresh.
    fn finish(&mut self, phase: LibraryPhase) {
        self.send(phase, true);
        self.sent_any = false;
        self.throttle = Throttle::new(LIBRARY_BATCH_INTERVAL);
    }

    fn send(&mut self, phase: LibraryPhase, last: bool) {
        self.sent_any = true;
        // Fails only when the page that asked has gone (window closed or
        // reloaded); nobody is left to show the rows to.
        let _ = self.channel.send(LibraryBatch {
            phase,
            items: std::mem::take(&mut self.items),
            last,
        });
    }
}

#[tauri::command]
pub async fn item_detail(state: State<'_, AppState>, cid: String) -> AppResult<LibraryItem> {
    Ok(ops::library::item(&state.session()?, &cid).await?.into())
}

#[tauri::command]
pub async fn list_partners(state: State<'_, AppState>) -> AppResult<Vec<Partner>> {
    Ok(ops::partners::list(&state.session()?, &Cancel::new()).await?)
}

/// Every partner's organisation and site, by cluster peer id (the library's
/// chips name partners by them).
#[tauri::command]
pub async fn network_places(state: State<'_, AppState>) -> AppResult<NetworkPlaces> {
    Ok(ops::partners::network_places(&state.session()?).await?)
}

/// The rules every member follows (the defaults when nobody set any).
#[tauri::command]
pub async fn network_policy(state: State<'_, AppState>) -> AppResult<PolicyView> {
    Ok(ops::policy::show(&state.session()?).await?)
}

/// Risk at a glance: items with a single copy, below the policy's minimum
/// or target, on one site, withdrawn, or not verified within the interval.
#[tauri::command]
pub async fn risk_summary(state: State<'_, AppState>) -> AppResult<RiskSummary> {
    Ok(ops::risk::summary(&state.session()?, &Cancel::new()).await?)
}

/// "Check placement": what `ccs ensure --dry-run` says. Every item against
/// the policy, each partner's copies now and after, nothing changed.
#[tauri::command]
pub async fn check_placement(state: State<'_, AppState>) -> AppResult<EnsureReport> {
    Ok(ops::ensure::ensure(&state.session()?, true, &Cancel::new(), |_| {}).await?)
}

/// Runs the operation `work` as job `job` that Cancel can stop.
async fn as_job<T>(
    state: &AppState,
    job: &str,
    work: impl AsyncFnOnce(&Cancel) -> AppResult<T>,
) -> AppResult<T> {
    let cancel = state.start_job(job);
    let out = work(&cancel).await;
    state.end_job(job);
    out
}

/// What an add of `paths` would send (files, size, an estimated time from the
/// rate earlier adds reached) and what it cannot store, before anything is
/// sent.
#[tauri::command]
pub async fn preview_add(
    state: State<'_, AppState>,
    paths: Vec<String>,
    title: String,
) -> AppResult<AddPreview> {
    let paths = paths.into_iter().map(PathBuf::from).collect();
    Ok(ops::add::preview(&state.session()?, paths, &title, &Cancel::new()).await?)
}

/// Every file of an item with its size, and what was left out when it was
/// added.
#[tauri::command]
pub async fn item_contents(state: State<'_, AppState>, cid: String) -> AppResult<ItemContents> {
    Ok(ops::contents::contents(&state.session()?, &cid).await?)
}

/// One file of an item (`path`; `None`: the item, which is one file named
/// `name`) shown without saving it: an image or text comes back
/// to be shown; a PDF opens in the computer's own reader. Fetched through the
/// same verified retrieval as a save (and recorded as one).
#[tauri::command]
pub async fn preview_file(
    state: State<'_, AppState>,
    cid: String,
    path: Option<String>,
    name: String,
) -> AppResult<FilePreview> {
    let session = state.session()?;
    let shown = ops::contents::preview(
        &session,
        &cid,
        path.as_deref(),
        &name,
        &ops::contents::previews_dir(),
        &Cancel::new(),
    )
    .await?;
    if let Some(pdf) = &shown.saved_at {
        let pdf = PathBuf::from(pdf);
        if !logged_for_test(&pdf)? {
            tauri_plugin_opener::open_path(&pdf, None::<&str>).map_err(|e| {
                AppError::new(
                    ErrorCode::OpenFailed,
                    format!(
                        "No program to read PDFs could be opened ({e}). Save the file and open it yourself."
                    ),
                )
            })?;
        }
    }
    Ok(shown)
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
    let session = state.session()?;
    let title = details.title.clone();
    let started = std::time::Instant::now();
    let request = AddRequest {
        paths: paths.into_iter().map(PathBuf::from).collect(),
        title: details.title,
        collection: details.collection,
        description: details.description,
        job_id: Some(job.clone()),
        store_invalid_bag: details.store_invalid_bag.unwrap_or(false),
        skip_unreadable: details.skip_unreadable.unwrap_or(false),
        ..Default::default()
    };
    let added: AppResult<AddOutcome> = as_job(&state, &job, async |cancel| {
        let mut progress = AddProgress::default();
        let mut throttle = Throttle::new(PROGRESS_INTERVAL);
        let added = ops::add::add(&session, request, cancel, |e| {
            let always = match e {
                AddEvent::Started { .. } | AddEvent::Problem(_) | AddEvent::LeftOut(_) => return,
                // The first word of the scan goes at once; its counts are throttled.
                AddEvent::Scanning { files } => {
                    progress.files = files;
                    files == 0
                }
                AddEvent::Uploading {
                    name,
                    files_total,
                    bytes_total,
                    ..
                } => {
                    progress = AddProgress {
                        phase: AddPhase::Uploading,
                        name,
                        files_total,
                        bytes_total,
                        ..AddProgress::default()
                    };
                    true
                }
                AddEvent::Progress { files, bytes } => {
                    progress.files = files;
                    progress.bytes = bytes;
                    false
                }
            };
            if throttle.ready() || always {
                let _ = on_progress.send(progress.clone());
            }
        })
        .await?;
        progress.phase = AddPhase::Done;
        progress.files = added.files;
        progress.bytes = added.bytes;
        let _ = on_progress.send(progress);
        Ok(added.into())
    })
    .await;
    let outcome = match &added {
        Ok(a) => AddEnd::Stored { files: a.files },
        Err(e) if e.code == ErrorCode::Cancelled => AddEnd::Cancelled,
        Err(e) => AddEnd::Failed {
            message: e.message.clone(),
        },
    };
    state.tell(Notice::AddEnded {
        title,
        took: started.elapsed(),
        outcome,
    });
    added
}

/// The window's close button was pressed: `true` when the app goes on in
/// the tray (its window hidden: jobs run or folders are watched), `false`
/// when the window may close as usual.
#[tauri::command]
pub fn keep_running_in_tray<R: Runtime>(app: AppHandle<R>) -> bool {
    desktop::keep_in_tray(&app)
}

/// The choices about notifications and starting at login, on this computer.
#[tauri::command]
pub fn desktop_preferences(state: State<'_, AppState>) -> DesktopPreferences {
    desktop::load_preferences(&state.preferences_path())
}

/// Keeps new choices about notifications and starting at login, and turns
/// starting at login on or off as chosen.
#[tauri::command]
pub fn set_desktop_preferences(
    state: State<'_, AppState>,
    preferences: DesktopPreferences,
) -> AppResult<DesktopPreferences> {
    let path = state.preferences_path();
    let before = desktop::load_preferences(&path);
    let mut chosen = DesktopPreferences {
        unreachable_minutes: preferences
            .unreachable_minutes
            .max(desktop::UNREACHABLE_MINUTES_MIN),
        // Kept from before: only the app sets it.
        told_about_tray: before.told_about_tray,
        ..preferences
    };
    if chosen.start_at_login != before.start_at_login {
        if let Err(e) = state.apply_start_at_login(chosen.start_at_login) {
            chosen.start_at_login = before.start_at_login;
            desktop::save_preferences(&path, &chosen).map_err(|e| {
                AppError::new(
                    ErrorCode::WriteFailed,
                    format!("Your choices could not be kept ({e})."),
                )
            })?;
            return Err(AppError::new(
                ErrorCode::Unavailable,
                format!(
                    "This computer would not start the app at login ({e}). Your other choices are kept."
                ),
            ));
        }
    }
    desktop::save_preferences(&path, &chosen).map_err(|e| {
        AppError::new(
            ErrorCode::WriteFailed,
            format!(
                "Your choices could not be kept ({e}). Check that your user folder has free space."
            ),
        )
    })?;
    Ok(chosen)
}

/// Asks the app's release feed whether a newer version is published;
/// `None` when this is the newest.
#[tauri::command]
pub async fn check_for_update<R: Runtime>(app: AppHandle<R>) -> AppResult<Option<UpdateOffer>> {
    Ok(updates::check(&app).await?.as_ref().map(updates::offer))
}

/// Downloads the update to `version` (the one the person was offered),
/// checks its signature, installs it and starts the app again. Refused
/// while storing or saving runs, and when another version is on offer by
/// now.
#[tauri::command]
pub async fn install_update<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    version: String,
    on_progress: Channel<UpdateProgress>,
) -> AppResult<()> {
    let busy = |running: usize| {
        (running > 0).then(|| {
            AppError::new(
                ErrorCode::Unavailable,
                "Storing or saving is still running. Install the update when it has finished.",
            )
        })
    };
    if let Some(e) = busy(state.jobs_running()) {
        return Err(e);
    }
    let Some(update) = updates::check(&app).await? else {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "No newer version is on offer any more; this app is the newest.",
        ));
    };
    if update.version != version {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "Version {} is on offer now, not {version}. Check for updates again.",
                update.version
            ),
        ));
    }
    let mut throttle = Throttle::new(PROGRESS_INTERVAL);
    let bytes = updates::download_verified(&update, |p| {
        if throttle.ready() {
            let _ = on_progress.send(p);
        }
    })
    .await?;
    // A job started while the update downloaded would be cut off.
    if let Some(e) = busy(state.jobs_running()) {
        return Err(e);
    }
    let _ = on_progress.send(UpdateProgress::Installing);
    // On Windows the installer takes over here and ends the app itself.
    update.install(bytes).map_err(updates::refused)?;
    app.restart()
}

/// Stops a running add or retrieval; false when it had already finished.
#[tauri::command]
pub fn cancel_job(state: State<'_, AppState>, job: String) -> bool {
    state.cancel(&job)
}

/// Saves an item (or, with `path`, one file or folder of it, as its
/// Contents list names it) to disk from a partner holding it, every block
/// verified.
#[tauri::command]
pub async fn retrieve_item(
    state: State<'_, AppState>,
    job: String,
    cid: String,
    path: Option<String>,
    destination: String,
    on_progress: Channel<RetrieveProgress>,
) -> AppResult<RetrieveOutcome> {
    let session = state.session()?;
    let request = RetrieveRequest {
        cid,
        path,
        destination: PathBuf::from(destination),
        replace: false,
        job_id: Some(job.clone()),
    };
    as_job(&state, &job, async |cancel| {
        let mut progress = RetrieveProgress::default();
        let mut throttle = Throttle::new(PROGRESS_INTERVAL);
        let got = ops::retrieve::retrieve(&session, request, cancel, |ev| {
            if progress.apply(ev) && throttle.ready() {
                let _ = on_progress.send(progress.clone());
            }
        })
        .await?;
        let _ = on_progress.send(progress.done(got.retrieved.bytes, got.retrieved.files));
        Ok(got.into())
    })
    .await
}

/// Saves an item as an archival package (a BagIt bag: the files in `data/`,
/// SHA-256 and SHA-512 manifests checked against the checksums taken when it
/// was added, bag-info.txt, its history as PREMIS) in the new folder
/// `destination`, under the job `job`; progress as for a retrieval, then the
/// checksums being written.
#[tauri::command]
pub async fn save_bag(
    state: State<'_, AppState>,
    job: String,
    cid: String,
    destination: String,
    on_progress: Channel<RetrieveProgress>,
) -> AppResult<BagSaved> {
    let session = state.session()?;
    let request = ops::bag::BagRequest {
        cid,
        destination: PathBuf::from(destination),
        replace: false,
        job_id: Some(job.clone()),
    };
    as_job(&state, &job, async |cancel| {
        let mut progress = RetrieveProgress::default();
        let mut throttle = Throttle::new(PROGRESS_INTERVAL);
        let saved = ops::bag::export(&session, request, cancel, |ev| {
            let changed = match ev {
                ops::bag::BagEvent::Retrieve(ev) => progress.apply(ev),
                ops::bag::BagEvent::Hashing { bytes, total } => {
                    progress.hashing = true;
                    progress.bytes = bytes;
                    progress.bytes_total = Some(total);
                    true
                }
            };
            if changed && throttle.ready() {
                let _ = on_progress.send(progress.clone());
            }
        })
        .await?;
        let _ = on_progress.send(progress.done(saved.bytes, saved.files));
        Ok(saved.into())
    })
    .await
}

/// The journal's jobs, newest first: this run's, earlier runs' and the
/// command line's. A job whose program stopped while it ran is `interrupted`.
#[tauri::command]
pub fn list_jobs(state: State<'_, AppState>) -> AppResult<Vec<JobEntry>> {
    Ok(state.journal().list().into_iter().map(Into::into).collect())
}

/// Removes a finished job from the journal (Dismiss); false when it is
/// running or unknown.
#[tauri::command]
pub fn forget_job(state: State<'_, AppState>, job: String) -> AppResult<bool> {
    Ok(state.journal().forget(&job)?)
}

/// Opens the system file manager at a saved file or folder, selecting it.
#[tauri::command]
pub async fn show_in_folder(path: String) -> AppResult<()> {
    let p = PathBuf::from(&path);
    if path.trim().is_empty() || std::fs::symlink_metadata(&p).is_err() {
        return Err(AppError::new(
            ErrorCode::PathNotFound,
            format!(
                "\"{path}\" is no longer there (it was moved, renamed or deleted), so it cannot be shown. Save the item again if you need it."
            ),
        ));
    }
    if logged_for_test(&p)? {
        return Ok(());
    }
    tauri_plugin_opener::reveal_item_in_dir(&p).map_err(|e| {
        AppError::new(
            ErrorCode::OpenFailed,
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
pub async fn repair_item(state: State<'_, AppState>, cid: String) -> AppResult<RepairedItem> {
    let repaired = ops::library::repair(&state.session()?, &cid).await?;
    Ok(RepairedItem {
        item: repaired.item.into(),
        record_problem: repaired.record_problem,
    })
}

/// Checks every partner's copy of an item now, block by block and file by
/// file ("Check copies now"); the findings are kept like the scheduled ones'.
#[tauri::command]
pub async fn audit_item(state: State<'_, AppState>, cid: String) -> AppResult<ItemCheck> {
    let request = ops::audit::AuditRequest::new(vec![cid], AuditMode::Full);
    let mut copies = Vec::new();
    let summary = ops::audit::audit(&state.session()?, request, &Cancel::new(), |c| {
        copies.push(c)
    })
    .await?;
    copies.sort_by(|a, b| a.partner.cmp(&b.partner));
    Ok(ItemCheck {
        copies,
        record_problem: summary.record_problem,
    })
}

/// Withdraws an item (the frontend has confirmed it): it stays stored on
/// every partner until the network's grace period ends, or until a second
/// member confirms and then the grace period ends; **Keep it** undoes it.
#[tauri::command]
pub async fn remove_item(state: State<'_, AppState>, cid: String) -> AppResult<WithdrawalOutcome> {
    Ok(ops::withdraw::withdraw(&state.session()?, &cid).await?)
}

/// **Keep it**: undoes a withdrawal; the item stays where it is.
#[tauri::command]
pub async fn keep_item(state: State<'_, AppState>, cid: String) -> AppResult<WithdrawalOutcome> {
    Ok(ops::withdraw::keep(&state.session()?, &cid).await?)
}

/// Confirms another member's withdrawal (two-person removal): the grace
/// period starts.
#[tauri::command]
pub async fn confirm_withdrawal(
    state: State<'_, AppState>,
    cid: String,
) -> AppResult<WithdrawalOutcome> {
    Ok(ops::withdraw::confirm(&state.session()?, &cid).await?)
}

/// Every withdrawn item: who withdrew it, when, and when it goes.
#[tauri::command]
pub async fn withdrawn_items(state: State<'_, AppState>) -> AppResult<Vec<Withdrawal>> {
    Ok(ops::withdraw::list(&state.session()?).await?)
}

/// Writes the inventory of every stored item (title, collection, size, who
/// added it, copies per partner, the last check of each copy, the last
/// recorded event) to `destination`, chosen in the native save dialog (which
/// has asked whether to replace an existing file); whole or not at all.
#[tauri::command]
pub async fn export_inventory(
    state: State<'_, AppState>,
    destination: String,
    format: InventoryFormat,
) -> AppResult<InventorySummary> {
    let path = PathBuf::from(destination);
    Ok(ops::report::export(
        &state.session()?,
        format,
        &path,
        true,
        &Cancel::new(),
        |_| {},
    )
    .await?)
}

/// One item's history, newest first, read from the network with every
/// writer's record checked.
#[tauri::command]
pub async fn item_history(state: State<'_, AppState>, cid: String) -> AppResult<HistoryReport> {
    let filter = ops::history::HistoryFilter {
        item: Some(cid),
        ..Default::default()
    };
    Ok(ops::history::read(&state.session()?, &filter).await?)
}

/// What happened across the network, newest first, at most `limit` events,
/// kept by the filters given (absent: any).
#[tauri::command]
pub async fn activity(
    state: State<'_, AppState>,
    filter: ActivityFilter,
) -> AppResult<HistoryReport> {
    let filter = ops::history::HistoryFilter {
        item: None,
        event_type: filter.event_type,
        person: filter.person,
        partner: filter.partner,
        limit: Some(filter.limit),
    };
    Ok(ops::history::read(&state.session()?, &filter).await?)
}

/// Starts a new network: the bootstrap node's compose file, with the
/// node's organisation and site when given (empty: none). An existing
/// `destination` is refused (`already_exists`, left untouched) unless
/// `replace` is true, which the frontend sets only for a path chosen in the
/// native save dialog (that dialog has asked whether to replace it); absent
/// means false.
#[tauri::command]
pub async fn create_network(
    peername: String,
    destination: String,
    replace: Option<bool>,
    organisation: Option<String>,
    site: Option<String>,
) -> AppResult<()> {
    let place = Place::new(organisation.as_deref(), site.as_deref())?;
    let to = Destination {
        path: Some(PathBuf::from(destination)),
        replace: replace.unwrap_or(false),
    };
    ops::network::create(&peername, &place, &to)?;
    Ok(())
}

/// Writes a partner's compose file (optionally sealed) and returns their
/// checklist. An existing destination is refused unless `input.replace`.
#[tauri::command]
pub async fn export_invite(input: InviteInput) -> AppResult<InviteOutcome> {
    let request = InviteRequest {
        network_file: PathBuf::from(&input.network_file),
        partner: input.partner,
        bootstrap_host: input.bootstrap_host,
        passphrase: input.passphrase,
        check_host: false,
        place: Place::new(input.organisation.as_deref(), input.site.as_deref())?,
    };
    let to = Destination {
        path: Some(PathBuf::from(&input.destination)),
        replace: input.replace,
    };
    Ok(ops::network::invite(&request, &to)?.into())
}

/// Writes a sealed invitation for a colleague to the network this computer
/// is connected to (tried first). An existing destination is refused unless
/// `input.replace`.
#[tauri::command]
pub async fn invite_person(
    state: State<'_, AppState>,
    input: PersonInviteInput,
) -> AppResult<PersonInviteOutcome> {
    let session = state.session()?;
    let request = ops::join::PersonInviteRequest {
        for_person: input.for_person,
        more_nodes: input.more_nodes,
        passphrase: input.passphrase,
    };
    Ok(ops::join::invite_person(
        &session,
        &request,
        Path::new(&input.destination),
        input.replace,
    )
    .await?)
}

/// Joins the network of an invitation for a person (`path`, a `.ccsinvite`
/// file): the first of its nodes that answers becomes this computer's node,
/// its password kept in the keychain.
#[tauri::command]
pub async fn join_network(
    state: State<'_, AppState>,
    path: String,
    passphrase: String,
) -> AppResult<JoinOutcome> {
    let mut session = state.session()?;
    Ok(ops::join::join(&mut session, Path::new(&path), &passphrase).await?)
}

/// The invitation this app was opened with (double-clicked, or "Open
/// with"), once; `None` when there is none.
#[tauri::command]
pub async fn opened_invitation(state: State<'_, AppState>) -> AppResult<Option<String>> {
    Ok(state
        .take_opened_invitation()
        .map(|p| p.display().to_string()))
}

/// The compose file this app was opened with ("Open with"), once; `None`
/// when there is none. Not read yet: the page checks it with
/// `check_node_file`.
#[tauri::command]
pub async fn opened_node_file(state: State<'_, AppState>) -> AppResult<Option<String>> {
    Ok(state
        .take_opened_node_file()
        .map(|p| p.display().to_string()))
}

/// Reads `path` as a member's compose file (nothing is written): whose node
/// it is, or why it is not one.
#[tauri::command]
pub async fn check_node_file(path: String) -> AppResult<NodeFileSummary> {
    let node = ops::network::read_node_file(Path::new(&path))?;
    Ok(NodeFileSummary {
        node: node.peername.clone(),
        bootstrap: node.bootstrap.is_none(),
        organisation: node.place.organisation.clone(),
        site: node.place.site.clone(),
        path,
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

/// Changes an item's title, collection, description or Dublin Core fields
/// (`request.changes`: key -> value, an empty value removes the key) on every
/// partner, each changed key recorded in the item's history. Values the item
/// already has change nothing (`changes` comes back empty).
#[tauri::command]
pub async fn set_item_metadata(
    state: State<'_, AppState>,
    request: MetaRequest,
) -> AppResult<MetaOutcome> {
    Ok(ops::meta::set(&state.session()?, request).await?)
}

/// The collections in use (one spelling each), for the add form to suggest.
#[tauri::command]
pub async fn collections(state: State<'_, AppState>) -> AppResult<Vec<String>> {
    Ok(ops::meta::collections(&state.session()?).await?)
}

/// The watched folders, with what each has stored and whether it is polled
/// (a network drive).
#[tauri::command]
pub async fn watched_folders(state: State<'_, AppState>) -> AppResult<Vec<WatchedFolderView>> {
    Ok(ops::watch::list(&state.session()?)?)
}

/// Starts watching a folder; the watcher that runs with the app takes it up
/// within seconds and stores what is in it.
#[tauri::command]
pub async fn watch_folder(
    state: State<'_, AppState>,
    request: WatchFolderRequest,
) -> AppResult<WatchedFolderView> {
    let added = ops::watch::add_folder(&state.session()?, request)?;
    state.tell(Notice::WatchedChanged);
    Ok(added)
}

/// Stops watching a folder; what it stored stays stored.
#[tauri::command]
pub async fn unwatch_folder(state: State<'_, AppState>, path: String) -> AppResult<WatchedFolder> {
    let removed = ops::watch::remove_folder(&state.session()?, Path::new(&path))?;
    state.tell(Notice::WatchedChanged);
    Ok(removed)
}

/// Pauses or resumes one watched folder, or every one (`path` null).
#[tauri::command]
pub async fn pause_watching(
    state: State<'_, AppState>,
    path: Option<String>,
    paused: bool,
) -> AppResult<Vec<WatchedFolderView>> {
    let path = path.map(PathBuf::from);
    let folders = ops::watch::set_paused(&state.session()?, path.as_deref(), paused)?;
    state.tell(Notice::WatchedChanged);
    Ok(folders)
}

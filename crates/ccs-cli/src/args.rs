//! The command line: every command and flag of the original tool, and more.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    done, but not everything is well: health degraded, copies missing
       after --wait or repair, removal declined, or an audit or node check
       found problems; ensure changed (or would change) items; or a fault
       inside this program
  2    the command line is wrong, a value is invalid, or no storage node
       is named or set as the default (health: error; ensure: an item cannot
       be placed as the policy asks, or a change failed)
  3    the storage node could not be reached or did not answer in time
  4    the storage node refused the user name or password, or an
       invitation's passphrase is wrong
  5    the content ID or path was not found
  6    the storage node failed or broke off a transfer (including an error
       reported at the end of an upload), or no partner could send a copy
  7    retrieved content did not match its content ID (nothing was saved)
  8    a local file or folder could not be read or written, or already exists
  9    the settings file is unreadable or a setting is wrong
  130  cancelled with Ctrl-C

Environment:
  CCS_CONFIG      settings file (default: the platform's config folder)
  CCS_USERNAME    cluster API user name, overrides the settings
  CCS_PASSWORD    cluster API password, overrides the settings and keychain
  CCS_NO_KEYCHAIN set to 1 to never use the OS keychain
  NO_COLOR        set to turn off colours";

#[derive(Debug, Parser)]
#[command(
    name = "community-cloud-storage",
    version,
    about = "Store, list, retrieve and check files on a community storage network (IPFS Cluster).",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The storage node to talk to: a name from the settings' node table, or a
    /// tailnet host name (then http://NAME:9094). For create/clone: the new node's name.
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster_peername: Option<String>,
    /// Settings file to use.
    #[arg(long, global = true, value_name = "FILE", env = "CCS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print machine-readable JSON on standard output.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the compose file of the first (bootstrap) node of a new network.
    Create {
        /// Where to write the compose file (default: standard output).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Write a partner's compose file from an existing one (same network secrets).
    Clone {
        /// The existing node's compose file.
        #[arg(long, short = 'i', value_name = "FILE")]
        input: PathBuf,
        /// Tailnet name of the member the new node joins through.
        #[arg(long, value_name = "HOST")]
        bootstrap_host: String,
        /// Where to write the partner's compose file (default: standard output).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        // The partner's organisation and site (not those of --input's node).
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Store files or folders on the network and print the content ID.
    Add(AddArgs),
    /// Show which partners hold copies of content.
    Status {
        /// Content IDs to look up.
        #[arg(value_name = "CID", required_unless_present = "all")]
        cids: Vec<String>,
        /// Everything stored on the network.
        #[arg(long, conflicts_with = "cids")]
        all: bool,
    },
    /// Save stored content (a file or a folder) to disk, verified; or, with
    /// --bag, as a BagIt bag (RFC 8493) for another archive.
    Get {
        #[arg(value_name = "CID")]
        cid: String,
        /// Where to save it: the file or folder to create.
        #[arg(
            long,
            short = 'o',
            value_name = "PATH",
            required_unless_present = "bag",
            conflicts_with = "bag"
        )]
        output: Option<PathBuf>,
        /// Save it as a BagIt bag in the folder DIR (created): the item in
        /// data/, SHA-256 and SHA-512 manifests checked against the checksums
        /// taken when it was added, bag-info.txt from its metadata and
        /// provenance, its history as PREMIS XML.
        #[arg(long, value_name = "DIR")]
        bag: Option<PathBuf>,
        /// Save only this file or folder of the item, as `ccs contents`
        /// names it (e.g. "letters/1891.pdf"), verified the same way.
        #[arg(long, value_name = "PATH_IN_ITEM", conflicts_with = "bag")]
        path: Option<String>,
        /// Replace PATH (or DIR) if it already exists.
        #[arg(long)]
        force: bool,
    },
    /// Remove content from every partner.
    Rm {
        #[arg(value_name = "CID", required = true)]
        cids: Vec<String>,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Remove at once, without the grace period (only when the network's
        /// policy allows it; one item; asks you to type its title).
        #[arg(long, conflicts_with = "yes")]
        now: bool,
        /// With --now: the item's title, instead of typing it when asked.
        #[arg(long, requires = "now", value_name = "TITLE")]
        title: Option<String>,
    },
    /// List the library: what is stored, by whom, and how many copies exist.
    Ls(LsArgs),
    /// Show every partner: online or last seen, versions, free space, pins.
    Peers,
    /// Check the network: exit 0 ok, 1 degraded, 2 error.
    Health,
    /// Retry failed copies and report what was fixed and what is still missing.
    Repair {
        /// How long to wait for retried copies, in seconds.
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        timeout: u64,
    },
    /// Check that each partner still holds every byte of its copies, asking
    /// each partner directly. Exit 0: every copy verified; 1: problems found
    /// (or a partner could not be asked).
    Audit(AuditArgs),
    /// Every file of an item with its size, as listed when it was added, and
    /// any file left out then; save one with `get CID --path PATH -o FILE`.
    Contents {
        #[arg(value_name = "CID")]
        cid: String,
    },
    /// What happened to the items (or to one): the preservation record that
    /// every member keeps, each writer's chain checked. Exit 1 when the record
    /// shows a removed or altered batch.
    History(HistoryArgs),
    /// An item's title and description after it is stored: `meta set CID
    /// KEY=VALUE...` changes them on every partner (each change goes into
    /// the preservation record), `meta show CID` shows them.
    Meta {
        #[command(subcommand)]
        action: MetaAction,
    },
    /// The network's policy, one set of rules every member follows: copies,
    /// sites, each node's free-space reserve, how removal works. `policy
    /// show` lists it; `policy set KEY=VALUE...` changes it for everyone and
    /// records the change in the preservation record.
    Policy {
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// Withdraw items: they stay stored on every partner until the policy's
    /// grace period ends, then the network removes them (with two-person
    /// removal on, once another member confirms). `--confirm` confirms
    /// another member's withdrawal; `keep CID` undoes one.
    Withdraw {
        #[arg(value_name = "CID", required = true)]
        cids: Vec<String>,
        /// Confirm another member's withdrawal (two-person removal).
        #[arg(long)]
        confirm: bool,
    },
    /// Undo a withdrawal: the item stays stored where it is.
    Keep {
        #[arg(value_name = "CID")]
        cid: String,
    },
    /// Every withdrawn item: who withdrew it, when, and when it is removed.
    Withdrawn,
    /// Bring every item within the network's policy: copies on enough
    /// partners and sites (and at every place keep-at names), moved away
    /// from partners that left or came back under a new identity, never onto
    /// a partner below its free-space reserve; names and metadata kept. Exit
    /// 0 nothing to do, 1 changed (or would change), 2 errors.
    Ensure {
        /// Only say what would change: a table of each partner's copies now
        /// and after.
        #[arg(long)]
        dry_run: bool,
    },
    /// The inventory: every stored item with its title, collection, size,
    /// who added it and when, its copies per partner, the last check of
    /// each copy and the last recorded event. CSV by default, `--json` for
    /// JSON; on standard output, or `--output FILE`.
    Report {
        /// Write CSV (the default; not with --json).
        #[arg(long)]
        csv: bool,
        /// Write to this file instead of standard output (made under a
        /// temporary name and renamed into place once complete).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace FILE if it already exists.
        #[arg(long, requires = "output")]
        force: bool,
    },
    /// For a node's operator, on the node's own computer: check (and repair)
    /// the node's stored blocks through its local kubo API.
    Node {
        #[command(subcommand)]
        action: NodeAction,
    },
    /// Recent adds and retrievals on this computer (also the app's); an
    /// interrupted one shows the command that starts it again.
    Jobs,
    /// Show the settings, or change one with `config set`.
    Config {
        #[command(subcommand)]
        action: Option<ConfigAction>,
    },
    /// Invite a partner: write their node file (as `clone` does) and print a
    /// checklist for them. `invite open FILE` opens a sealed invitation.
    Invite(InviteArgs),
    /// Join a network with an invitation for a person (a .ccsinvite file
    /// from `invite person` or the app, or its `ccs://join?…` link): its node becomes this computer's,
    /// the password kept in the keychain. The passphrase is asked for, or
    /// read from CCS_INVITE_PASSPHRASE.
    Join {
        #[arg(value_name = "FILE_OR_LINK")]
        file: PathBuf,
    },
    /// Watched folders: each new sub-folder (or file) that appears in a
    /// folder is stored once it is complete (unchanged for the settling time
    /// and no longer being written), once only, renames included. `watch
    /// add DIR` starts watching; `watch run` stores while it runs (headless,
    /// for a digitisation station); the app watches while it is open.
    Watch {
        #[command(subcommand)]
        action: WatchAction,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum WatchAction {
    /// Start watching a folder.
    Add {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// What becomes one item: each top-level sub-folder, or each file.
        #[arg(long, value_enum, default_value = "folder")]
        each: WatchEach,
        #[arg(long, default_value = "")]
        collection: String,
        #[arg(long, default_value = "")]
        description: String,
        /// How long an entry must stay unchanged before it is stored
        /// (30s, 5m, …).
        #[arg(long, value_name = "TIME", default_value = "30s", value_parser = parse_duration)]
        settle: std::time::Duration,
        /// The folder is on a network drive: look at it every few seconds
        /// (a share sends no change events; one the system recognises is
        /// polled anyway).
        #[arg(long)]
        poll: bool,
    },
    /// The watched folders and what each has stored.
    List,
    /// Stop watching a folder (what it stored stays stored).
    Remove {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Pause one folder, or every folder.
    Pause {
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Resume one folder, or every folder.
    Resume {
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Watch and store until Ctrl-C. With --once: store every entry as soon
    /// as it is complete, then stop (exit 1 when one could not be stored).
    Run {
        #[arg(long)]
        once: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum WatchEach {
    Folder,
    File,
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (write it as 30s, 5m or 1h)"))
}

#[derive(Debug, Subcommand)]
pub enum PolicyAction {
    /// Every setting, its value and what it means.
    Show,
    /// Change settings: copies-min=2, copies-target=3, min-sites=2,
    /// keep-at="Leeds, UK; Bristol Archives", reserve=5GB, removal-grace=30d,
    /// removal-confirmation=on, immediate-removal=off, offline-grace=7d,
    /// audit-interval=30d.
    Set {
        #[arg(value_name = "KEY=VALUE", required = true)]
        changes: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MetaAction {
    /// Set KEY=VALUE (an empty VALUE removes the key). Keys: title (the
    /// name in the library), collection, description, dc.creator, dc.date,
    /// dc.rights, dc.identifier (the accession number), or one of your own
    /// (letters, digits, '-', '_', '.'). What this program records itself
    /// (provenance, the fixity manifest, ccs-*) cannot be changed.
    Set {
        #[arg(value_name = "CID")]
        cid: String,
        #[arg(value_name = "KEY=VALUE", required = true)]
        changes: Vec<String>,
    },
    /// Show an item's title and metadata.
    Show {
        #[arg(value_name = "CID")]
        cid: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NodeAction {
    /// Re-hash every stored block and walk every stored item for missing
    /// blocks. Exit 0: all is well (or was repaired); 1: problems remain.
    Check {
        /// Remove damaged blocks and fetch them, and any missing ones, again
        /// from the other partners.
        #[arg(long)]
        repair: bool,
        /// The node's kubo API (it listens on loopback only).
        #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:5001")]
        ipfs_api: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Change a setting. Keys: default-node, nodes.NAME.cluster-api,
    /// nodes.NAME.gateway, nodes.NAME.username, nodes.NAME.password (the
    /// password goes to the OS keychain when one is available; without VALUE
    /// it is read from standard input), audits.interval-days (the app samples
    /// every copy at least this often; default 7), audits.max-rate (MB/s the
    /// app's audits may read; 0: no limit; default 2).
    Set {
        key: String,
        value: Option<String>,
        /// Keep the password in the settings file (mode 0600) instead of the keychain.
        #[arg(long)]
        in_file: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Files or folders; several are stored together in one folder.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Name shown in the library (default: the file or folder name).
    #[arg(long)]
    pub name: Option<String>,
    /// Minimum number of copies (-1: every partner; default: the network's).
    #[arg(long, allow_hyphen_values = true, value_name = "N")]
    pub replication_min: Option<i32>,
    /// Maximum number of copies (-1: every partner; default: the network's).
    #[arg(long, allow_hyphen_values = true, value_name = "N")]
    pub replication_max: Option<i32>,
    /// Extra description, KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Wait until the copies are made, showing each partner.
    #[arg(long)]
    pub wait: bool,
    /// Send the content to the chosen node only, and let the partners copy
    /// it from there afterwards: a faster upload, but until they have (see
    /// `ccs status`, or add --wait) that node holds the only copy.
    #[arg(long)]
    pub local: bool,
    /// Store a BagIt bag even if it does not check out (a folder holding a
    /// bagit.txt is checked completely before anything is sent, and refused
    /// with the list of what is wrong).
    #[arg(long)]
    pub force: bool,
    /// Store the files that can be read and leave out those that cannot
    /// (named in the item's fixity manifest and its history); without it,
    /// one unreadable file stops the add before anything is sent.
    #[arg(long)]
    pub skip_unreadable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    Name,
    Added,
    Size,
    Copies,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StateFilter {
    Ok,
    Pinning,
    UnderReplicated,
    Error,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only items in this state.
    #[arg(long, value_enum)]
    pub status: Option<StateFilter>,
    /// Only items whose name contains this text (any case).
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,
    /// Only items with fewer copies than their target.
    #[arg(long)]
    pub under_replicated: bool,
    /// Only items whose last audit found problems or could not reach a
    /// partner, or that were not verified within a week.
    #[arg(long)]
    pub needs_attention: bool,
    /// Sort (reads the whole list first); without it items stream as they come.
    #[arg(long, value_enum)]
    pub sort: Option<SortKey>,
    /// Reverse the sort order.
    #[arg(long, requires = "sort")]
    pub reverse: bool,
}

/// `invite`: like `clone`, plus a checklist and an optional sealed form.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InviteArgs {
    #[command(subcommand)]
    pub open: Option<InviteCommand>,
    /// An existing member's node file (the bootstrap's or a partner's).
    #[arg(long, short = 'i', value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Tailnet name of the member the partner joins through.
    #[arg(long, value_name = "HOST")]
    pub bootstrap_host: Option<String>,
    /// Where to write the partner's file.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Seal the file with a passphrase (age format), safe to send over any
    /// channel. The passphrase is asked for, or read from CCS_INVITE_PASSPHRASE.
    #[arg(long)]
    pub encrypt: bool,
    /// Also check that the bootstrap host resolves from this computer.
    #[arg(long)]
    pub check_host: bool,
    // The partner's organisation and site (not those of --input's node).
    #[command(flatten)]
    pub place: PlaceArgs,
}

/// Where a new node is: `create`, `clone` and `invite`.
#[derive(Debug, Clone, Args)]
pub struct PlaceArgs {
    /// The organisation that runs the new node, e.g. "Leeds Community
    /// Archive" (for clone and invite: the partner's).
    #[arg(long = "org", value_name = "NAME")]
    pub organisation: Option<String>,
    /// Where the new node stands, e.g. "Leeds, UK": a place with its own
    /// disaster risk (flood, fire, power cut). Copies of each item go to
    /// nodes at different sites first, so give nodes in one building the same
    /// site.
    #[arg(long, value_name = "PLACE")]
    pub site: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Open a sealed invitation and write the node file inside it.
    Open {
        /// The sealed invitation.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Where to write the node file (default: standard output).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Invite a colleague (a person, not a node): a sealed .ccsinvite file
    /// holding what their app needs to connect to the node you are connected
    /// to (its address, user name and password). They open it with the app's
    /// "Join with an invitation" or `ccs join FILE`. The passphrase is asked
    /// for, or read from CCS_INVITE_PASSPHRASE; tell it to them another way.
    Person {
        /// Where to write the invitation (e.g. ann.ccsinvite).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
        /// Whom it is for (shown to them when they join).
        #[arg(long = "for", value_name = "NAME")]
        for_person: Option<String>,
        /// Another member node to try when the first does not answer (a
        /// tailnet host name or address); repeat for more.
        #[arg(long = "node", value_name = "HOST")]
        more_nodes: Vec<String>,
        /// Replace FILE if it already exists.
        #[arg(long)]
        force: bool,
        /// Also print the invitation as a join link (`ccs://join?…`), to send
        /// instead of the file: one click opens it in the person's app, with
        /// the same passphrase.
        #[arg(long)]
        link: bool,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Content IDs of the items to audit.
    #[arg(value_name = "CID", required_unless_present = "all")]
    pub cids: Vec<String>,
    /// Every item on the network.
    #[arg(long, conflicts_with = "cids")]
    pub all: bool,
    /// Only this partner's copies (a name as `ccs peers` shows it).
    #[arg(long, value_name = "NAME")]
    pub partner: Option<String>,
    /// Every block, and every file against the checksums taken when it was
    /// added (the default for named items).
    #[arg(long, conflicts_with = "sample")]
    pub full: bool,
    /// N blocks of each copy, chosen at random anew on every run (the
    /// default with --all: 4).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub sample: Option<u32>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this item's events.
    #[arg(value_name = "CID")]
    pub cid: Option<String>,
    /// Only events of this kind.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub event_type: Option<HistoryType>,
    /// Only events about this partner.
    #[arg(long, value_name = "NAME")]
    pub partner: Option<String>,
    /// Only events by this person (user@host).
    #[arg(long, value_name = "WHO")]
    pub person: Option<String>,
    /// Write the item's whole history as a PREMIS 3 XML document (the
    /// preservation metadata standard archives exchange). Needs CID.
    #[arg(long, requires = "cid", conflicts_with_all = ["event_type", "partner", "person"])]
    pub premis: bool,
    /// With --premis: the file to write (default: standard output).
    #[arg(long, short = 'o', value_name = "FILE", requires = "premis")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it already exists.
    #[arg(long, requires = "output")]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum HistoryType {
    Ingestion,
    FixityCheck,
    Recovery,
    Dissemination,
    MetadataModification,
    Deletion,
    PolicyAssignment,
    Replication,
    Deaccession,
}

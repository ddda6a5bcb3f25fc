//! create, clone, config, completions.

use std::io::{IsTerminal, Write};
use std::path::Path;

use ccs_core::Error;
use ccs_core::deploy::place::Place;
use ccs_core::ops;
use ccs_core::ops::network::{Destination, InviteRequest};
use ccs_core::ops::session::{self, PasswordSource, Saved, Setting};
use clap::CommandFactory;

use crate::args::{Cli, ConfigAction, PlaceArgs};
use crate::context::{self, Context};
use crate::out;
use crate::{CliError, CliResult};

fn need_peername(peername: Option<&str>, command: &str) -> CliResult<String> {
    peername.map(str::to_string).ok_or_else(|| {
        CliError::Usage(format!(
            "`{command}` needs the new node's tailnet name: add --cluster-peername NAME."
        ))
    })
}

/// Writes a node file (it holds the network's secrets: mode 0600), or prints it.
fn write_compose(written: ops::network::Written) -> CliResult {
    match (written.path, written.text) {
        (Some(path), _) => {
            eprintln!(
                "Wrote {} for \"{}\". It contains the network's secrets: share it only over a private channel.",
                path.display(),
                written.peername
            );
            Ok(())
        }
        (None, text) => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.unwrap_or_default().as_bytes())
                .and_then(|_| stdout.flush())
                .map_err(|e| {
                    CliError::Core(Error::Write {
                        path: "standard output".into(),
                        source: e,
                    })
                })
        }
    }
}

fn destination(output: Option<&Path>) -> CliResult<Destination> {
    if let Some(o) = output {
        ccs_core::local::files::refuse_existing(o, false).map_err(|e| {
            super::already_exists(
                e,
                "Choose another --output, or move the old file away first.",
            )
        })?;
    }
    Ok(Destination {
        path: output.map(Path::to_path_buf),
        replace: false,
    })
}

/// `--org` and `--site` as a checked place (a bad name: invalid input).
pub(crate) fn place(args: &PlaceArgs) -> CliResult<Place> {
    Ok(Place::new(
        args.organisation.as_deref(),
        args.site.as_deref(),
    )?)
}

pub fn create(peername: Option<&str>, output: Option<&Path>, place_args: &PlaceArgs) -> CliResult {
    let name = need_peername(peername, "create")?;
    let place = place(place_args)?;
    let to = destination(output)?;
    write_compose(ops::network::create(&name, &place, &to)?)
}

pub fn clone(
    peername: Option<&str>,
    input: &Path,
    bootstrap_host: &str,
    output: Option<&Path>,
    place_args: &PlaceArgs,
) -> CliResult {
    let name = need_peername(peername, "clone")?;
    let place = place(place_args)?;
    let to = destination(output)?;
    let request = InviteRequest {
        network_file: input.to_path_buf(),
        partner: name,
        bootstrap_host: bootstrap_host.to_string(),
        passphrase: None,
        check_host: false,
        place,
    };
    write_compose(ops::network::invite(&request, &to)?.written)
}

pub fn completions(shell: clap_complete::Shell) -> CliResult {
    let mut cmd = Cli::command();
    let bin = std::env::args_os()
        .next()
        .and_then(|a| {
            Path::new(&a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "community-cloud-storage".into());
    clap_complete::generate(shell, &mut cmd, bin, &mut std::io::stdout());
    Ok(())
}

pub fn config(mut ctx: Context, action: Option<ConfigAction>) -> CliResult {
    match action {
        None => show(&ctx),
        Some(ConfigAction::Set {
            key,
            value,
            in_file,
        }) => set(&mut ctx, &key, value, in_file),
    }
}

fn show(ctx: &Context) -> CliResult {
    let view = session::view(&ctx.session);
    if ctx.json {
        out::print_json(&view);
        return Ok(());
    }
    println!(
        "Settings file: {}{}",
        view.config_file.display(),
        if view.exists {
            ""
        } else {
            " (not created yet)"
        }
    );
    println!(
        "Default node:  {}",
        view.default_node.as_deref().unwrap_or("(none)")
    );
    if view.nodes.is_empty() {
        println!("Nodes:         (none; names are used as tailnet hosts, http://NAME:9094)");
    }
    for n in view.nodes {
        println!("Node {}:", n.name);
        println!("  cluster-api  {}", n.cluster_api);
        println!("  gateway      {}", n.gateway.as_deref().unwrap_or("-"));
        println!("  username     {}", n.username.as_deref().unwrap_or("-"));
        let password = match n.password {
            PasswordSource::Environment => "environment",
            PasswordSource::File => "file",
            PasswordSource::Keychain => "keychain",
            PasswordSource::None => "none",
        };
        println!("  password     {password}");
    }
    let rate = match view.audits.max_mb_per_second {
        0 => "no limit".to_string(),
        n => format!("at most {n} MB/s"),
    };
    println!(
        "Audits:        the app samples every copy at least every {} day(s), {rate} (audits.interval-days, audits.max-rate)",
        view.audits.interval_days
    );
    Ok(())
}

fn read_secret() -> CliResult<String> {
    // On a terminal the password is typed without echo; piped, it is one line.
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ").map_err(|e| {
            CliError::Core(Error::Read {
                path: "the terminal".into(),
                source: e,
            })
        })?
    } else {
        out::prompt_line("")?
    };
    let pw = line;
    if pw.is_empty() {
        return Err(CliError::Usage(
            "No password was given. Type it after the command, or pipe it in.".into(),
        ));
    }
    Ok(pw)
}

fn set(ctx: &mut Context, key: &str, value: Option<String>, in_file: bool) -> CliResult {
    let unknown = || {
        CliError::Usage(format!(
            "\"{key}\" is not a setting. Use default-node, nodes.NAME.cluster-api, nodes.NAME.gateway, nodes.NAME.username, nodes.NAME.password, audits.interval-days or audits.max-rate."
        ))
    };
    let need_value = |v: Option<String>| {
        v.ok_or_else(|| CliError::Usage(format!("Give a value: `ccs config set {key} VALUE`.")))
    };
    let parts: Vec<&str> = key.split('.').collect();
    let (setting, value) = match parts.as_slice() {
        ["default-node"] => (Setting::DefaultNode, need_value(value)?),
        ["audits", "interval-days"] => (Setting::AuditIntervalDays, need_value(value)?),
        ["audits", "max-rate"] => (Setting::AuditMaxRate, need_value(value)?),
        ["nodes", name, field] => {
            let node = name.to_string();
            match *field {
                "cluster-api" => (Setting::ClusterApi { node }, need_value(value)?),
                "gateway" => (Setting::Gateway { node }, need_value(value)?),
                "username" => (Setting::Username { node }, need_value(value)?),
                "password" => {
                    let pw = match value {
                        Some(v) => v,
                        None => read_secret()?,
                    };
                    (Setting::Password { node, in_file }, pw)
                }
                _ => return Err(unknown()),
            }
        }
        _ => return Err(unknown()),
    };
    let node = match &setting {
        Setting::Password { node, .. } => node.clone(),
        _ => String::new(),
    };
    let message = match session::set(&mut ctx.session, setting, value)? {
        Saved::Keychain => format!(
            "Saved the password of {node} in the OS keychain (service \"{}\").",
            context::KEYCHAIN_SERVICE
        ),
        Saved::FileWithoutKeychain { why } => {
            eprintln!(
                "The OS keychain is not available ({why}); keeping the password in the settings file, readable only by you."
            );
            format!("Saved {key} in {}.", ctx.session.settings_path.display())
        }
        Saved::File => format!("Saved {key} in {}.", ctx.session.settings_path.display()),
    };
    if !ctx.json {
        eprintln!("{message}");
    }
    Ok(())
}

//! create, clone, config, completions.

use std::io::{IsTerminal, Write};
use std::path::Path;

use ccs_core::Error;
use ccs_core::local::settings::NodeProfile;
use ccs_core::ops;
use ccs_core::ops::network::{Destination, InviteRequest};
use clap::CommandFactory;

use crate::args::{Cli, ConfigAction};
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
        ops::refuse_existing(o, false).map_err(|e| {
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

pub fn create(peername: Option<&str>, output: Option<&Path>) -> CliResult {
    let name = need_peername(peername, "create")?;
    let to = destination(output)?;
    write_compose(ops::network::create(&name, &to)?)
}

pub fn clone(
    peername: Option<&str>,
    input: &Path,
    bootstrap_host: &str,
    output: Option<&Path>,
) -> CliResult {
    let name = need_peername(peername, "clone")?;
    let to = destination(output)?;
    let request = InviteRequest {
        network_file: input.to_path_buf(),
        partner: name,
        bootstrap_host: bootstrap_host.to_string(),
        passphrase: None,
        check_host: false,
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

#[derive(serde::Serialize)]
struct NodeView {
    name: String,
    cluster_api: String,
    gateway: Option<String>,
    username: Option<String>,
    /// "file", "keychain", "environment" or "none".
    password: &'static str,
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
    let env_pw = std::env::var_os("CCS_PASSWORD").is_some();
    let nodes: Vec<NodeView> = ctx
        .session
        .config
        .nodes
        .iter()
        .map(|(name, p)| NodeView {
            name: name.clone(),
            cluster_api: p.cluster_api.clone(),
            gateway: p.gateway.clone(),
            username: p.username.clone(),
            password: if env_pw {
                "environment"
            } else if p.password.is_some() {
                "file"
            } else if context::keychain_has(name) {
                "keychain"
            } else {
                "none"
            },
        })
        .collect();
    if ctx.json {
        out::print_json(&serde_json::json!({
            "config_file": ctx.session.settings_path,
            "exists": ctx.session.settings_path.exists(),
            "default_node": ctx.session.config.default_node,
            "nodes": nodes,
        }));
        return Ok(());
    }
    println!(
        "Settings file: {}{}",
        ctx.session.settings_path.display(),
        if ctx.session.settings_path.exists() {
            ""
        } else {
            " (not created yet)"
        }
    );
    println!(
        "Default node:  {}",
        ctx.session
            .config
            .default_node
            .as_deref()
            .unwrap_or("(none)")
    );
    if nodes.is_empty() {
        println!("Nodes:         (none; names are used as tailnet hosts, http://NAME:9094)");
    }
    for n in nodes {
        println!("Node {}:", n.name);
        println!("  cluster-api  {}", n.cluster_api);
        println!("  gateway      {}", n.gateway.as_deref().unwrap_or("-"));
        println!("  username     {}", n.username.as_deref().unwrap_or("-"));
        println!("  password     {}", n.password);
    }
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
    let parts: Vec<&str> = key.split('.').collect();
    let unknown = || {
        CliError::Usage(format!(
            "\"{key}\" is not a setting. Use default-node, or nodes.NAME.cluster-api, nodes.NAME.gateway, nodes.NAME.username or nodes.NAME.password."
        ))
    };
    let need_value = |v: Option<String>| {
        v.ok_or_else(|| CliError::Usage(format!("Give a value: `ccs config set {key} VALUE`.")))
    };
    let mut message = format!("Saved {key} in {}.", ctx.session.settings_path.display());
    match parts.as_slice() {
        ["default-node"] => ctx.session.config.default_node = Some(need_value(value)?),
        ["nodes", name, field] => {
            let name = name.to_string();
            let mut node = ctx
                .session
                .config
                .nodes
                .get(&name)
                .cloned()
                .unwrap_or_else(|| NodeProfile::from_host(&name));
            match *field {
                "cluster-api" => {
                    let v = need_value(value)?;
                    ccs_core::net::cluster::ClusterClient::new(&v, None)?;
                    node.cluster_api = v;
                }
                "gateway" => {
                    let v = need_value(value)?;
                    if !v.starts_with("http://") {
                        return Err(CliError::Core(Error::InvalidInput(format!(
                            "\"{v}\" must start with http:// (e.g. http://{name}:8080)."
                        ))));
                    }
                    node.gateway = Some(v);
                }
                "username" => node.username = Some(need_value(value)?),
                "password" => {
                    let pw = match value {
                        Some(v) => v,
                        None => read_secret()?,
                    };
                    let stored_in_keychain = if in_file {
                        false
                    } else {
                        match context::keychain_set(&name, &pw) {
                            Ok(()) => true,
                            Err(why) => {
                                eprintln!(
                                    "The OS keychain is not available ({why}); keeping the password in the settings file, readable only by you."
                                );
                                false
                            }
                        }
                    };
                    if stored_in_keychain {
                        node.password = None;
                        message = format!(
                            "Saved the password of {name} in the OS keychain (service \"{}\").",
                            context::KEYCHAIN_SERVICE
                        );
                    } else {
                        node.password = Some(pw);
                    }
                }
                _ => return Err(unknown()),
            }
            ctx.session.config.nodes.insert(name, node);
        }
        _ => return Err(unknown()),
    }
    ctx.session.config.save(&ctx.session.settings_path)?;
    if !ctx.json {
        eprintln!("{message}");
    }
    Ok(())
}

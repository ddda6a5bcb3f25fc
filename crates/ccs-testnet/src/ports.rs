//! Loopback ports for a testnet's daemons: picked below the ephemeral range and
//! claimed across processes, so testnets started at the same moment (by
//! parallel test binaries) are never handed the same port.

use std::path::Path;

use crate::{Result, TestnetError};

/// A port nothing listens on, for a daemon to bind a moment later. Three rules
/// keep two daemons from being handed the same port (seen in CI as "address
/// already in use"): a port is never handed out twice by this process (the
/// kernel's "any free port" can return the same one again once the probe is
/// closed); nor by two processes at once, which claim ports in a shared folder
/// (test binaries start several testnets at the same moment, and between the
/// probe and the daemon's bind the port looks free to each of them); and ports
/// come from below Linux's ephemeral range (32768-60999), so no outgoing
/// connection takes one between the probe and the bind.
pub(crate) fn free_port() -> Result<u16> {
    use std::hash::{BuildHasher, Hasher};
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    const RANGE: std::ops::Range<u32> = 20_000..32_000;
    let mut handed = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let seed = std::collections::hash_map::RandomState::new();
    let claims = std::env::temp_dir().join("ccs-testnet-ports");
    let _ = std::fs::create_dir_all(&claims);
    let mut last_err = None;
    for attempt in 0..2_000u32 {
        let mut h = seed.build_hasher();
        h.write_u32(attempt);
        h.write_u32(std::process::id());
        let port = (RANGE.start + (h.finish() % u64::from(RANGE.end - RANGE.start)) as u32) as u16;
        if handed.contains(&port) || !claim_port(&claims, port) {
            continue;
        }
        match std::net::TcpListener::bind(("127.0.0.1", port)) {
            Ok(_) => {
                handed.push(port);
                return Ok(port);
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(TestnetError::io(
        "find a free port",
        Path::new("127.0.0.1"),
        last_err.unwrap_or_else(|| std::io::Error::other("every port tried was taken")),
    ))
}

/// Claims `port` for this process in the shared folder: a file named after
/// the port holding our pid. A claim whose process has ended is taken over.
/// When the folder cannot be written, every port counts as unclaimed (the
/// probe still applies).
fn claim_port(claims: &Path, port: u16) -> bool {
    use std::io::Write;
    let file = claims.join(port.to_string());
    let me = std::process::id();
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file)
        {
            Ok(mut f) => {
                let _ = write!(f, "{me}");
                return true;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let owner = std::fs::read_to_string(&file).unwrap_or_default();
                match owner.trim().parse::<u32>() {
                    Ok(pid) if pid == me => return true,
                    Ok(pid) if Path::new(&format!("/proc/{pid}")).exists() => return false,
                    // Its process has ended, or it is being written right now:
                    // only take over a claim that parses and is dead.
                    Ok(_) => {
                        let _ = std::fs::remove_file(&file);
                    }
                    Err(_) => return false,
                }
            }
            Err(_) => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_claimed_by_a_live_process_is_refused_and_a_dead_ones_taken_over() {
        let claims = tempfile::tempdir().unwrap();
        // pid 1 lives as long as the machine does.
        std::fs::write(claims.path().join("21000"), "1").unwrap();
        assert!(!claim_port(claims.path(), 21000));

        let mut ended = std::process::Command::new("true").spawn().unwrap();
        let dead = ended.id();
        ended.wait().unwrap();
        std::fs::write(claims.path().join("21001"), dead.to_string()).unwrap();
        assert!(claim_port(claims.path(), 21001));
        let owner = std::fs::read_to_string(claims.path().join("21001")).unwrap();
        assert_eq!(owner, std::process::id().to_string());

        // A fresh port is claimed once; our own claim stays ours.
        assert!(claim_port(claims.path(), 21002));
        assert!(claim_port(claims.path(), 21002));
        // A claim being written (empty for a moment) is left alone.
        std::fs::write(claims.path().join("21003"), "").unwrap();
        assert!(!claim_port(claims.path(), 21003));
    }
}

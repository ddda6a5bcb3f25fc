//! The OS keychain (macOS Keychain, Windows Credential Manager, the Secret
//! Service on Linux), shared by the command line and the app so both find one
//! saved password: service `community-cloud-storage`, account = node name.
//! `CCS_NO_KEYCHAIN=1` turns it off (then passwords stay in the 0600
//! settings file).

/// The keychain service every password is saved under.
pub const SERVICE: &str = "community-cloud-storage";

/// Whether `CCS_NO_KEYCHAIN` turns the keychain off.
pub fn disabled() -> bool {
    std::env::var("CCS_NO_KEYCHAIN").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Runs a keychain call on its own thread: the clients block, and some start
/// their own async runtime, which must not run on an async worker.
fn off_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    std::thread::spawn(f).join().ok()
}

/// The password stored for `node`, if any (`None` when there is no keychain).
pub fn get(node: &str) -> Option<String> {
    if disabled() {
        return None;
    }
    let node = node.to_string();
    off_thread(move || {
        keyring::Entry::new(SERVICE, &node)
            .and_then(|e| e.get_password())
            .ok()
    })
    .flatten()
}

/// Stores `password` for `node`. `Err` says why not, in words for a person
/// ("CCS_NO_KEYCHAIN is set", "no Secret Service is running", ...).
pub fn set(node: &str, password: &str) -> Result<(), String> {
    if disabled() {
        return Err("CCS_NO_KEYCHAIN is set".into());
    }
    let (node, password) = (node.to_string(), password.to_string());
    off_thread(move || {
        keyring::Entry::new(SERVICE, &node)
            .and_then(|e| e.set_password(&password))
            .map_err(|e| e.to_string())
    })
    .unwrap_or_else(|| Err("the keychain client failed".to_string()))
}

/// Whether a password for `node` is in the keychain.
pub fn has(node: &str) -> bool {
    get(node).is_some()
}

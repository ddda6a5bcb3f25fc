//! Inviting a partner: the partner's node file (a `clone`), a checklist for
//! the person who installs it, and optionally a passphrase-sealed form of the
//! file (age format, scrypt) that is safe to send over any channel.

use std::net::ToSocketAddrs;

use age::secrecy::SecretString;

use crate::deploy::compose::{CLUSTER_API_PORT, NodeFile};
use crate::error::{Error, Result};

/// The first line of an armored age file.
const ARMOR_BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";

/// Shortest passphrase accepted for sealing: scrypt slows guessing, but a
/// short phrase is still guessable offline.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Seals a node file (or an invitation for a person) with a passphrase. The
/// result is ASCII (armored age).
pub fn seal(text: &str, passphrase: &str) -> Result<String> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::InvalidInput(format!(
            "The passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} characters, for example four unrelated words."
        )));
    }
    let recipient = age::scrypt::Recipient::new(SecretString::from(passphrase.to_owned()));
    age::encrypt_and_armor(&recipient, text.as_bytes())
        .map_err(|e| Error::InvalidInput(format!("The invitation could not be sealed ({e}); try again, or send the file without --encrypt over a private channel.")))
}

/// True when `bytes` look like a sealed invitation.
pub fn is_sealed(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    bytes[start..].starts_with(ARMOR_BEGIN.as_bytes())
}

/// Opens a sealed invitation. A wrong passphrase is [`Error::WrongPassphrase`];
/// anything that is not a sealed invitation says so.
pub fn open(sealed: &[u8], passphrase: &str) -> Result<String> {
    let text = open_text(sealed, passphrase)?;
    // It must be a node file of ours, not just any sealed text.
    NodeFile::parse(&text)?;
    Ok(text)
}

/// Opens sealed text (a node file or an invitation for a person); the
/// caller checks what it holds.
pub fn open_text(sealed: &[u8], passphrase: &str) -> Result<String> {
    if !is_sealed(sealed) {
        return Err(Error::InvalidInput(
            "This file is not a sealed invitation; if it is a plain node file, use it as it is."
                .into(),
        ));
    }
    let identity = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
    let plain = age::decrypt(&identity, sealed).map_err(|e| match e {
        age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
            Error::WrongPassphrase
        }
        _ => Error::InvalidInput(
            "The invitation file is damaged or incomplete; ask the sender to send it again.".into(),
        ),
    })?;
    String::from_utf8(plain).map_err(|_| {
        Error::InvalidInput(
            "The invitation does not hold what this program writes; ask the sender to send it again.".into(),
        )
    })
}

/// Checks that `host` resolves from this machine, as the partner's node will
/// need it to. Fails when this machine is not on the tailnet either, hence
/// optional at the call site.
pub fn check_host_resolves(host: &str) -> Result<()> {
    let found = (host, CLUSTER_API_PORT)
        .to_socket_addrs()
        .map(|mut addrs| addrs.next().is_some())
        .unwrap_or(false);
    if found {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "The bootstrap host \"{host}\" cannot be found from this computer: check the name in your tailnet's machine list (or skip this check if this computer is not on the tailnet)."
        )))
    }
}

/// What the person installing the partner's node should do, in plain steps.
pub fn checklist(partner: &NodeFile, file_name: &str, sealed: bool) -> String {
    let bootstrap = partner
        .bootstrap
        .as_ref()
        .map(|b| b.host.as_str())
        .unwrap_or("the bootstrap node");
    let name = &partner.peername;
    let open_step = if sealed {
        format!(
            "   The file is sealed: open it with `community-cloud-storage invite open {file_name} --output compose.yml`\n   and the passphrase the sender gives you by phone or in person (never in the same message).\n"
        )
    } else {
        String::new()
    };
    let place = &partner.place;
    let place_line = if place.is_empty() {
        String::new()
    } else {
        let or_unset = |v: &Option<String>| {
            v.as_deref()
                .map_or_else(|| "not set".to_string(), |v| format!("\"{v}\""))
        };
        format!(
            "Organisation {}, site {}.\n",
            or_unset(&place.organisation),
            or_unset(&place.site)
        )
    };
    format!(
        "Invitation for \"{name}\"\n\
         {place_line}\
         \n\
         DANGER: {file_name} holds the secret keys of the whole community network. Send it only\n\
         over an end-to-end encrypted channel such as Signal, and delete the message once installed.\n\
         \n\
         For the partner who installs it:\n\
         1. Put the machine on the tailnet and name it \"{name}\" (Tailscale or Headscale admin page).\n\
            It must be able to reach \"{bootstrap}\" on the tailnet.\n\
         2. Save the file you received as compose.yml.\n\
         {open_step}\
         3. With Docker: in the folder with compose.yml, run `docker compose up -d`.\n\
            With a QNAP NAS: open Container Station > Applications > Create, name the application\n\
            community-cloud-storage, paste the contents of compose.yml and click Create. Check under\n\
            Containers that two containers run (ipfs and ipfs-cluster).\n\
         4. Check that the node joined (after about a minute): on any member's computer run\n\
            `community-cloud-storage peers`, or open the app's Partners screen; \"{name}\" is listed\n\
            as online. On the node itself, `docker compose logs ipfs-cluster` shows the peers it sees.\n\
         5. Delete the message that carried the file.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_invitation_opens_only_with_its_passphrase() {
        let text = NodeFile::create("bootstrap")
            .unwrap()
            .clone_for("acme", "bootstrap")
            .unwrap()
            .render();
        let sealed = seal(&text, "correct horse battery staple").unwrap();
        assert!(is_sealed(sealed.as_bytes()));
        assert!(!sealed.contains("CLUSTER_SECRET"));
        assert_eq!(
            open(sealed.as_bytes(), "correct horse battery staple").unwrap(),
            text
        );
        let wrong = open(sealed.as_bytes(), "wrong horse battery staple").unwrap_err();
        assert_eq!(wrong.code(), "wrong_passphrase");
        let truncated = &sealed.as_bytes()[..sealed.len() / 2];
        assert_eq!(
            open(truncated, "correct horse battery staple")
                .unwrap_err()
                .code(),
            "invalid_input"
        );
        assert_eq!(
            open(text.as_bytes(), "x").unwrap_err().code(),
            "invalid_input"
        );
        assert!(seal(&text, "short").is_err());
    }

    #[test]
    fn checklist_names_the_partner_and_the_danger() {
        let acme = NodeFile::create("bootstrap")
            .unwrap()
            .clone_for("acme", "bootstrap")
            .unwrap();
        let c = checklist(&acme, "acme.yml", true);
        assert!(c.contains("DANGER") && c.contains("\"acme\"") && c.contains("QNAP"));
        assert!(!c.contains("Organisation"));
        let mut bristol = acme.clone();
        bristol.place = crate::deploy::place::Place::new(None, Some("Bristol, UK")).unwrap();
        let with_place = checklist(&bristol, "acme.yml", false);
        assert!(
            with_place.contains("Organisation not set, site \"Bristol, UK\"."),
            "{with_place}"
        );
        assert!(c.contains("invite open acme.yml"));
        assert!(check_host_resolves("localhost").is_ok());
        assert!(check_host_resolves("no-such-host.invalid").is_err());
    }
}

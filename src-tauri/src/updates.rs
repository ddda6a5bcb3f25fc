//! Updates of the app itself: a release announced by a static `latest.json`
//! (the release workflow writes it beside the bundles), checked and
//! installed through tauri-plugin-updater.
//!
//! The plugin checks every download against the public key compiled into
//! the app (tauri.conf.json › `plugins.updater.pubkey`) and, with
//! `requireSignedVersion`, that the signature was made for the version the
//! JSON announces: the JSON itself is not signed, so without that an old,
//! genuinely signed release could be offered as a new one. Nothing is
//! installed unless both hold. The key pair and the signing steps are in
//! the README ("Signed updates").

use serde::Serialize;
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::{Error as UpdaterError, Update, UpdaterExt};

use crate::dto::{AppError, AppResult};
use ccs_core::ErrorCode;

/// A newer version of the app, ready to be installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct UpdateOffer {
    /// The version on offer (`0.2.0`).
    pub version: String,
    /// The version running now.
    pub current_version: String,
    /// What is new, as the release's notes say it.
    pub notes: Option<String>,
    /// When it was published (RFC 3339), when the release says.
    pub published: Option<String>,
}

/// How far installing an update has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum UpdateProgress {
    /// Bytes of the update received so far, of `total` when the server says.
    Downloading {
        #[ts(type = "number")]
        received: u64,
        #[ts(type = "number | null")]
        total: Option<u64>,
    },
    /// Downloaded and its signature checked; being installed.
    Installing,
}

/// Test-only seam (debug builds only): the update description is read from
/// this address instead of the release's. The public key stays the one
/// compiled in, so an update signed with any other key is still refused.
pub const TEST_ENDPOINT_ENV: &str = "CCS_TEST_UPDATE_ENDPOINT";

/// The release on offer, if it is newer than this app; `None` when this is
/// the newest version.
pub async fn check<R: Runtime>(app: &AppHandle<R>) -> AppResult<Option<Update>> {
    let mut builder = app.updater_builder();
    #[cfg(debug_assertions)]
    if let Some(endpoint) = std::env::var_os(TEST_ENDPOINT_ENV) {
        let url = endpoint.to_string_lossy().parse().map_err(|_| {
            AppError::new(ErrorCode::Config, "The test update address is not a URL.")
        })?;
        builder = builder.endpoints(vec![url]).map_err(refused)?;
    }
    builder
        .build()
        .map_err(refused)?
        .check()
        .await
        .map_err(refused)
}

/// What the page shows of `update`.
pub fn offer(update: &Update) -> UpdateOffer {
    UpdateOffer {
        version: update.version.clone(),
        current_version: update.current_version.clone(),
        notes: update.body.clone().filter(|n| !n.trim().is_empty()),
        published: update
            .raw_json
            .get("pub_date")
            .and_then(|d| d.as_str())
            .map(String::from),
    }
}

/// Downloads `update` and checks its signature; the bytes only when it is
/// signed with the app's key, for the version announced.
pub async fn download_verified(
    update: &Update,
    mut progress: impl FnMut(UpdateProgress),
) -> AppResult<Vec<u8>> {
    let mut received = 0u64;
    update
        .download(
            |chunk, total| {
                received += chunk as u64;
                progress(UpdateProgress::Downloading { received, total });
            },
            || {},
        )
        .await
        .map_err(refused)
}

/// The updater's error as one sentence for the person, saying what to do.
pub fn refused(e: UpdaterError) -> AppError {
    let not_a_release = || {
        (
            ErrorCode::BadResponse,
            "The update server's answer does not describe a release. Try again later.".to_string(),
        )
    };
    let (code, message) = match &e {
        UpdaterError::Minisign(_)
        | UpdaterError::Base64(_)
        | UpdaterError::SignatureUtf8(_)
        | UpdaterError::SignedVersionMismatch { .. }
        | UpdaterError::MissingSignedVersion => (
            ErrorCode::VerificationFailed,
            "The downloaded update is not signed by the app's publishers, so it was not installed. Your app is unchanged; tell your network's administrator.".to_string(),
        ),
        UpdaterError::Reqwest(r) if r.is_decode() => not_a_release(),
        UpdaterError::Reqwest(r) if r.is_timeout() => (
            ErrorCode::TimedOut,
            "The update server did not answer in time. Check the internet connection and try again.".to_string(),
        ),
        UpdaterError::Reqwest(_) | UpdaterError::Network(_) => (
            ErrorCode::Unreachable,
            format!(
                "The update server could not be reached ({}). Check the internet connection and try again.",
                first_line(&e)
            ),
        ),
        UpdaterError::ReleaseNotFound | UpdaterError::Serialization(_) | UpdaterError::Semver(_) => {
            not_a_release()
        }
        UpdaterError::TargetNotFound(_) | UpdaterError::TargetsNotFound(_) => (
            ErrorCode::Unavailable,
            "The newest release has no update for this kind of computer. Install new versions the way you installed this one.".to_string(),
        ),
        UpdaterError::AuthenticationFailed => (
            ErrorCode::Cancelled,
            "Installing the update needs an administrator's password, and none was given. Your app is unchanged.".to_string(),
        ),
        UpdaterError::EmptyEndpoints
        | UpdaterError::InsecureTransportProtocol
        | UpdaterError::UrlParse(_)
        | UpdaterError::UnsupportedArch
        | UpdaterError::UnsupportedOs => (
            ErrorCode::Config,
            format!(
                "This copy of the app cannot look for updates ({}). Download new versions from the release page.",
                first_line(&e)
            ),
        ),
        _ => (
            ErrorCode::Unavailable,
            format!(
                "The update could not be installed ({}). Download the new version from the release page and install it by hand.",
                first_line(&e)
            ),
        ),
    };
    AppError::new(code, message)
}

fn first_line(e: &UpdaterError) -> String {
    let text = e.to_string();
    text.lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_string()
}

#[cfg(test)]
mod tests {
    //! The update check against a local static server, with a key pair made
    //! for the test: what the app offers, what it refuses.

    use super::*;
    use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// A key pair in the form the Tauri CLI writes: base64 of minisign's
    /// text boxes.
    struct TestKey {
        public: String,
        secret: minisign::SecretKey,
        public_key: minisign::PublicKey,
    }

    fn b64(text: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    fn test_key() -> TestKey {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        TestKey {
            public: b64(&pair.pk.to_box().unwrap().to_string()),
            secret: pair.sk,
            public_key: pair.pk,
        }
    }

    /// What `tauri signer sign` writes for `data` signed for `version`: the
    /// version in the trusted comment, which the signature covers.
    fn sign(key: &TestKey, data: &[u8], version: &str) -> String {
        let trusted = format!("timestamp:1764720000\tfile:app.tar.gz\tversion:{version}");
        let signature = minisign::sign(
            Some(&key.public_key),
            &key.secret,
            std::io::Cursor::new(data),
            Some(&trusted),
            Some("signature from tauri secret key"),
        )
        .unwrap();
        b64(&signature.to_string())
    }

    /// The app (version 0.1.0) with the updater trusting `pubkey`.
    fn app(pubkey: &str) -> tauri::App<MockRuntime> {
        let mut context = mock_context(noop_assets());
        context.config_mut().version = Some("0.1.0".into());
        context.config_mut().plugins.0.insert(
            "updater".into(),
            serde_json::json!({
                "pubkey": pubkey,
                "endpoints": ["https://example.invalid/latest.json"],
                "requireSignedVersion": true,
            }),
        );
        mock_builder()
            .plugin(tauri_plugin_updater::Builder::new().build())
            .build(context)
            .unwrap()
    }

    /// Serves `latest.json` announcing `version`, and the artifact `served`
    /// with `signature`, as the release workflow's static files are.
    async fn release(version: &str, served: &[u8], signature: &str) -> MockServer {
        let server = MockServer::start().await;
        let target = tauri_plugin_updater::target().unwrap();
        let manifest = serde_json::json!({
            "version": version,
            "notes": "Checks of the copies run faster.",
            "pub_date": "2026-12-01T10:00:00Z",
            "platforms": {
                target: {
                    "url": format!("{}/app.tar.gz", server.uri()),
                    "signature": signature,
                }
            }
        });
        Mock::given(method("GET"))
            .and(path("/latest.json"))
            .respond_with(ResponseTemplate::new(200).set_body_json(manifest))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/app.tar.gz"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(served.to_vec()))
            .mount(&server)
            .await;
        server
    }

    async fn checked(
        app: &tauri::App<MockRuntime>,
        server: &MockServer,
    ) -> AppResult<Option<Update>> {
        let url = format!("{}/latest.json", server.uri()).parse().unwrap();
        app.updater_builder()
            .endpoints(vec![url])
            .map_err(refused)?
            .build()
            .map_err(refused)?
            .check()
            .await
            .map_err(refused)
    }

    const ARTIFACT: &[u8] = b"the new app, packed";

    #[tokio::test]
    async fn a_newer_release_signed_with_the_apps_key_is_offered_and_downloads_verified() {
        let key = test_key();
        let server = release("0.2.0", ARTIFACT, &sign(&key, ARTIFACT, "0.2.0")).await;
        let app = app(&key.public);
        let update = checked(&app, &server)
            .await
            .unwrap()
            .expect("an update is offered");
        assert_eq!(
            offer(&update),
            UpdateOffer {
                version: "0.2.0".into(),
                current_version: "0.1.0".into(),
                notes: Some("Checks of the copies run faster.".into()),
                published: Some("2026-12-01T10:00:00Z".into()),
            }
        );
        let mut seen = Vec::new();
        let bytes = download_verified(&update, |p| seen.push(p)).await.unwrap();
        assert_eq!(bytes, ARTIFACT);
        assert_eq!(
            seen.last(),
            Some(&UpdateProgress::Downloading {
                received: ARTIFACT.len() as u64,
                total: Some(ARTIFACT.len() as u64)
            })
        );
    }

    #[tokio::test]
    async fn a_changed_artifact_is_refused() {
        let key = test_key();
        let tampered = b"the new app, packed, and something else";
        let server = release("0.2.0", tampered, &sign(&key, ARTIFACT, "0.2.0")).await;
        let app = app(&key.public);
        let update = checked(&app, &server).await.unwrap().unwrap();
        let e = download_verified(&update, |_| {}).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::VerificationFailed);
        assert!(
            e.message.contains("not signed by the app's publishers"),
            "{}",
            e.message
        );
    }

    #[tokio::test]
    async fn an_artifact_signed_with_another_key_is_refused() {
        let (ours, theirs) = (test_key(), test_key());
        let server = release("0.2.0", ARTIFACT, &sign(&theirs, ARTIFACT, "0.2.0")).await;
        let app = app(&ours.public);
        let update = checked(&app, &server).await.unwrap().unwrap();
        let e = download_verified(&update, |_| {}).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::VerificationFailed);
    }

    #[tokio::test]
    async fn an_old_release_announced_as_new_is_refused() {
        // A genuine 0.1.5 artifact and signature, announced as 0.3.0: the
        // JSON is not signed, the version in the signature is.
        let key = test_key();
        let server = release("0.3.0", ARTIFACT, &sign(&key, ARTIFACT, "0.1.5")).await;
        let app = app(&key.public);
        let update = checked(&app, &server).await.unwrap().unwrap();
        let e = download_verified(&update, |_| {}).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::VerificationFailed);
    }

    #[tokio::test]
    async fn the_same_or_an_older_version_is_not_offered() {
        let key = test_key();
        for version in ["0.1.0", "0.0.9"] {
            let server = release(version, ARTIFACT, &sign(&key, ARTIFACT, version)).await;
            let app = app(&key.public);
            assert!(checked(&app, &server).await.unwrap().is_none(), "{version}");
        }
    }

    #[tokio::test]
    async fn a_server_that_answers_something_else_is_one_sentence() {
        let key = test_key();
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
            .mount(&server)
            .await;
        let app = app(&key.public);
        let e = checked(&app, &server)
            .await
            .map(|u| u.as_ref().map(offer))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::BadResponse, "{}", e.message);

        let gone = format!("http://{}/latest.json", closed_port());
        let e = app
            .updater_builder()
            .endpoints(vec![gone.parse().unwrap()])
            .unwrap()
            .build()
            .unwrap()
            .check()
            .await
            .map_err(refused)
            .map(|u| u.as_ref().map(offer))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Unreachable, "{}", e.message);
        assert!(e.message.ends_with("try again."), "{}", e.message);
    }

    fn closed_port() -> std::net::SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    }

    /// The shipped configuration: the updater trusts the project's key,
    /// asks the release's static JSON over https, and requires the version
    /// in the signature.
    #[test]
    fn the_shipped_configuration_is_a_signed_https_release_feed() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        let updater = &conf["plugins"]["updater"];
        let config: tauri_plugin_updater::Config = serde_json::from_value(updater.clone()).unwrap();
        let public = {
            use base64::Engine;
            let text = base64::engine::general_purpose::STANDARD
                .decode(&config.pubkey)
                .unwrap();
            String::from_utf8(text).unwrap()
        };
        minisign::PublicKeyBox::from_string(&public)
            .unwrap()
            .into_public_key()
            .expect("the pubkey is a minisign public key");
        assert!(config.require_signed_version);
        assert!(!config.dangerous_insecure_transport_protocol);
        assert_eq!(config.endpoints.len(), 1);
        let endpoint = &config.endpoints[0];
        assert_eq!(endpoint.scheme(), "https");
        let repository = env!("CARGO_PKG_REPOSITORY");
        assert_eq!(
            endpoint.as_str(),
            format!("{repository}/releases/latest/download/latest.json")
        );
        assert_eq!(
            conf["bundle"]["createUpdaterArtifacts"],
            serde_json::Value::Bool(false)
        );
        // The updater compares releases with the configuration's version;
        // Settings shows the crate's: they must be one.
        assert_eq!(conf["version"], env!("CARGO_PKG_VERSION"));
    }

    /// The release workflow makes what the shipped configuration asks for:
    /// signed artifacts and latest.json, and stops when the key is missing.
    #[test]
    fn the_release_workflow_signs_updates_and_publishes_the_feed() {
        let workflow = include_str!("../../.github/workflows/release.yml");
        for needed in [
            "conf.bundle.createUpdaterArtifacts = true",
            "TAURI_SIGNING_PRIVATE_KEY: ${{ secrets.TAURI_SIGNING_PRIVATE_KEY }}",
            "TAURI_SIGNING_PRIVATE_KEY_PASSWORD: ${{ secrets.TAURI_SIGNING_PRIVATE_KEY_PASSWORD }}",
            "includeUpdaterJson: true",
            "if [ -z \"$TAURI_SIGNING_PRIVATE_KEY\" ]; then",
        ] {
            assert!(workflow.contains(needed), "release.yml lacks {needed}");
        }
    }
}

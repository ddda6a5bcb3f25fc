//! `net::http`: credentials never shown, transport failures mapped to errors a
//! person can act on.

use std::time::Duration;

use super::support::{PASSWORD, Replay, USER, credentials, recording, refused_url};
use crate::error::Error;
use crate::net::cluster::ClusterClient;
use crate::net::http::{build_client, transport_error};
use crate::net::kubo::KuboClient;

#[test]
fn debug_shows_the_user_name_but_never_the_password() {
    let c = credentials();
    let shown = format!("{c:?} {c:#?}");
    assert!(shown.contains(USER), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");

    let client = ClusterClient::new("http://127.0.0.1:9094", Some(c)).unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("http://127.0.0.1:9094"), "{shown}");
}

#[tokio::test]
async fn a_refused_connection_is_unreachable_for_both_clients() {
    let url = refused_url().await;

    let cluster = ClusterClient::new(&url, Some(credentials())).unwrap();
    let err = cluster.id().await.unwrap_err();
    match &err {
        Error::Unreachable { url: u, detail } => {
            assert_eq!(u, &url);
            assert!(
                detail.to_ascii_lowercase().contains("refused"),
                "detail: {detail}"
            );
            // std's "(os error 111)" suffix is cut.
            assert!(!detail.contains("os error"), "detail: {detail}");
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert_eq!(err.code().to_string(), "unreachable");
    assert!(!err.to_string().contains(PASSWORD));

    let kubo = KuboClient::new(Some(&url), Some(&url));
    let err = kubo.gateway_version().await.unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    let err = kubo.id().await.unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
}

#[tokio::test]
async fn a_node_that_accepts_but_never_answers_is_timed_out() {
    // Accept the connection, read nothing, answer nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/id", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(sock);
    });
    let err = build_client()
        .get(&url)
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    let mapped = transport_error("http://node:9094", err);
    assert!(
        matches!(&mapped, Error::TimedOut { url } if url == "http://node:9094"),
        "{mapped:?}"
    );
    assert_eq!(mapped.code().to_string(), "timed_out");
    hold.abort();
}

#[tokio::test]
async fn an_answer_cut_short_or_missing_is_interrupted() {
    // The recorded `/id` answer, its Content-Length kept, its body cut in half
    // and the connection closed.
    let rec = recording("cluster_id.http");
    assert!(
        rec.header("Content-Length").is_some(),
        "recorded with a length"
    );
    let cut = rec.wire.len() - rec.body.len() / 2;
    let server = Replay::start(vec![rec.wire[..cut].to_vec()]).await;
    let client = ClusterClient::new(&server.url, Some(credentials())).unwrap();
    let err = client.id().await.unwrap_err();
    assert!(
        matches!(&err, Error::Interrupted { url, .. } if url == &server.url),
        "{err:?}"
    );
    assert_eq!(err.code().to_string(), "interrupted");

    // A connection closed before any answer.
    let server = Replay::start(vec![Vec::new()]).await;
    let client = ClusterClient::new(&server.url, None).unwrap();
    let err = client.version().await.unwrap_err();
    assert!(matches!(err, Error::Interrupted { .. }), "{err:?}");
}

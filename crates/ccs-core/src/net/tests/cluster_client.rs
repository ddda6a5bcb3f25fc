//! `ClusterClient` (and its models) against IPFS Cluster 1.1.6's recorded answers.

use wiremock::matchers::{basic_auth, method, path, query_param};
use wiremock::{Mock, MockServer};

use super::support::{PASSWORD, Recording, Replay, basic_auth_value, credentials, fact, recording};
use crate::error::Error;
use crate::net::cluster::{
    AddOptions, AddTally, AddedOutput, ClusterClient, PinMode, PinOptions, TrackerStatus,
};

/// A wiremock server answering `verb path` (with the test credentials) with a recording.
async fn serve(verb: &str, route: &str, rec: &Recording) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(route))
        .and(basic_auth(super::support::USER, PASSWORD))
        .respond_with(rec.template())
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn client(url: &str) -> ClusterClient {
    ClusterClient::new(url, Some(credentials())).unwrap()
}

fn peer_ids() -> Vec<String> {
    let mut ids: Vec<String> = (1..=3)
        .map(|i| fact(&format!("peer{i}_cluster_id")))
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn id_reads_the_peer_its_peers_and_its_kubo_with_basic_auth() {
    let server = serve("GET", "/id", &recording("cluster_id.http")).await;
    let id = client(&server.uri()).id().await.unwrap();

    assert_eq!(id.id, fact("peer1_cluster_id"));
    assert_eq!(id.peername, "peer1");
    assert_eq!(id.version, "1.1.6");
    assert_eq!(id.rpc_protocol_version, "/ipfscluster/1.0/rpc");
    let mut seen = id.cluster_peers.clone();
    seen.sort();
    assert_eq!(seen, peer_ids());
    assert_eq!(id.cluster_peers_addresses.len(), 2, "the other two peers");
    assert_eq!(id.ipfs.id, fact("peer1_ipfs_id"));
    assert!(id.ipfs.error.is_empty() && id.error.is_empty());
    assert!(id.addresses[0].ends_with(&format!("/p2p/{}", id.id)));

    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].headers.get("authorization").unwrap(),
        basic_auth_value().as_str()
    );

    // A peer whose kubo is down: the cluster writes `"addresses":null`.
    let rec = recording("cluster_id_kubo_down.http");
    assert!(rec.body_str().contains(r#""addresses":null"#));
    let server = serve("GET", "/id", &rec).await;
    let id = client(&server.uri()).id().await.unwrap();
    assert!(id.ipfs.addresses.is_empty());
    assert!(id.ipfs.id.is_empty());
    assert!(
        id.ipfs.error.contains("connection refused"),
        "{}",
        id.ipfs.error
    );
    // Peer 3 was stopped: two peers left.
    assert_eq!(id.cluster_peers.len(), 2);
}

#[tokio::test]
async fn version_is_the_pinned_release() {
    let server = serve("GET", "/version", &recording("cluster_version.http")).await;
    let v = client(&server.uri()).version().await.unwrap();
    assert_eq!(
        format!("v{}", v.version),
        crate::deploy::versions::IPFS_CLUSTER.version
    );
}

#[tokio::test]
async fn peers_stream_frame_by_frame_through_the_empty_trailer() {
    let rec = recording("cluster_peers.http");
    assert_eq!(rec.header("Trailer"), Some("X-Stream-Error"));
    assert_eq!(rec.trailer("X-Stream-Error"), Some(""));
    let server = Replay::start(vec![rec.wire.clone()]).await;
    let mut stream = client(&server.url).peers().await.unwrap();
    let mut ids = Vec::new();
    while let Some(peer) = stream.next().await {
        let peer = peer.unwrap();
        assert_eq!(peer.version, "1.1.6");
        assert_eq!(peer.cluster_peers.len(), 3, "{}", peer.peername);
        ids.push(peer.id);
    }
    ids.sort();
    assert_eq!(ids, peer_ids());
    assert!(stream.next().await.is_none(), "stays ended");

    let request = &server.requests()[0];
    assert!(request.starts_with("GET /peers HTTP/1.1\r\n"), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains(&format!("authorization: {}", basic_auth_value()).to_ascii_lowercase()),
        "{request}"
    );
}

#[tokio::test]
async fn allocations_stream_the_pinset_null_lists_as_empty_and_204_as_none() {
    let rec = recording("cluster_allocations.http");
    assert!(rec.body_str().contains(r#""user_allocations":null"#));
    assert!(rec.body_str().contains(r#""metadata":null"#));
    let server = Replay::start(vec![rec.wire.clone()]).await;
    let pins = client(&server.url)
        .allocations()
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap();
    assert_eq!(pins.len(), 2);
    let file = pins.iter().find(|p| p.cid == fact("file_cid")).unwrap();
    assert_eq!(file.name, "hello.txt");
    assert_eq!(
        file.metadata.get("source").map(String::as_str),
        Some("record.sh")
    );
    assert_eq!(file.pin_type, "pin");
    assert_eq!(file.mode, PinMode::Recursive);
    assert_eq!(
        (file.replication_factor_min, file.replication_factor_max),
        (-1, -1)
    );
    assert_eq!(file.max_depth, -1);
    assert!(file.user_allocations.is_empty() && file.reference.is_none());
    let dir = pins.iter().find(|p| p.cid == fact("dir_cid")).unwrap();
    assert_eq!(dir.name, "letters");
    assert!(dir.metadata.is_empty());

    // Before anything was added: 204 No Content, no body at all.
    let rec = recording("cluster_allocations_empty.http");
    assert_eq!(rec.status, 204);
    let server = Replay::start(vec![rec.wire.clone()]).await;
    let pins = client(&server.url)
        .allocations()
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap();
    assert!(pins.is_empty());
    assert!(
        server.requests()[0].starts_with("GET /allocations?filter=all HTTP/1.1"),
        "{}",
        server.requests()[0]
    );
}

#[tokio::test]
async fn allocation_reads_one_pin_and_a_404_reads_as_none() {
    let file_cid = fact("file_cid");
    let server = serve(
        "GET",
        &format!("/allocations/{file_cid}"),
        &recording("cluster_allocation.http"),
    )
    .await;
    let pin = client(&server.uri()).allocation(&file_cid).await.unwrap();
    assert_eq!(pin.unwrap().name, "hello.txt");

    let gone = fact("empty_dir_cid");
    let rec = recording("cluster_allocation_missing.http");
    assert_eq!(rec.status, 404);
    let server = serve("GET", &format!("/allocations/{gone}"), &rec).await;
    assert_eq!(client(&server.uri()).allocation(&gone).await.unwrap(), None);
}

#[tokio::test]
async fn status_reads_every_peer_pinned() {
    let cid = fact("file_cid");
    let server = serve(
        "GET",
        &format!("/pins/{cid}"),
        &recording("cluster_pins_cid.http"),
    )
    .await;
    let info = client(&server.uri()).status(&cid).await.unwrap();
    assert_eq!(info.cid, cid);
    assert_eq!(info.name, "hello.txt");
    assert_eq!(info.pinned_count(), 3);
    assert!(!info.is_gone());
    let mut peers: Vec<String> = info.peer_map.keys().cloned().collect();
    peers.sort();
    assert_eq!(peers, peer_ids());
    let p1 = &info.peer_map[&fact("peer1_cluster_id")];
    assert_eq!(p1.peername, "peer1");
    assert_eq!(p1.ipfs_peer_id, fact("peer1_ipfs_id"));
    assert_eq!(p1.status, TrackerStatus::Pinned);
}

#[tokio::test]
async fn status_names_the_peer_whose_kubo_is_down_and_drops_a_stopped_peer() {
    let cid = fact("late_cid");
    let server = serve(
        "GET",
        &format!("/pins/{cid}"),
        &recording("cluster_pins_cid_peer_error.http"),
    )
    .await;
    let info = client(&server.uri()).status(&cid).await.unwrap();
    assert_eq!(info.pinned_count(), 2);
    assert!(info.metadata.is_empty(), "null metadata");
    let p3 = &info.peer_map[&fact("peer3_cluster_id")];
    assert_eq!(p3.peername, "peer3");
    assert_eq!(p3.status, TrackerStatus::PinError);
    assert!(p3.status.is_error());
    assert!(p3.error.contains("connection refused"), "{}", p3.error);
    assert!(p3.attempt_count >= 1 && p3.priority_pin);
    let errors = info
        .peer_map
        .values()
        .filter(|p| p.status.is_error())
        .count();
    assert_eq!(errors, 1);

    // Peer 3's cluster peer stopped too: it is no longer in the map at all.
    let cid = fact("late_cid");
    let server = serve(
        "GET",
        &format!("/pins/{cid}"),
        &recording("cluster_pins_cid_peer_down.http"),
    )
    .await;
    let info = client(&server.uri()).status(&cid).await.unwrap();
    assert_eq!(info.peer_map.len(), 2);
    assert!(!info.peer_map.contains_key(&fact("peer3_cluster_id")));
    assert_eq!(info.pinned_count(), 2);
}

#[tokio::test]
async fn status_of_a_cid_not_in_the_pinset_is_gone() {
    let cid = fact("empty_dir_cid");
    let rec = recording("cluster_pins_cid_unknown.http");
    assert!(rec.body_str().contains(r#""origins":null"#));
    let server = serve("GET", &format!("/pins/{cid}"), &rec).await;
    let info = client(&server.uri()).status(&cid).await.unwrap();
    assert!(info.is_gone());
    assert_eq!(info.pinned_count(), 0);
    assert_eq!(info.peer_map.len(), 3);
    assert!(info.origins.is_empty() && info.metadata.is_empty());
    assert!(
        info.peer_map
            .values()
            .all(|p| p.status == TrackerStatus::Unpinned)
    );
}

#[tokio::test]
async fn a_status_this_version_does_not_know_reads_as_unknown() {
    // Derived from a real answer: one peer's "pin_error" becomes a name no
    // cluster sends yet; the rest of the answer must still read.
    let cid = fact("late_cid");
    let rec = recording("cluster_pins_cid_peer_error.http")
        .edited(r#""status":"pin_error""#, r#""status":"pin_future_state""#);
    let server = serve("GET", &format!("/pins/{cid}"), &rec).await;
    let info = client(&server.uri()).status(&cid).await.unwrap();
    let p3 = &info.peer_map[&fact("peer3_cluster_id")];
    assert_eq!(p3.status, TrackerStatus::Unknown);
    assert!(!p3.status.is_error());
    assert_eq!(info.pinned_count(), 2);
}

#[tokio::test]
async fn status_all_streams_the_pinset_and_sends_the_filter() {
    let rec = recording("cluster_pins.http");
    let nothing_failing = recording("cluster_pins_filtered.http");
    let filtered = recording("cluster_pins_filtered_error.http");
    let server = Replay::start(vec![
        rec.wire.clone(),
        nothing_failing.wire.clone(),
        filtered.wire.clone(),
    ])
    .await;
    let c = client(&server.url);

    let all = c
        .status_all(None)
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap();
    let mut names: Vec<&str> = all.iter().map(|g| g.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["hello.txt", "letters"]);
    assert!(all.iter().all(|g| g.pinned_count() == 3));

    // Before peer 3's kubo stopped nothing failed: 204.
    let none = c.status_all(Some("pin_error,cluster_error")).await.unwrap();
    assert!(none.collect_vec().await.unwrap().is_empty());

    let failed = c
        .status_all(Some("pin_error,cluster_error"))
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].cid, fact("late_cid"));
    let only: Vec<_> = failed[0].peer_map.values().collect();
    assert_eq!(only.len(), 1, "the filter keeps the failing peer only");
    assert_eq!(only[0].status, TrackerStatus::PinError);

    let requests = server.requests();
    assert!(
        requests[0].starts_with("GET /pins HTTP/1.1"),
        "{}",
        requests[0]
    );
    for r in &requests[1..] {
        assert!(
            r.starts_with("GET /pins?filter=pin_error%2Ccluster_error HTTP/1.1"),
            "{r}"
        );
    }
}

#[tokio::test]
async fn pin_sends_its_options_and_unpin_reads_the_removed_pin() {
    let cid = fact("empty_dir_cid");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/pins/{cid}")))
        .and(basic_auth(super::support::USER, PASSWORD))
        .and(query_param("name", "empty"))
        .and(query_param("mode", "recursive"))
        .and(query_param("replication-min", "-1"))
        .and(query_param("replication-max", "-1"))
        .and(query_param("meta-note", "recorded"))
        .respond_with(recording("cluster_pin.http").template())
        .expect(1)
        .mount(&server)
        .await;
    let options = PinOptions {
        name: Some("empty".into()),
        mode: Some(PinMode::Recursive),
        replication_min: Some(-1),
        replication_max: Some(-1),
        metadata: [("note".to_string(), "recorded".to_string())].into(),
        ..PinOptions::default()
    };
    let pin = client(&server.uri()).pin(&cid, &options).await.unwrap();
    assert_eq!(pin.cid, cid);
    assert_eq!(pin.name, "empty");
    assert_eq!(
        pin.metadata.get("note").map(String::as_str),
        Some("recorded")
    );
    assert!(pin.origins.is_empty(), "null origins");

    // Unpin: the removed pin comes back; a second unpin is a 404.
    let cid = fact("empty_dir_cid");
    let server = serve(
        "DELETE",
        &format!("/pins/{cid}"),
        &recording("cluster_unpin.http"),
    )
    .await;
    let pin = client(&server.uri()).unpin(&cid).await.unwrap();
    assert_eq!(
        (pin.cid.as_str(), pin.name.as_str()),
        (cid.as_str(), "empty")
    );

    let server = serve(
        "DELETE",
        &format!("/pins/{cid}"),
        &recording("cluster_unpin_missing.http"),
    )
    .await;
    let err = client(&server.uri()).unpin(&cid).await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { what, .. } if what.contains(&cid)),
        "{err:?}"
    );
    assert_eq!(err.code().to_string(), "not_found");
}

#[tokio::test]
async fn recover_reads_the_retried_status_and_recover_all_may_be_empty() {
    let cid = fact("late_cid");
    let server = serve(
        "POST",
        &format!("/pins/{cid}/recover"),
        &recording("cluster_recover_cid_peer_error.http"),
    )
    .await;
    let info = client(&server.uri()).recover(&cid).await.unwrap();
    let p3 = &info.peer_map[&fact("peer3_cluster_id")];
    assert_eq!(p3.status, TrackerStatus::PinQueued);
    assert!(!p3.status.is_error());
    assert_eq!(info.pinned_count(), 2);

    // Recover on a peer with nothing to retry: 204, an empty stream.
    let rec = recording("cluster_recover_all.http");
    assert_eq!(rec.status, 204);
    let server = Replay::start(vec![rec.wire.clone()]).await;
    let items = client(&server.url)
        .recover_all()
        .await
        .unwrap()
        .collect_vec()
        .await
        .unwrap();
    assert!(items.is_empty());
    assert!(server.requests()[0].starts_with("POST /pins/recover HTTP/1.1"));
}

#[tokio::test]
async fn freespace_reads_one_metric_per_peer() {
    let server = serve(
        "GET",
        "/monitor/metrics/freespace",
        &recording("cluster_freespace.http"),
    )
    .await;
    let metrics = client(&server.uri()).freespace().await.unwrap();
    let mut peers: Vec<String> = metrics.iter().map(|m| m.peer.clone()).collect();
    peers.sort();
    assert_eq!(peers, peer_ids());
    for m in &metrics {
        assert_eq!(m.name, "freespace");
        assert!(m.valid);
        let bytes: u64 = m.value.parse().unwrap();
        assert_eq!(bytes as i64, m.weight);
        assert!(m.expire > m.received_at && m.received_at > 0);
    }
}

#[tokio::test]
async fn alerts_are_empty_when_all_is_well_and_name_a_stopped_peer() {
    let server = serve(
        "GET",
        "/health/alerts",
        &recording("cluster_alerts_none.http"),
    )
    .await;
    assert!(client(&server.uri()).alerts().await.unwrap().is_empty());

    let server = serve("GET", "/health/alerts", &recording("cluster_alerts.http")).await;
    let alerts = client(&server.uri()).alerts().await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].metric.name, "ping");
    assert_eq!(alerts[0].metric.peer, fact("peer3_cluster_id"));
    assert!(alerts[0].metric.value.contains("peer3"));
    assert!(alerts[0].triggered_at.ends_with('Z'));
}

#[tokio::test]
async fn a_401_is_unauthorized_and_never_shows_the_password() {
    for fixture in ["cluster_unauthorized.http", "cluster_wrong_password.http"] {
        let rec = recording(fixture);
        assert_eq!(rec.status, 401);
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/id"))
            .respond_with(rec.template())
            .mount(&server)
            .await;
        let err = client(&server.uri()).id().await.unwrap_err();
        assert!(
            matches!(&err, Error::Unauthorized { url } if *url == server.uri()),
            "{fixture}: {err:?}"
        );
        assert_eq!(err.code().to_string(), "unauthorized");
        for shown in [
            err.to_string(),
            format!("{err:?}"),
            err.to_payload().message,
        ] {
            assert!(!shown.contains(PASSWORD), "{shown}");
        }
    }

    // Without credentials no Authorization header is sent at all.
    let rec = recording("cluster_unauthorized.http");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(rec.template())
        .mount(&server)
        .await;
    let anonymous = ClusterClient::new(&server.uri(), None).unwrap();
    assert!(matches!(
        anonymous.version().await,
        Err(Error::Unauthorized { .. })
    ));
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn error_answers_become_node_errors_not_found_or_bad_response() {
    // 500: more copies asked for than there are peers.
    let cid = fact("empty_dir_cid");
    let server = serve(
        "POST",
        &format!("/pins/{cid}"),
        &recording("cluster_pin_not_enough_peers.http"),
    )
    .await;
    let options = PinOptions {
        replication_min: Some(4),
        replication_max: Some(4),
        ..PinOptions::default()
    };
    let err = client(&server.uri()).pin(&cid, &options).await.unwrap_err();
    match &err {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(*status, 500);
            // The node's own words, its final full stop left to our sentence.
            assert_eq!(
                message,
                "not enough peers to allocate CID. Needed at least: 4. Wanted at most: 4. Available candidates: 3. See logs for more info"
            );
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert_eq!(err.code().to_string(), "node_error");
    assert!(!err.to_string().contains("info.."), "{err}");

    // 400: text the cluster cannot read as a CID.
    let server = serve("GET", "/pins/notacid", &recording("cluster_bad_cid.http")).await;
    let err = client(&server.uri()).status("notacid").await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, message, .. }
            if message == "error decoding Cid: invalid cid: selected encoding not supported"),
        "{err:?}"
    );

    // 404 from the API (an endpoint this node does not have).
    let server = serve("GET", "/version", &recording("cluster_not_found.http")).await;
    let err = client(&server.uri()).version().await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { what, url } if what == "The version" && *url == server.uri()),
        "{err:?}"
    );

    // The kubo gateway's /version page, as if the gateway's port were set as
    // the cluster API: text where JSON belongs.
    let server = serve("GET", "/version", &recording("kubo_gateway_version.http")).await;
    let err = client(&server.uri()).version().await.unwrap_err();
    assert!(
        matches!(&err, Error::BadResponse { expected, .. } if expected.name == "ipfs-cluster"),
        "{err:?}"
    );
    assert_eq!(err.code().to_string(), "bad_response");
}

// --- /add ---------------------------------------------------------------

fn write_tree(root: &std::path::Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

#[tokio::test]
async fn add_of_a_file_reports_progress_and_returns_the_root() {
    let rec = recording("cluster_add_file.http");
    let server = Replay::start(vec![rec.wire.clone()]).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hello.txt");
    std::fs::write(&file, format!("{}\n", fact("file_content"))).unwrap();

    let mut lines: Vec<AddedOutput> = Vec::new();
    let mut tally = AddTally::default();
    let options = AddOptions {
        pin: PinOptions {
            name: Some("hello.txt".into()),
            ..PinOptions::default()
        },
        ..AddOptions::default()
    };
    let added = client(&server.url)
        .add(&[file], &options, |o| {
            tally.update(o);
            lines.push(o.clone());
        })
        .await
        .unwrap();

    assert_eq!(added.cid, fact("file_cid"));
    assert_eq!(added.name, "hello.txt");
    assert_eq!(added.size, 43);
    assert_eq!(added.entries, 1);
    let mut allocations = added.allocations.clone();
    allocations.sort();
    assert_eq!(allocations, peer_ids());
    assert_eq!(lines.len(), 2, "one progress line, one finished entry");
    assert_eq!((lines[0].cid.as_deref(), lines[0].bytes), (None, 35));
    assert_eq!((tally.bytes(), tally.entries()), (35, 1));

    let request = &server.requests()[0];
    let head = request.lines().next().unwrap();
    for q in [
        "POST /add?",
        "name=hello.txt",
        "cid-version=0",
        "raw-leaves=false",
        "chunker=size-262144",
        "hash=sha2-256",
        "local=false",
        "wrap-with-directory=false",
        "stream-channels=true",
        "progress=true",
    ] {
        assert!(head.contains(q), "{q} missing from {head}");
    }
    let lower = request.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: multipart/form-data; boundary="),
        "{request}"
    );
    assert!(lower.contains(&basic_auth_value().to_ascii_lowercase()));
    assert!(
        request.contains(&fact("file_content")),
        "the file's bytes were sent"
    );
}

#[tokio::test]
async fn add_of_a_folder_counts_every_entry_and_returns_the_folder() {
    let rec = recording("cluster_add_folder.http");
    let server = Replay::start(vec![rec.wire.clone()]).await;
    let work = tempfile::tempdir().unwrap();
    let letters = work.path().join("letters");
    write_tree(
        &letters,
        &[
            ("a.txt", "first letter\n"),
            ("b.txt", "second letter\n"),
            ("sub/c.txt", "third letter, in a subfolder\n"),
        ],
    );
    let mut names = Vec::new();
    let added = client(&server.url)
        .add(&[letters], &AddOptions::default(), |o| {
            if o.cid.is_some() {
                names.push(o.name.clone());
            }
        })
        .await
        .unwrap();
    assert_eq!(added.cid, fact("dir_cid"));
    assert_eq!(added.name, "letters");
    assert_eq!(added.size, 274);
    assert_eq!(added.entries, 5);
    assert_eq!(
        names,
        [
            "letters/a.txt",
            "letters/b.txt",
            "letters/sub/c.txt",
            "letters/sub",
            "letters"
        ]
    );
    let request = &server.requests()[0];
    assert!(request.contains("wrap-with-directory=false"));
    assert!(request.contains("third letter, in a subfolder"));
}

#[tokio::test]
async fn add_whose_trailer_reports_a_failure_fails_even_after_a_cid_line() {
    // Every kubo stopped: the cluster sent 200, a line WITH a CID, and then
    // `X-Stream-Error: failed to put block on all destinations`.
    let rec = recording("cluster_add_stream_error.http");
    assert_eq!(rec.status, 200);
    assert!(rec.body_str().contains(r#""cid":"Qm"#));
    assert_eq!(
        rec.trailer("X-Stream-Error"),
        Some("failed to put block on all destinations")
    );
    let server = Replay::start(vec![rec.wire.clone()]).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lost.txt");
    std::fs::write(&file, "will not be stored\n").unwrap();
    let mut seen_cid = false;
    let err = client(&server.url)
        .add(&[file], &AddOptions::default(), |o| {
            seen_cid |= o.cid.is_some()
        })
        .await
        .unwrap_err();
    assert!(seen_cid, "the CID line was read before the trailer");
    match &err {
        Error::StreamFailed { url, message } => {
            assert_eq!(url, &server.url);
            assert_eq!(message, "failed to put block on all destinations");
        }
        other => panic!("expected StreamFailed, got {other:?}"),
    }
    assert_eq!(err.code().to_string(), "stream_failed");

    // The same add with only peer 3's kubo stopped: no trailer error, a CID.
    let rec = recording("cluster_add_peer3_kubo_down.http");
    assert_eq!(rec.trailers, []);
    let server = Replay::start(vec![rec.wire.clone()]).await;
    let file = dir.path().join("late.txt");
    std::fs::write(&file, "added while peer 3 had no kubo\n").unwrap();
    let added = client(&server.url)
        .add(&[file], &AddOptions::default(), |_| {})
        .await
        .unwrap();
    assert_eq!(added.cid, fact("late_cid"));
    assert_eq!(added.allocations.len(), 3);
}

#[tokio::test]
async fn a_stream_cut_short_gives_its_whole_lines_then_interrupted() {
    // The recorded /pins answer, cut in the middle of its second line's chunk.
    let rec = recording("cluster_pins.http");
    let second = find(&rec.wire, b"\"name\":\"letters\"").unwrap();
    let server = Replay::start(vec![rec.wire[..second].to_vec()]).await;
    let mut stream = client(&server.url).status_all(None).await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.name, "hello.txt");
    let cut = stream.next().await.unwrap();
    assert!(
        matches!(&cut, Err(Error::Interrupted { url, .. }) if *url == server.url),
        "{cut:?}"
    );
    assert!(stream.next().await.is_none(), "an error ends the stream");

    // Every line arrived, but not the final chunk and trailer: the node may
    // have failed after them, so this must not read as a complete answer.
    let rec = recording("cluster_add_file.http");
    let end = find(&rec.wire, b"\r\n0\r\n").unwrap() + 2;
    let server = Replay::start(vec![rec.wire[..end].to_vec()]).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hello.txt");
    std::fs::write(&file, format!("{}\n", fact("file_content"))).unwrap();
    let err = client(&server.url)
        .add(&[file], &AddOptions::default(), |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code().to_string(), "interrupted", "{err:?}");
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

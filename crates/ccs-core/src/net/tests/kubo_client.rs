//! `KuboClient` against kubo 0.43.1's recorded gateway and RPC answers.

use futures_util::{StreamExt, TryStreamExt};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer};

use super::support::{Recording, Replay, fact, recording};
use crate::error::Error;
use crate::net::kubo::{GatewayFormat, KuboClient};

async fn serve(verb: &str, route: &str, rec: &Recording) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(rec.template())
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn gateway(url: &str) -> KuboClient {
    KuboClient::new(None, Some(url))
}

fn rpc(url: &str) -> KuboClient {
    KuboClient::new(Some(url), None)
}

#[tokio::test]
async fn gateway_version_reads_the_version_page() {
    let rec = recording("kubo_gateway_version.http");
    assert!(rec.body_str().contains("Client Version: kubo/0.43.1"));
    let server = serve("GET", "/version", &rec).await;
    // A trailing slash in the configured address is tolerated.
    let version = gateway(&format!("{}/", server.uri()))
        .gateway_version()
        .await
        .unwrap();
    assert_eq!(format!("v{version}"), crate::deploy::versions::KUBO.version);

    // The cluster's /version JSON has a lower-case "version": not kubo's page.
    let server = serve("GET", "/version", &recording("cluster_version.http")).await;
    let err = gateway(&server.uri()).gateway_version().await.unwrap_err();
    assert!(
        matches!(&err, Error::BadResponse { expected, .. } if expected.name == "kubo"),
        "{err:?}"
    );
}

/// The whole body `fetch` streams, or the error that ended it.
async fn fetched(kubo: &KuboClient, cid: &str) -> Result<Vec<u8>, Error> {
    let stream = kubo.fetch(cid, GatewayFormat::File).await?;
    let mut stream = std::pin::pin!(stream);
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk?);
    }
    Ok(body)
}

#[tokio::test]
async fn a_file_streams_its_recorded_bytes() {
    let cid = fact("file_cid");
    let server = serve(
        "GET",
        &format!("/ipfs/{cid}"),
        &recording("kubo_gateway_file.http"),
    )
    .await;
    let body = fetched(&gateway(&server.uri()), &cid).await.unwrap();
    assert_eq!(body, format!("{}\n", fact("file_content")).into_bytes());
}

#[tokio::test]
async fn a_file_cut_short_is_interrupted() {
    // The recorded file answer (Content-Length: 35) with its last bytes missing.
    let cid = fact("file_cid");
    let rec = recording("kubo_gateway_file.http");
    assert_eq!(rec.header("Content-Length"), Some("35"));
    let server = Replay::start(vec![rec.wire[..rec.wire.len() - 10].to_vec()]).await;
    let err = fetched(&gateway(&server.url), &cid).await.unwrap_err();
    assert!(
        matches!(&err, Error::Interrupted { url, .. } if *url == server.url),
        "{err:?}"
    );
    assert!(server.requests()[0].starts_with(&format!("GET /ipfs/{cid} HTTP/1.1")));
}

#[tokio::test]
async fn a_folder_asked_for_as_a_file_is_refused_after_the_redirect() {
    // kubo redirects /ipfs/DIR to /ipfs/DIR/, which answers with an HTML
    // listing; that listing must not be taken for the content.
    let cid = fact("dir_cid");
    let server = MockServer::start().await;
    let moved = recording("kubo_gateway_folder_as_file.http");
    assert_eq!(moved.status, 301);
    Mock::given(method("GET"))
        .and(path(format!("/ipfs/{cid}")))
        .respond_with(moved.template())
        .expect(1)
        .mount(&server)
        .await;
    let listing = recording("kubo_gateway_folder_listing.http");
    assert!(listing.header("Etag").unwrap().starts_with("\"DirIndex"));
    Mock::given(method("GET"))
        .and(path(format!("/ipfs/{cid}/")))
        .respond_with(listing.template())
        .expect(1)
        .mount(&server)
        .await;
    let err = fetched(&gateway(&server.uri()), &cid).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("is a folder")),
        "{err:?}"
    );
}

#[tokio::test]
async fn fetch_block_sends_the_raw_accept_and_returns_the_block_its_cid_names() {
    let cid = fact("file_cid");
    let rec = recording("kubo_gateway_raw.http");
    assert_eq!(rec.header("Content-Type"), Some("application/vnd.ipld.raw"));
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/ipfs/{cid}")))
        .and(query_param("format", "raw"))
        .and(header("accept", "application/vnd.ipld.raw"))
        .respond_with(rec.template())
        .expect(1)
        .mount(&server)
        .await;
    let block = gateway(&server.uri()).fetch_block(&cid).await.unwrap();
    assert_eq!(block.as_ref(), rec.body.as_slice());
    // The recording is the real block: its SHA-256 is the CID's digest.
    use sha2::Digest;
    let parsed = cid::Cid::try_from(cid.as_str()).unwrap();
    assert_eq!(parsed.hash().code(), 0x12);
    assert_eq!(
        parsed.hash().digest(),
        sha2::Sha256::digest(&block).as_slice()
    );
}

#[tokio::test]
async fn fetch_car_asks_for_depth_first_with_duplicates_and_streams_the_car() {
    let cid = fact("dir_cid");
    let rec = recording("kubo_gateway_car.http");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/ipfs/{cid}")))
        .and(query_param("format", "car"))
        .and(header(
            "accept",
            "application/vnd.ipld.car; version=1; order=dfs; dups=y",
        ))
        .respond_with(rec.template())
        .expect(1)
        .mount(&server)
        .await;
    let stream = gateway(&server.uri())
        .fetch(&cid, GatewayFormat::Car)
        .await
        .unwrap();
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
    let car = chunks.concat();
    assert_eq!(car, rec.body);
    let mut reader = iroh_car::CarReader::new(car.as_slice()).await.unwrap();
    assert_eq!(reader.header().roots()[0].to_string(), cid);
    let mut blocks = 0;
    while reader.next_block().await.unwrap().is_some() {
        blocks += 1;
    }
    assert_eq!(blocks, 5, "letters, a.txt, b.txt, sub, sub/c.txt");
}

#[tokio::test]
async fn gateway_errors_map_to_not_found_and_invalid_input() {
    let missing = fact("missing_cid");
    let dir_cid = fact("dir_cid");
    let server = MockServer::start().await;
    for (route, fixture) in [
        (format!("/ipfs/{missing}"), "kubo_gateway_missing_cid.http"),
        (
            format!("/ipfs/{dir_cid}/no-such-file"),
            "kubo_gateway_missing_path.http",
        ),
        ("/ipfs/notacid".to_string(), "kubo_gateway_bad_cid.http"),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(recording(fixture).template())
            .mount(&server)
            .await;
    }
    let kubo = gateway(&server.uri());

    // 504: no provider found within the gateway's retrieval timeout.
    let err = kubo.fetch_block(&missing).await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { what, .. } if what.contains(&missing)),
        "{err:?}"
    );
    // 404: no such name inside the folder.
    let inside = format!("{dir_cid}/no-such-file");
    let err = kubo
        .fetch(&inside, GatewayFormat::File)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    // 400: not a CID.
    let err = kubo
        .fetch("notacid", GatewayFormat::File)
        .await
        .err()
        .unwrap();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("notacid")),
        "{err:?}"
    );
}

#[tokio::test]
async fn rpc_id_reads_the_identity_and_null_lists_as_empty() {
    let server = serve("POST", "/api/v0/id", &recording("kubo_rpc_id.http")).await;
    let id = rpc(&server.uri()).id().await.unwrap();
    assert_eq!(id.id, fact("peer1_ipfs_id"));
    assert_eq!(id.agent_version, "kubo/0.43.1");
    assert!(!id.public_key.is_empty());
    assert!(id.addresses[0].ends_with(&format!("/p2p/{}", id.id)));
    assert!(id.protocols.iter().any(|p| p == "/ipfs/bitswap/1.2.0"));

    // kubo writes an identity with no addresses or protocols with `null`
    // lists; recorded as the `Identify` object in the swarm/peers answer
    // (the same Go type), sent here as an /id answer.
    let peers = recording("kubo_rpc_swarm_peers.http");
    let v: serde_json::Value = serde_json::from_slice(&peers.body).unwrap();
    let identify = v["Peers"][0]["Identify"].clone();
    assert!(identify["Addresses"].is_null() && identify["Protocols"].is_null());
    let rec = recording("kubo_rpc_id.http").with_body(identify.to_string().into_bytes());
    let server = serve("POST", "/api/v0/id", &rec).await;
    let id = rpc(&server.uri()).id().await.unwrap();
    assert!(id.addresses.is_empty() && id.protocols.is_empty());
}

#[tokio::test]
async fn rpc_swarm_peers_lists_the_other_members_and_null_as_none() {
    let server = serve(
        "POST",
        "/api/v0/swarm/peers",
        &recording("kubo_rpc_swarm_peers.http"),
    )
    .await;
    let peers = rpc(&server.uri()).swarm_peers().await.unwrap();
    let mut ids: Vec<String> = peers.iter().map(|p| p.peer.clone()).collect();
    ids.sort();
    let mut expected = vec![fact("peer2_ipfs_id"), fact("peer3_ipfs_id")];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(
        peers
            .iter()
            .all(|p| p.addr.starts_with("/ip4/127.0.0.1/tcp/"))
    );

    // A node with no connections: kubo sends {"Peers":null}.
    let rec = recording("kubo_rpc_swarm_peers.http").with_body(br#"{"Peers":null}"#.to_vec());
    let server = serve("POST", "/api/v0/swarm/peers", &rec).await;
    assert!(rpc(&server.uri()).swarm_peers().await.unwrap().is_empty());
}

#[tokio::test]
async fn rpc_errors_are_node_errors_with_kubos_text() {
    let server = serve("POST", "/api/v0/id", &recording("kubo_rpc_unknown.http")).await;
    let err = rpc(&server.uri()).id().await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 404, message, .. } if message == "404 page not found"),
        "{err:?}"
    );

    // No RPC address configured: a settings error, before any request.
    let err = KuboClient::new(None, Some("http://127.0.0.1:1"))
        .id()
        .await
        .unwrap_err();
    assert_eq!(err.code().to_string(), "invalid_input");
}

// The node check's RPC calls, recorded from a node with one block deleted
// from its repository and another node with one block damaged (see
// testdata/README.md, "Node check").

#[tokio::test]
async fn pin_verify_lists_the_incomplete_pin_and_its_missing_block() {
    let server = serve(
        "POST",
        "/api/v0/pin/verify",
        &recording("kubo_rpc_pin_verify_missing.http"),
    )
    .await;
    let mut s = rpc(&server.uri()).pin_verify().await.unwrap();
    let bad = s.next().await.unwrap().unwrap();
    assert!(bad.cid.starts_with("Qm"), "{bad:?}");
    assert_eq!(bad.bad_nodes.len(), 1, "{bad:?}");
    assert!(
        bad.bad_nodes[0].err.contains("not found locally"),
        "{bad:?}"
    );
    assert!(s.next().await.is_none());
}

#[tokio::test]
async fn repo_verify_reports_the_corrupt_block_and_its_summary_ends_the_stream() {
    let rec = recording("kubo_rpc_repo_verify_corrupt.http");
    assert_eq!(
        rec.trailer("X-Stream-Error"),
        Some("verify complete, 1 blocks corrupt")
    );
    // Sent byte for byte: the summary arrives only in the trailer.
    let server = Replay::start(vec![rec.wire.clone()]).await;
    let mut s = rpc(&server.url).repo_verify(false).await.unwrap();
    let mut corrupt = Vec::new();
    let mut last_count = 0;
    let end = loop {
        match s.next().await {
            Some(Ok(p)) if !p.msg.is_empty() => corrupt.push(p.msg),
            Some(Ok(p)) => last_count = p.progress,
            Some(Err(e)) => break e,
            None => panic!("no summary in the trailer"),
        }
    };
    assert_eq!(corrupt.len(), 1, "{corrupt:?}");
    assert!(corrupt[0].contains("was corrupt"), "{corrupt:?}");
    assert!(last_count > 1);
    assert!(
        matches!(&end, Error::StreamFailed { message, .. } if message.starts_with("verify complete, 1 blocks corrupt")),
        "{end:?}"
    );
}

#[tokio::test]
async fn an_offline_dag_stat_names_the_block_the_node_lacks() {
    let server = serve(
        "POST",
        "/api/v0/dag/stat",
        &recording("kubo_rpc_dag_stat_offline_missing.http"),
    )
    .await;
    let err = rpc(&server.uri())
        .dag_stat("Qmd3qXafH1SS79sc6qsfo4v1bY8KGVu4h6uWyTLHh26hrU", true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 500, message, .. } if message.contains("not found locally")),
        "{err:?}"
    );
}

#[tokio::test]
async fn recursive_pins_stream_one_by_one() {
    let server = serve(
        "POST",
        "/api/v0/pin/ls",
        &recording("kubo_rpc_pin_ls_recursive.http"),
    )
    .await;
    let mut s = rpc(&server.uri()).recursive_pins().await.unwrap();
    let mut n = 0;
    while let Some(p) = s.next().await {
        assert!(p.unwrap().cid.starts_with("Qm"));
        n += 1;
    }
    assert_eq!(n, 3);
}

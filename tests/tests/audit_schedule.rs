//! The app's scheduled audits, headless, on a real 3-peer testnet: a pass
//! checks every copy, waits while paused, keeps to its rate, records each
//! finding as it comes, and the next pass takes only what is due, so a pass
//! cut short resumes instead of starting again.

// Needs the real daemons (or root, or system services): `./scripts/test.sh` turns it on.
#![cfg(feature = "real-daemons")]
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ccs_core::content::library::Health;
use ccs_core::net::cluster::AddOptions;
use ccs_core::ops::audit::{CopyOutcome, ScheduledEvent, scheduled};
use ccs_core::ops::{Cancel, Session};
use ccs_tests::{pseudo_random, start_testnet, wait_status};

fn session(config: &std::path::Path, journal: &std::path::Path) -> Session {
    let mut s = Session::load(config, true, "ccs-tests/0").unwrap();
    s.journal_dir = journal.to_path_buf();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_audits_pause_keep_their_rate_and_resume_where_they_stopped() {
    let net = start_testnet(3).await;
    let cfg = net.config_path();
    let work = tempfile::tempdir().unwrap();
    let journal = work.path().join("jobs");
    let cluster = net.peer(0).cluster();
    let mut cids = Vec::new();
    for i in 0..4u64 {
        let f = work.path().join(format!("letter-{i}.tif"));
        std::fs::write(&f, pseudo_random(i, 600 * 1024)).unwrap();
        cids.push(
            cluster
                .add(&[f], &AddOptions::default(), |_| {})
                .await
                .unwrap()
                .cid,
        );
    }
    for cid in &cids {
        wait_status(&cluster, cid, Duration::from_secs(120), |s| {
            s.pinned_count() == 3
        })
        .await;
    }
    // 1 MB/s: each sampled copy reads its 4 walks (root and leaves, about
    // 1 MiB), so the 12 copies cannot finish much under that many seconds.
    let mut settings = session(&cfg, &journal);
    settings.config.audits.max_mb_per_second = 1;
    settings.config.save(&cfg).unwrap();

    let (pause_tx, pause) = tokio::sync::watch::channel(true);
    let cancel = Cancel::new();
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    let bytes = Arc::new(Mutex::new(0u64));
    let run = {
        let (cfg, journal, cancel, events, bytes) = (
            cfg.clone(),
            journal.clone(),
            cancel.clone(),
            events.clone(),
            bytes.clone(),
        );
        tokio::spawn(async move {
            scheduled(
                || Ok(session(&cfg, &journal)),
                Duration::ZERO,
                pause,
                &cancel,
                |e| match e {
                    ScheduledEvent::Copy(c) => {
                        assert_eq!(c.outcome, CopyOutcome::Verified, "{c:?}");
                        *bytes.lock().unwrap() += c.check.bytes_checked;
                        events
                            .lock()
                            .unwrap()
                            .push(format!("{} {}", c.cid, c.partner));
                    }
                    ScheduledEvent::PassDone(s) => {
                        events.lock().unwrap().push(format!("done {}", s.verified));
                    }
                    ScheduledEvent::PassFailed(e) => panic!("{e}"),
                },
            )
            .await
        })
    };
    // Paused (an add is running in the app): nothing is checked.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        events.lock().unwrap().is_empty(),
        "{:?}",
        events.lock().unwrap()
    );
    let resumed = Instant::now();
    pause_tx.send(false).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !events.lock().unwrap().iter().any(|e| e.starts_with("done")) {
        assert!(Instant::now() < deadline, "{:?}", events.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = resumed.elapsed();
    let read = *bytes.lock().unwrap();
    let seen = events.lock().unwrap().clone();
    assert_eq!(
        seen.len(),
        13,
        "every copy once, then the summary: {seen:?}"
    );
    assert_eq!(seen.last().unwrap(), "done 12");
    // The rate holds: read/cap seconds at least (less the first in flight).
    let floor = Duration::from_secs_f64(read as f64 / 1_000_000.0) * 3 / 4;
    assert!(took >= floor, "read {read} bytes in {took:?} at 1 MB/s");
    eprintln!("scheduled pass: {read} bytes in {took:?} (cap 1 MB/s)");
    cancel.cancel();
    run.await.unwrap();

    // Every finding was kept: the library shows each item verified.
    let s = session(&cfg, &journal);
    for cid in &cids {
        let item = ccs_core::ops::library::item(&s, cid).await.unwrap();
        assert_eq!(item.health, Health::Ok);
        assert_eq!(
            item.fixity.unwrap().state,
            ccs_core::local::audits::FixityState::Verified,
            "{cid}"
        );
    }

    // The next pass (the app restarted) takes only what is due: nothing.
    let (_tx, pause) = tokio::sync::watch::channel(false);
    let cancel = Cancel::new();
    let again: Arc<Mutex<Vec<String>>> = Arc::default();
    let run = {
        let (cfg, journal, cancel2, again) =
            (cfg.clone(), journal.clone(), cancel.clone(), again.clone());
        tokio::spawn(async move {
            scheduled(
                || Ok(session(&cfg, &journal)),
                Duration::ZERO,
                pause,
                &cancel2,
                |e| {
                    again.lock().unwrap().push(match e {
                        ScheduledEvent::Copy(c) => c.cid,
                        ScheduledEvent::PassDone(s) => format!("done {}", s.verified),
                        ScheduledEvent::PassFailed(e) => format!("failed {e}"),
                    })
                },
            )
            .await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while again.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(*again.lock().unwrap(), vec!["done 0".to_string()]);
    cancel.cancel();
    run.await.unwrap();
}

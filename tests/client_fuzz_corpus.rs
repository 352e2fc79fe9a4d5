//! The whole-`Client` fuzz body on stable: the seeds it starts from reach what they
//! are named after (a signed-in session, a conversation, MSNFTP both ways, a P2P
//! display picture both ways), the committed corpus (`fuzz/corpus/client_session/`)
//! holds exactly those seeds plus what the fuzzer found, and every file replays.
//!
//! `MSNP_WRITE_CORPUS=1 cargo test --all-features --test client_fuzz_corpus` rewrites
//! the seed files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use msnp::fuzzing::client::client_session_events;
use msnp::fuzzing::client::encode::{self, bob, call, conn, ft, ns, raw, sb, sign_in};

/// The live connection indices the seeds use: the notification server's, the first
/// switchboard's, and the direct connection's.
const NS: u8 = 0;
const SB: u8 = 1;
const FT: u8 = 2;

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// Dialect byte, settings byte (0: MSNFTP hosted, acknowledged texts, accept all,
/// lists synced, online).
fn start(dialect: u8) -> Vec<u8> {
    vec![dialect, 0]
}

/// Signed in, then a conversation with Bob ([`encode::conversation`]).
fn conversation(dialect: u8) -> Vec<u8> {
    cat(&[start(dialect), sign_in(), encode::conversation()])
}

fn seeds() -> Vec<(&'static str, Vec<u8>, &'static [&'static str])> {
    vec![
        (
            "seed_sign_in_msnp8",
            cat(&[start(8), sign_in()]),
            &["LoggedIn", "ListSynced", "StatusChanged", "SessionEnded"],
        ),
        (
            "seed_sign_in_msnp12",
            cat(&[start(12), sign_in(), ns(NS, 16, 0), ns(NS, 17, 0)]),
            &["LoggedIn", "ListSynced", "StatusChanged", "SessionEnded"],
        ),
        (
            "seed_conversation",
            cat(&[conversation(8), sb(SB, 13, 0)]),
            &[
                "ConversationStarted",
                "Joined",
                "MessageDelivered",
                "TextReceived",
                "Left",
                "ConversationEnded",
            ],
        ),
        (
            "seed_rng_answered",
            cat(&[
                start(8),
                sign_in(),
                ns(NS, 7, 0),
                conn(SB, 0),
                sb(SB, 3, 0),
                sb(SB, 4, 0),
                sb(SB, 8, 0),
                raw(SB, b"BYE bob@example.com\r\n"),
            ]),
            &["ConversationStarted", "Joined", "Typing", "Left"],
        ),
        (
            "seed_msnftp_receive",
            cat(&[
                conversation(8),
                sb(SB, 9, 1),
                call(13, 0),
                sb(SB, 11, 0),
                conn(FT, 0),
                ft(FT, 0, 0),
                ft(FT, 1, 1),
                ft(FT, 2, 3),
            ]),
            &[
                "TransferOffered",
                "TransferData",
                "TransferProgress",
                "TransferEnded",
            ],
        ),
        (
            "seed_msnftp_send",
            cat(&[
                conversation(8),
                call(11, 3),
                sb(SB, 10, 0),
                conn(FT, 3),
                conn(FT, 0),
                ft(FT, 0, 0),
                ft(FT, 4, 0),
                ft(FT, 5, 0),
                call(12, 75),
                ft(FT, 3, 0),
            ]),
            &["TransferAccepted", "TransferProgress", "TransferEnded"],
        ),
        (
            "seed_p2p_picture_fetch",
            cat(&[
                conversation(9),
                call(9, 0),
                sb(SB, 5, 0),
                bob(0, SB),
                sb(SB, 5, 0),
                sb(SB, 5, 1),
                bob(0, SB),
                sb(SB, 5, 0),
                sb(SB, 5, 1),
                bob(0, SB),
                sb(SB, 5, 0),
                bob(0, SB),
            ]),
            &["TransferProgress", "DisplayPicture", "TransferEnded"],
        ),
        (
            "seed_p2p_picture_served",
            cat(&[
                conversation(9),
                call(19, 4),
                bob(1, SB),
                sb(SB, 5, 0),
                bob(0, SB),
                sb(SB, 5, 0),
                sb(SB, 5, 1),
                bob(0, SB),
                sb(SB, 5, 0),
                sb(SB, 5, 1),
                bob(0, SB),
            ]),
            &["ConversationStarted", "MessageDelivered"],
        ),
    ]
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/client_session")
}

#[test]
fn the_seeds_reach_what_they_are_named_after() {
    let write = std::env::var_os("MSNP_WRITE_CORPUS").is_some();
    for (name, data, expected) in seeds() {
        let seen = client_session_events(&data);
        let missing: BTreeSet<&str> = expected
            .iter()
            .copied()
            .filter(|kind| !seen.contains(*kind))
            .collect();
        assert!(missing.is_empty(), "{name} misses {missing:?}; saw {seen:?}");
        let path = corpus_dir().join(name);
        if write {
            std::fs::create_dir_all(corpus_dir()).unwrap();
            std::fs::write(&path, &data).unwrap();
        }
        assert_eq!(
            std::fs::read(&path).ok().as_ref(),
            Some(&data),
            "{name} is not committed as generated (MSNP_WRITE_CORPUS=1 rewrites it)"
        );
    }
}

#[test]
fn committed_corpus_replays() {
    let mut count = 0;
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| client_session_events(&data));
        assert!(outcome.is_ok(), "{} fails", path.display());
        count += 1;
    }
    assert!(count >= seeds().len(), "{count} files");
}

#[test]
#[ignore = "prints the trace of MSNP_TRACE_SEED or file MSNP_TRACE_FILE"]
fn trace() {
    let data = match std::env::var("MSNP_TRACE_FILE") {
        Ok(path) => std::fs::read(path).unwrap(),
        Err(_) => {
            let name = std::env::var("MSNP_TRACE_SEED").unwrap();
            seeds().into_iter().find(|s| s.0 == name).unwrap().1
        }
    };
    for line in msnp::fuzzing::client::client_session_trace(&data) {
        println!("{line}");
    }
}

#[test]
#[ignore = "lists, for each kind of event, the smallest file of directory MSNP_SCAN_DIR reaching it"]
fn scan() {
    let dir = std::env::var("MSNP_SCAN_DIR").unwrap();
    let mut best: std::collections::BTreeMap<String, (usize, PathBuf)> = Default::default();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let Ok(kinds) = std::panic::catch_unwind(|| client_session_events(&data)) else {
            println!("FAILS {} {}", data.len(), path.display());
            continue;
        };
        for kind in kinds {
            let entry = best.entry(kind).or_insert((usize::MAX, PathBuf::new()));
            if data.len() < entry.0 {
                *entry = (data.len(), path.clone());
            }
        }
    }
    for (kind, (len, path)) in best {
        println!("{kind} {len} {}", path.display());
    }
}

//! Replays the committed `server_session` fuzz corpus on stable Rust, so every seed
//! and every crash the fuzzer ever found stays a regression test.

use msnp::fuzzing::server::server_session;

#[test]
fn server_session_corpus_replays_without_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/server_session");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("corpus directory") {
        let path = entry.expect("corpus entry").path();
        let data = std::fs::read(&path).expect("corpus file");
        server_session(&data);
        count += 1;
    }
    assert!(count >= 5, "corpus has only {count} files");
}

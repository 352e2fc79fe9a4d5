//! Replays every notification-server transcript in `tests/transcripts/ns/`, as written
//! and with the server's bytes split at random points.

#[test]
fn ns_transcripts() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts/ns");
    msnp::testing::transcript::run_dir(dir, msnp::testing::ns::machine);
}

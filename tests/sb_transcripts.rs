//! Replays every switchboard transcript in `tests/transcripts/sb/`, as written and with
//! the server's bytes split at random points.

use msnp::testing::sb::SbScript;
use msnp::testing::transcript::run_dir;

#[test]
fn switchboard_transcripts() {
    run_dir(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts/sb"),
        |_| SbScript::default(),
    );
}

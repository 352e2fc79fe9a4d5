//! Replays every whole-`Client` transcript in `tests/transcripts/client/`: each
//! connection's bytes, the Passport exchanges and the `ClientEvent`s, exactly; as
//! written, with the servers' bytes split by the runner's seeds, and with seeds that
//! proptest picks.

use std::path::PathBuf;

use msnp::testing::{client, transcript};
use proptest::prelude::*;

fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts/client"))
}

#[test]
fn client_transcripts() {
    transcript::run_client_dir(dir(), client::machine, client::call);
}

/// Every transcript, each as one string, read once.
fn scripts() -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let script = std::fs::read_to_string(&path).unwrap();
            (path.display().to_string(), script)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn server_bytes_split_anywhere(seed in any::<u64>()) {
        for (path, script) in scripts() {
            let replayed = transcript::run_client_with_splits(client::machine, client::call, &script, seed);
            prop_assert!(replayed.is_ok(), "{}:{}", path, replayed.unwrap_err());
        }
    }
}

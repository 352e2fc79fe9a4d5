//! Replays the committed `sb_session` fuzz corpus, and a batch of seeded random inputs,
//! through the whole-session fuzz body on stable Rust.

use std::path::Path;

#[test]
fn committed_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/sb_session");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        msnp::fuzzing::sb::sb_session(&data);
        count += 1;
    }
    assert!(count >= 6, "corpus in {} has {count} files", dir.display());
}

#[test]
fn seeded_random_sessions_keep_the_contract() {
    // SplitMix64, so the inputs are the same on every run.
    let mut state = 0x5eed_u64;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for _ in 0..2000 {
        let len = (next() % 200) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        msnp::fuzzing::sb::sb_session(&data);
    }
}

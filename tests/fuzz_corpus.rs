//! Replays every committed fuzz corpus file through the target body it belongs to, so the
//! stable test suite keeps every input the fuzzer ever found interesting (and every crash
//! reproducer committed there) passing.

// `tests/corpus` links to `fuzz/corpus`, where cargo-fuzz keeps it: the link is what
// `cargo package` can carry (it leaves out `fuzz/`, a package of its own).
use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{target}: {} fails", path.display());
        count += 1;
    }
    assert!(count > 0, "{target}: empty corpus");
}

#[test]
fn framer_chunks() {
    replay("framer_chunks", msnp::fuzzing::codec::framer_chunks);
}

#[test]
fn server_roundtrip() {
    replay("server_roundtrip", msnp::fuzzing::codec::server_roundtrip);
}

#[test]
fn client_roundtrip() {
    replay("client_roundtrip", msnp::fuzzing::codec::client_roundtrip);
}

#[cfg(feature = "arbitrary")]
#[test]
fn server_value_roundtrip() {
    replay(
        "server_value_roundtrip",
        msnp::fuzzing::codec::server_value_roundtrip,
    );
}

#[cfg(feature = "arbitrary")]
#[test]
fn client_value_roundtrip() {
    replay(
        "client_value_roundtrip",
        msnp::fuzzing::codec::client_value_roundtrip,
    );
}

#[test]
fn presence_values() {
    replay("presence_values", msnp::fuzzing::presence::presence_values);
}

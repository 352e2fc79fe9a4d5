//! Replays the committed `ns_session` fuzz corpus on stable, and checks that the seed
//! files still match what their builders make.

use msnp::fuzzing::ns::{encode, ns_session};

const T1_DS: &str = "VER 1 MSNP8 CVR0\r\nCVR 2 6.0.0602 6.0.0602 1.0.0000 http://download.microsoft.com/download/8/a/4/8a42bcae-f533-4468-b871-d2bc8dd32e9e/SETUP9x.EXE http://messenger.msn.com\r\nXFR 3 NS 207.46.106.35:1863 0 207.46.104.20:1863\r\n";
const T1_NS: &str = "VER 1 MSNP8 CVR0\r\nCVR 2 6.0.0602 6.0.0602 1.0.0000 http://download.microsoft.com/download/8/a/4/8a42bcae-f533-4468-b871-d2bc8dd32e9e/SETUP9x.EXE http://messenger.msn.com\r\nUSR 3 TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619\r\n";
const LOGGED_IN: &str = "USR 4 OK a@b.c example%20display%20name 1 0\r\n";

/// The seed inputs: T1, then a session with SYN, presence, challenge and keep-alive.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let connect = encode::call(0, 0);
    let ticket = encode::call(1, 7);
    let t1 = [
        connect.clone(),
        encode::server(T1_DS.as_bytes()),
        encode::closed(),
        connect.clone(),
        encode::server(T1_NS.as_bytes()),
        ticket.clone(),
        encode::server(LOGGED_IN.as_bytes()),
    ]
    .concat();
    let session = [
        t1.clone(),
        encode::call(4, 0),
        encode::server(b"SYN 5 15 2 2\r\nGTC A\r\nBLP AL\r\nLSG 0 O 0\r\nLSG 1 F 0\r\nLST c1@c.c C 11 0\r\nLST c2@c.c D 13 0,1\r\nBPR PHH 1\r\n"),
        encode::call(16, 0),
        encode::server(b"CHG 6 NLN 0\r\nILN 6 AWY c1@c.c C 0\r\nCHL 0 15570131571988941333\r\n"),
        encode::time(60),
        encode::server(b"QRY 7\r\nQNG\r\nFLN c1@c.c\r\n"),
        encode::call(5, 2),
        encode::server(b"ADD 9 FL 16 c2@c.c c2@c.c 2\r\n"),
        encode::time(200),
    ]
    .concat();
    vec![("t1", t1), ("session", session)]
}

#[test]
fn seed_files_are_current() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/ns_session");
    for (name, bytes) in seeds() {
        let path = format!("{dir}/seed-{name}");
        if std::env::var_os("MSNP_WRITE_CORPUS").is_some() {
            std::fs::write(&path, &bytes).unwrap();
        }
        let stored = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(stored, bytes, "{path} is stale: rerun with MSNP_WRITE_CORPUS=1");
    }
}

#[test]
fn corpus_replays_without_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/ns_session");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        ns_session(&std::fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count >= 2, "corpus has only {count} files");
}

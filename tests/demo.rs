//! `cargo run --example demo` as a test: the same script, every line of its story.

#[path = "../examples/demo.rs"]
mod demo;

/// Replaces each `127.0.0.1:<port>` with `127.0.0.1:PORT`: the ports are ephemeral.
fn mask_ports(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("127.0.0.1:") {
        let (before, after) = rest.split_at(at + "127.0.0.1:".len());
        out.push_str(before);
        out.push_str("PORT");
        rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

#[test]
fn the_demo_tells_the_same_story_every_time() {
    let mut lines = Vec::new();
    demo::run(&mut |line| lines.push(mask_ports(&line))).unwrap();
    assert_eq!(
        lines,
        [
            "[server] dispatch 127.0.0.1:PORT, notification 127.0.0.1:PORT, switchboard 127.0.0.1:PORT, Passport http://127.0.0.1:PORT/rdr/pprdr.asp",
            "[alice] signed in over MSNP12 as Alice: referred by the dispatch server, Passport 1.4 ticket over HTTP",
            "[alice] 0 contacts; status online",
            "[bob] signed in over MSNP12 as Bob: referred by the dispatch server, Passport 1.4 ticket over HTTP",
            "[bob] 0 contacts; status online",
            "[alice] added bob@example.com to the contact list",
            "[bob] alice@example.com added bob to their list",
            "[alice] bob@example.com (Bob) is online",
            "[bob] added alice@example.com to the contact list",
            "[alice] bob@example.com added alice to their list",
            "[bob] alice@example.com (Alice) is online",
            "[alice] shows the personal message \"on loopback, all day\" and a 70-byte display picture",
            "[bob] sees alice@example.com's personal message: \"on loopback, all day\"",
            "[bob] sees alice@example.com's display picture: 70 bytes, SHA-1 9993ed1d2781fdafd876038e6be0a1162d377be1, matches: true",
            "[bob] shows the personal message \"testing bots\" and a 43-byte display picture",
            "[alice] sees bob@example.com's personal message: \"testing bots\"",
            "[alice] sees bob@example.com's display picture: 43 bytes, SHA-1 939f40be7f1aaf623f62886de4aaba3886df9b65, matches: true",
            "[bob] fetched alice@example.com's display picture over P2P: 70 bytes, SHA-1 verified",
            "[alice] offers bob@example.com the file notes.bin (20000 bytes)",
            "[bob] received notes.bin: 20000 bytes, identical: true",
            "[alice → bob] hello bob  ✓ delivered",
            "[bob → alice] hi alice! how is the weather on loopback?  ✓ delivered",
            "[bob] sees alice@example.com typing…",
            "[alice → bob] sunny, 0 ms of latency  ✓ delivered",
            "[bob → alice] bye!  ✓ delivered",
            "[alice] signed out",
            "[bob] alice@example.com went offline",
            "[bob] signed out",
            "[server] stopped; 4 messages sent, 4 delivered",
        ]
    );
}

#[test]
fn ports_are_masked() {
    assert_eq!(
        mask_ports("a 127.0.0.1:1863, http://127.0.0.1:80/x 127.0.0.1:"),
        "a 127.0.0.1:PORT, http://127.0.0.1:PORT/x 127.0.0.1:PORT"
    );
}

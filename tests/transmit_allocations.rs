//! Heap allocations of a transmit, counted (not timed): once the machines' output
//! buffers have grown to a command's size, handing out the bytes of a text (switchboard)
//! or a status change (notification) allocates nothing. One test, so that no other
//! test's allocations land in the shared counter meanwhile.

#[path = "../benches/support/counting_alloc.rs"]
mod counting_alloc;

use std::time::Instant;

use msnp::codec::{AckMode, Passport, Status, Token};
use msnp::ns::{NotificationClient, NsConfig};
use msnp::sb::{SbConfig, SwitchboardClient};
use msnp::{Output, Secret};

const ROUNDS: usize = 200;

#[test]
fn a_steady_transmit_allocates_nothing() {
    let now = Instant::now();

    // Switchboard: a joined conversation, a text and its ACK per round.
    let me = Passport::try_from("alice@passport.com").unwrap();
    let cookie = Secret::new(Token::try_from("17262740.1050826919.32308").unwrap());
    let mut sb = SwitchboardClient::call(SbConfig::default(), me, cookie, now);
    sb.handle_input(
        now,
        b"USR 1 OK alice@passport.com Alice\r\nJOI bob@passport.com Bob\r\n",
    );
    while !matches!(sb.poll_output(), Output::Idle { .. }) {}
    let mut wire = Vec::with_capacity(4096);
    let mut ack = String::with_capacity(32);
    let (mut sb_transmits, mut sb_allocations) = (0, 0);
    for _ in 0..ROUNDS {
        let trids = sb
            .send_text(now, "hello, steady path", None, AckMode::Always)
            .unwrap();
        loop {
            let before = counting_alloc::allocations();
            match sb.poll_output() {
                Output::Transmit(bytes) => {
                    sb_allocations += counting_alloc::allocations() - before;
                    sb_transmits += 1;
                    wire.clear();
                    wire.extend_from_slice(bytes);
                }
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        assert!(wire.starts_with(format!("MSG {} A ", trids[0].0).as_bytes()));
        ack.clear();
        ack.push_str(&format!("ACK {}\r\n", trids[0].0));
        sb.handle_input(now, ack.as_bytes());
        while !matches!(sb.poll_output(), Output::Idle { .. }) {}
    }

    // Notification: signed in, a status change and its answer per round.
    let account = Passport::try_from("example@passport.com").unwrap();
    let mut ns = NotificationClient::new(NsConfig::default(), account, now);
    ns.handle_connected(now).unwrap();
    for line in [
        "VER 1 MSNP8 CVR0\r\n",
        "CVR 2 1 1 1 x y\r\n",
        "USR 3 TWN S a=b\r\n",
    ] {
        ns.handle_input(now, line.as_bytes());
        while !matches!(ns.poll_output(), Output::Idle { .. }) {}
    }
    ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
    ns.handle_input(now, b"USR 4 OK example@passport.com Me 1 0\r\n");
    while !matches!(ns.poll_output(), Output::Idle { .. }) {}
    let (mut ns_transmits, mut ns_allocations) = (0, 0);
    for round in 0..ROUNDS {
        let status = if round % 2 == 0 {
            Status::Busy
        } else {
            Status::Away
        };
        let trid = ns.set_status(now, status).unwrap();
        loop {
            let before = counting_alloc::allocations();
            match ns.poll_output() {
                Output::Transmit(bytes) => {
                    ns_allocations += counting_alloc::allocations() - before;
                    ns_transmits += 1;
                    wire.clear();
                    wire.extend_from_slice(bytes);
                }
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        assert!(wire.starts_with(format!("CHG {} ", trid.0).as_bytes()));
        let code = if round % 2 == 0 { "BSY" } else { "AWY" };
        ack.clear();
        ack.push_str(&format!("CHG {} {code} 0\r\n", trid.0));
        ns.handle_input(now, ack.as_bytes());
        while !matches!(ns.poll_output(), Output::Idle { .. }) {}
    }

    println!(
        "allocations per transmit: switchboard {:.2} ({sb_transmits} transmits), notification {:.2} ({ns_transmits})",
        sb_allocations as f64 / sb_transmits as f64,
        ns_allocations as f64 / ns_transmits as f64
    );
    assert_eq!((sb_transmits, ns_transmits), (ROUNDS, ROUNDS));
    // The first round grows the two buffers each machine swaps between.
    assert!(
        sb_allocations <= 2,
        "{sb_allocations} allocations in {sb_transmits} transmits"
    );
    assert!(
        ns_allocations <= 2,
        "{ns_allocations} allocations in {ns_transmits} transmits"
    );
}

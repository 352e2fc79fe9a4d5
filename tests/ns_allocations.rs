//! Heap allocations of the notification machine, counted (not timed): a `SYN` costs at
//! most three per contact (issue 11; `benches/session.rs` prints the figure for 10,000).

#[path = "../benches/support/counting_alloc.rs"]
mod counting_alloc;

use std::time::Instant;

use msnp::codec::Passport;
use msnp::ns::{NotificationClient, NsConfig, NsEvent};
use msnp::{Output, Secret};

const CONTACTS: usize = 2_000;

fn drain(ns: &mut NotificationClient) -> Vec<NsEvent> {
    let mut events = Vec::new();
    loop {
        match ns.poll_output() {
            Output::Idle { .. } => return events,
            Output::Event(event) => events.push(event),
            Output::Transmit(_) => {}
        }
    }
}

#[test]
fn a_download_allocates_at_most_three_times_per_contact() {
    let now = Instant::now();
    let account = Passport::try_from("example@passport.com").unwrap();
    let mut ns = NotificationClient::new(NsConfig::default(), account, now);
    ns.handle_connected(now).unwrap();
    for line in [
        "VER 1 MSNP8 CVR0\r\n",
        "CVR 2 1 1 1 x y\r\n",
        "USR 3 TWN S a=b\r\n",
    ] {
        ns.handle_input(now, line.as_bytes());
        drain(&mut ns);
    }
    ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
    ns.handle_input(now, b"USR 4 OK example@passport.com Me 1 0\r\n");
    drain(&mut ns);
    ns.sync_lists(now).unwrap();
    drain(&mut ns);

    // As the bench's block: three groups, one phone number every ten contacts.
    let mut syn = format!("SYN 5 42 {CONTACTS} 3\r\nGTC A\r\nBLP AL\r\n").into_bytes();
    syn.extend_from_slice(b"LSG 0 Other%20Contacts 0\r\nLSG 1 Friends 0\r\nLSG 2 Work 0\r\n");
    for i in 0..CONTACTS {
        let line = format!(
            "LST contact{i}@hotmail.com Contact%20number%20{i} 11 {}\r\n",
            i % 3
        );
        syn.extend_from_slice(line.as_bytes());
        if i % 10 == 0 {
            syn.extend_from_slice(b"BPR PHH 1%20(222)%20333%204444\r\n");
        }
    }
    let before = counting_alloc::allocations();
    ns.handle_input(now, &syn);
    let events = drain(&mut ns);
    let allocations = counting_alloc::allocations() - before;
    assert!(matches!(
        events.as_slice(),
        [NsEvent::ListSynced {
            contacts: CONTACTS,
            ..
        }]
    ));
    assert!(
        allocations <= 3 * CONTACTS,
        "{allocations} allocations for {CONTACTS} contacts"
    );
}

//! Heap allocations of an MSNP11 download, counted (not timed), beside MSNP8's in
//! `ns_allocations.rs`: the GUID model costs one allocation more per contact (its
//! contact GUID), so at most four.

#[path = "../benches/support/counting_alloc.rs"]
mod counting_alloc;

use std::time::Instant;

use msnp::codec::{DialectSet, Passport};
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
fn an_msnp11_download_allocates_at_most_four_times_per_contact() {
    let now = Instant::now();
    let account = Passport::try_from("example@passport.com").unwrap();
    let mut config = NsConfig::default();
    config.dialects = DialectSet::ALL;
    let mut ns = NotificationClient::new(config, account, now);
    ns.handle_connected(now).unwrap();
    for line in ["VER 1 MSNP11\r\n", "CVR 2 1 1 1 x y\r\n", "USR 3 TWN S a=b\r\n"] {
        ns.handle_input(now, line.as_bytes());
        drain(&mut ns);
    }
    ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
    ns.handle_input(now, b"USR 4 OK example@passport.com 1 0\r\n");
    drain(&mut ns);
    ns.sync_lists(now).unwrap();
    drain(&mut ns);

    // As the MSNP8 block: three groups, one phone number every ten contacts.
    let stamp = "2005-04-23T18:57:44.8130000-07:00";
    let mut syn =
        format!("SYN 5 {stamp} {stamp} {CONTACTS} 3\r\nGTC A\r\nBLP AL\r\nPRP MFN Me\r\n").into_bytes();
    let group = |g: usize| format!("{g:08x}-0000-4000-8000-000000000000");
    for (g, name) in ["Other%20Contacts", "Friends", "Work"].iter().enumerate() {
        syn.extend_from_slice(format!("LSG {name} {}\r\n", group(g)).as_bytes());
    }
    for i in 0..CONTACTS {
        let line = format!(
            "LST N=contact{i}@hotmail.com F=Contact%20number%20{i} C={i:08x}-1111-4222-8333-444455556666 11 {}\r\n",
            group(i % 3)
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
    assert!(
        matches!(
            events.as_slice(),
            [NsEvent::ListSynced {
                contacts: CONTACTS,
                ..
            }]
        ),
        "{events:?}"
    );
    println!("{allocations} allocations for {CONTACTS} contacts");
    assert!(
        allocations <= 4 * CONTACTS,
        "{allocations} allocations for {CONTACTS} contacts"
    );
}

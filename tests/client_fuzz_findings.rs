//! Regressions found by the whole-`Client` fuzz target (`client_session`), each written
//! out as exact calls, bytes and events.

mod support {
    pub mod scripted;
}

use msnp::client::{ClientConfig, ClientError};
use msnp::codec::{Dialect, DialectSet, Passport};
use support::scripted::{BOB, Harness};

/// `max_queued_messages` bounds the texts waiting over all conversations, those
/// waiting for a switchboard asked for included: a text that would ask for a new one
/// once the bound is reached is refused, and no `XFR` goes out for it. The fuzzer had
/// five texts waiting under a bound of four: four behind a full window, and one more
/// for a new switchboard, which only the path joining an existing request checked.
#[test]
fn a_text_for_a_new_switchboard_counts_against_the_queue_bound() {
    let mut config = ClientConfig::default();
    config.notification.dialects = DialectSet::only(Dialect::Msnp8);
    config.sync_lists = false;
    config.initial_status = None;
    config.max_queued_messages = 1;
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    let bob = Passport::try_from(BOB).unwrap();
    let carol = Passport::try_from("carol@example.com").unwrap();
    h.client.send_message(h.now, &bob, "hi").unwrap();
    h.drain();
    assert_eq!(h.sent_on(h.ns), "XFR 5 SB\r\n");
    assert_eq!(
        h.client.send_message(h.now, &carol, "hello"),
        Err(ClientError::TooManyQueued { max: 1 })
    );
    h.drain();
    assert_eq!(h.sent_on(h.ns), "");
    assert_eq!(h.take(), Vec::<String>::new());
}

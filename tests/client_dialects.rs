//! The `Client` under MSNP9–12: the same bot calls work on every dialect, the ones a
//! dialect lacks are refused with a typed error, and what contacts show beyond their
//! status (personal message, current media, display picture) arrives as flat events.

mod support {
    pub mod scripted;
}

use msnp::client::{ClientConfig, ClientError};
use msnp::codec::{ClientCaps, Dialect, DialectSet, Passport, Status};
use msnp::ns::NsError;
use msnp::presence::CurrentMedia;
use support::scripted::{BOB, COOKIE, Harness, ME};

impl Harness {
    /// Signed in under `dialect`, without lists or status, every output drained.
    fn signed_in(dialect: Dialect) -> Self {
        let mut config = ClientConfig::default();
        config.sync_lists = false;
        config.initial_status = None;
        config.notification.dialects = DialectSet::ALL;
        config.max_display_picture_len = 64;
        Self::signed_in_with(config, dialect)
    }
}

#[test]
fn personal_message_and_media_are_set_together_from_msnp11() {
    for dialect in [Dialect::Msnp11, Dialect::Msnp12] {
        let mut h = Harness::signed_in(dialect);
        let now = h.now;
        h.client.set_personal_message(now, "lunch <1h>").unwrap();
        h.drain();
        let psm = "<Data><PSM>lunch &lt;1h&gt;</PSM><CurrentMedia></CurrentMedia></Data>";
        assert_eq!(h.sent_on(h.ns), format!("UUX 5 {}\r\n{psm}", psm.len()));
        h.ns_input(b"UUX 5 0\r\n");
        assert_eq!(
            h.take(),
            [r#"PersonalMessageChanged { message: "lunch <1h>", media: None }"#]
        );
        // The media goes beside the message already set.
        let media = CurrentMedia::music("Title", "Artist", "Album");
        h.client.set_current_media(now, Some(media)).unwrap();
        h.drain();
        let sent = h.sent_on(h.ns);
        assert!(sent.starts_with("UUX 6 "), "{sent}");
        assert!(
            sent.contains("<PSM>lunch &lt;1h&gt;</PSM><CurrentMedia>"),
            "{sent}"
        );
        assert!(sent.contains("Title"), "{sent}");
        h.ns_input(b"UUX 6 0\r\n");
        let events = h.take();
        assert!(
            matches!(events.as_slice(), [e] if e.starts_with(r#"PersonalMessageChanged { message: "lunch <1h>", media: Some("#)),
            "{events:?}"
        );
    }
}

#[test]
fn personal_messages_are_refused_before_msnp11() {
    for dialect in [Dialect::Msnp8, Dialect::Msnp9, Dialect::Msnp10] {
        let mut h = Harness::signed_in(dialect);
        let now = h.now;
        assert_eq!(
            h.client.set_personal_message(now, "hi"),
            Err(ClientError::Notification(NsError::NotInDialect {
                call: "set_personal_status",
                dialect,
            }))
        );
        h.drain();
        assert_eq!(h.sent_on(h.ns), "");
    }
}

#[test]
fn the_display_picture_goes_out_with_the_status_and_is_kept() {
    let mut h = Harness::signed_in(Dialect::Msnp11);
    let now = h.now;
    assert_eq!(
        h.client.set_display_picture(now, vec![0; 65]),
        Err(ClientError::PictureTooLarge { len: 65, max: 64 })
    );
    // No status yet: the picture waits for the first CHG.
    assert_eq!(h.client.set_display_picture(now, b"PNG-bytes".to_vec()), Ok(None));
    let (object, bytes) = h.client.display_picture().unwrap();
    assert_eq!(bytes, b"PNG-bytes");
    assert!(object.matches_data(b"PNG-bytes"));
    let token = object.to_percent_encoded();
    h.client.set_status(now, Status::Online).unwrap();
    h.drain();
    assert_eq!(h.sent_on(h.ns), format!("CHG 5 NLN 268435456 {token}\r\n"));
    h.ns_input(format!("CHG 5 NLN 268435456 {token}\r\n").as_bytes());
    assert_eq!(h.take(), ["StatusChanged { status: Online }"]);
    // Cleared with a status set: announced at once.
    let trid = h.client.clear_display_picture(now).unwrap();
    assert_eq!(trid.map(|t| t.0), Some(6));
    h.drain();
    assert_eq!(h.sent_on(h.ns), "CHG 6 NLN 268435456\r\n");
    assert!(h.client.display_picture().is_none());
}

/// The `CHG` the client sends for its first status under `dialect`, with `config`'s
/// capabilities and (from MSNP9) a display picture set after it.
fn chg_lines(config: ClientConfig, dialect: Dialect) -> (String, Option<String>) {
    let mut h = Harness::signed_in_with(config, dialect);
    let now = h.now;
    h.client.set_status(now, Status::Online).unwrap();
    h.drain();
    let first = h.sent_on(h.ns);
    if dialect == Dialect::Msnp8 {
        return (first, None);
    }
    h.ns_input(first.as_bytes());
    h.client.set_display_picture(now, b"PNG-bytes".to_vec()).unwrap();
    h.drain();
    let token = h.client.display_picture().unwrap().0.to_percent_encoded();
    let again = h.sent_on(h.ns);
    assert!(again.ends_with(&format!(" {token}\r\n")), "{again}");
    (first, Some(again.replace(&token, "<object>")))
}

fn quiet_config() -> ClientConfig {
    let mut config = ClientConfig::default();
    config.sync_lists = false;
    config.initial_status = None;
    config.notification.dialects = DialectSet::ALL;
    config
}

#[test]
fn the_client_announces_msnc1_from_msnp9_on() {
    for dialect in Dialect::ALL {
        let (first, picture) = chg_lines(quiet_config(), dialect);
        if dialect == Dialect::Msnp8 {
            // No MSNC before MSNP9: the 5.0-class announcement stays.
            assert_eq!(first, "CHG 5 NLN 0\r\n");
        } else {
            // 0x10000000: MSNC1, nothing else (no ink, no multi-packet messages).
            assert_eq!(first, "CHG 5 NLN 268435456\r\n", "{dialect}");
            assert_eq!(
                picture.as_deref(),
                Some("CHG 6 NLN 268435456 <object>\r\n"),
                "{dialect}"
            );
        }
    }
}

#[test]
fn msnc1_goes_on_top_of_the_users_bits() {
    for dialect in Dialect::ALL {
        let mut config = quiet_config();
        config.notification.caps = ClientCaps(0).with(ClientCaps::WEBCAM | ClientCaps::INK_GIF);
        let (first, picture) = chg_lines(config, dialect);
        if dialect == Dialect::Msnp8 {
            assert_eq!(first, "CHG 5 NLN 20\r\n");
        } else {
            assert_eq!(first, "CHG 5 NLN 268435476\r\n", "{dialect}");
            assert_eq!(
                picture.as_deref(),
                Some("CHG 6 NLN 268435476 <object>\r\n"),
                "{dialect}"
            );
        }
    }
}

#[test]
fn a_version_the_user_chose_is_sent_as_chosen() {
    for dialect in Dialect::ALL {
        // In the caps themselves: sent in every dialect, as configured.
        let mut config = quiet_config();
        config.notification.caps = ClientCaps(0x20).with_msnc(4);
        let (first, _) = chg_lines(config, dialect);
        assert_eq!(first, "CHG 5 NLN 1073741856\r\n", "{dialect}");
        // As the machine's MSNC version: only where MSNC exists.
        let mut config = quiet_config();
        config.notification.msnc = 5;
        let (first, _) = chg_lines(config, dialect);
        let expected = match dialect {
            Dialect::Msnp8 => "CHG 5 NLN 0\r\n",
            _ => "CHG 5 NLN 1342177280\r\n",
        };
        assert_eq!(first, expected, "{dialect}");
    }
}

#[test]
fn nothing_is_added_when_the_user_opts_out_or_p2p_cannot_run() {
    let mut opted_out = quiet_config();
    opted_out.announce_p2p = false;
    opted_out.notification.caps = ClientCaps(ClientCaps::WEBCAM);
    let mut no_peers = quiet_config();
    no_peers.transfer.max_peers = 0;
    let mut no_transfers = quiet_config();
    no_transfers.transfer.max_transfers = 0;
    for dialect in [Dialect::Msnp9, Dialect::Msnp12] {
        let (first, picture) = chg_lines(opted_out.clone(), dialect);
        assert_eq!(first, "CHG 5 NLN 16\r\n");
        assert_eq!(picture.as_deref(), Some("CHG 6 NLN 16 <object>\r\n"));
        for config in [no_peers.clone(), no_transfers.clone()] {
            assert_eq!(chg_lines(config, dialect).0, "CHG 5 NLN 0\r\n");
        }
    }
}

#[test]
fn msnp8_has_no_display_pictures() {
    let mut h = Harness::signed_in(Dialect::Msnp8);
    let now = h.now;
    let refused = h.client.set_display_picture(now, b"PNG".to_vec()).unwrap_err();
    assert_eq!(refused.to_string(), "`set_msn_object` is not possible in MSNP8");
    assert!(h.client.display_picture().is_none());
}

#[test]
fn what_contacts_show_arrives_as_flat_events() {
    let mut h = Harness::signed_in(Dialect::Msnp12);
    let object = "%3Cmsnobj%20Creator%3D%22bob%40example.com%22%20Size%3D%2224539%22%20Type%3D%223%22%20\
Location%3D%220%22%20Friendly%3D%22AAA%3D%22%20SHA1D%3D%22trC8SlFx2sWQxZMIBAWSEnXc8oQ%3D%22%2F%3E";
    h.ns_input(format!("NLN NLN {BOB} Bob 1342177280 {object}\r\n").as_bytes());
    let psm = "<Data><PSM>probe &amp; test</PSM><CurrentMedia></CurrentMedia></Data>";
    h.ns_input(format!("UBX {BOB} {}\r\n{psm}", psm.len()).as_bytes());
    let events = h.take();
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(
        events[0],
        r#"ContactPresence { account: Passport("bob@example.com"), name: EncodedName("Bob"), status: Online }"#
    );
    assert!(
        events[1].starts_with(r#"ContactDisplayPicture { account: Passport("bob@example.com"), object: Some(MsnObject { creator: Passport("bob@example.com"), size: 24539"#),
        "{}",
        events[1]
    );
    assert_eq!(
        events[2],
        r#"ContactPersonalMessage { account: Passport("bob@example.com"), message: "probe & test", media: None }"#
    );
    let bob = Passport::try_from(BOB).unwrap();
    let ns = h.client.notification();
    assert_eq!(ns.contact_msn_object(&bob).map(|o| o.size()), Some(24539));
    assert_eq!(
        ns.contact_personal_status(&bob).map(|s| s.message.as_str()),
        Some("probe & test")
    );
    // Offline: both forgotten.
    h.ns_input(format!("FLN {BOB}\r\n").as_bytes());
    assert_eq!(
        h.take(),
        [r#"ContactOffline { account: Passport("bob@example.com") }"#]
    );
    assert!(h.client.notification().contact_msn_object(&bob).is_none());
}

#[test]
fn switchboards_speak_the_dialect_of_the_session() {
    // Under MSNP12 a JOI carries the joiner's capabilities; a switchboard cut in MSNP8
    // would skip it as malformed, and the text would never go.
    let mut h = Harness::signed_in(Dialect::Msnp12);
    let now = h.now;
    h.client
        .send_message(now, &Passport::try_from(BOB).unwrap(), "hi")
        .unwrap();
    h.drain();
    assert_eq!(h.sent_on(h.ns), "XFR 5 SB\r\n");
    h.ns_input(format!("XFR 5 SB 10.0.0.1:1865 CKI {COOKIE}\r\n").as_bytes());
    let sb = *h.connects.last().unwrap();
    h.client.handle_connected(sb, now);
    h.drain();
    h.input(sb, format!("USR 1 OK {ME} Bot\r\n").as_bytes());
    h.input(
        sb,
        format!("CAL 3 RINGING 11752013\r\nJOI {BOB} Bob 1342177312\r\nACK 2\r\n").as_bytes(),
    );
    let events = h.take();
    assert!(events.iter().any(|e| e.starts_with("Joined {")), "{events:?}");
    assert!(
        events.iter().any(|e| e.starts_with("MessageDelivered {")),
        "{events:?}"
    );
}

#[test]
fn each_stored_personal_message_is_told_as_it_was_sent() {
    let mut h = Harness::signed_in(Dialect::Msnp11);
    let now = h.now;
    h.client.set_personal_message(now, "first").unwrap();
    h.client.set_personal_message(now, "second").unwrap();
    h.drain();
    h.ns_input(b"UUX 5 0\r\nUUX 6 0\r\n");
    assert_eq!(
        h.take(),
        [
            r#"PersonalMessageChanged { message: "first", media: None }"#,
            r#"PersonalMessageChanged { message: "second", media: None }"#,
        ]
    );
}

#[test]
fn the_contact_list_tells_each_contacts_network_under_msnp12() {
    let mut config = quiet_config();
    config.sync_lists = true;
    let mut h = Harness::signed_in_with(config, Dialect::Msnp12);
    h.ns_input(
        b"SYN 5 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 2 0\r\nGTC A\r\nBLP AL\r\n\
PRP MFN Bot\r\n\
LST N=bob@example.com F=Bob C=ab690000-1111-4222-8333-444455556666 11 1 \r\n\
LST N=yuri@yahoo.com F=Yuri C=0000aaaa-1111-4222-8333-444455556666 11 32 \r\n",
    );
    assert_eq!(
        h.take(),
        [
            r#"NameChanged { name: EncodedName("Bot") }"#,
            "ListSynced { contacts: 2, groups: 0, from_cache: false }"
        ]
    );
    let networks: Vec<_> = h
        .client
        .contact_list()
        .contacts()
        .map(|c| (c.account().as_str(), c.network()))
        .collect();
    assert_eq!(
        networks,
        [("bob@example.com", Some(1)), ("yuri@yahoo.com", Some(32))]
    );
}

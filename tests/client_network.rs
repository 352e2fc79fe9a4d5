//! The `Client` against the crate's own server, in memory: login through the dispatch
//! server and Passport, lists, presence, conversations and delivery accounting.
//!
//! Events are compared as their `{:?}` text, in order and in full (the transcript
//! runner's convention), except two that carry per-login values: the Passport challenge
//! (checked for its fixed prefix).

use std::time::Duration;

use msnp::client::{ClientConfig, ClientError, ConversationId, InvitationPolicy};
use msnp::codec::{List, Passport, Status};
use msnp::testing::loopback::Network;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const CAROL: &str = "carol@example.com";

fn passport(s: &str) -> Passport<'static> {
    Passport::try_from(s.to_owned()).unwrap()
}

/// The events `peer` emitted since the last call, as `{:?}` text.
fn events(net: &mut Network, peer: usize) -> Vec<String> {
    net.take_events(peer)
        .into_iter()
        .map(|event| format!("{event:?}"))
        .collect()
}

/// The five events of a login that syncs `contacts` contacts at `version` and goes
/// online. An account that never had a list (version 0) has no group either.
/// The events of a sign-in under MSNP12, which client and server both default to: the
/// name arrives with the list (`PRP MFN`), after `USR OK` has named only the account,
/// and there is no default group nor a list version, so no list comes from a cache.
fn login(account: &str, name: &str, contacts: usize) -> Vec<String> {
    let logged_in = format!(
        r#"LoggedIn {{ account: Passport("{account}"), name: EncodedName("{account}"), dialect: Msnp12 }}"#
    );
    let profile =
        r#"Other { conversation: None, description: "the server sent the account's profile" }"#.to_owned();
    let named = format!(r#"NameChanged {{ name: EncodedName("{name}") }}"#);
    let synced = format!("ListSynced {{ contacts: {contacts}, groups: 0, from_cache: false }}");
    let online = "StatusChanged { status: Online }".to_owned();
    vec![logged_in, profile, named, synced, online]
}

/// The events of a sign-in under MSNP8 (a client that offers only it): the name comes
/// with `USR OK`, the list has a version and group 0.
fn login_msnp8(account: &str, name: &str, version: u32, contacts: usize, from_cache: bool) -> Vec<String> {
    let groups = usize::from(version > 0);
    vec![
        format!(
            r#"LoggedIn {{ account: Passport("{account}"), name: EncodedName("{name}"), dialect: Msnp8 }}"#
        ),
        r#"Other { conversation: None, description: "the server sent the account's profile" }"#.to_owned(),
        format!("ListSynced {{ contacts: {contacts}, groups: {groups}, from_cache: {from_cache} }}"),
        "StatusChanged { status: Online }".to_owned(),
    ]
}

/// A client that offers MSNP8 alone, for what only MSNP8 has (list versions, the cache).
fn msnp8() -> ClientConfig {
    let mut config = ClientConfig::default();
    config.notification.dialects = msnp::codec::DialectSet::only(msnp::codec::Dialect::Msnp8);
    config
}

fn concat(parts: &[&[String]]) -> Vec<String> {
    parts.concat()
}

fn presence(account: &str, name: &str, status: &str) -> String {
    format!(
        r#"ContactPresence {{ account: Passport("{account}"), name: EncodedName("{name}"), status: {status} }}"#
    )
}

/// Alice and Bob, friends, both signed in; their login events are checked and taken.
fn alice_and_bob(bob_config: ClientConfig) -> (Network, usize, usize) {
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", ClientConfig::default());
    let bob = net.add_client(BOB, "b-secret", "Bob", bob_config);
    net.befriend(ALICE, BOB);
    net.run();
    assert_eq!(events(&mut net, alice)[..5], login(ALICE, "Alice", 1)[..]);
    assert_eq!(events(&mut net, bob)[..5], login(BOB, "Bob", 1)[..]);
    (net, alice, bob)
}

#[test]
fn login_follows_the_dispatch_referral_and_passport() {
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", ClientConfig::default());
    net.run();
    assert_eq!(events(&mut net, alice), login(ALICE, "Alice", 0));
    let connects: Vec<String> = net.connects(alice).iter().map(|a| a.to_string()).collect();
    assert_eq!(connects, ["127.0.0.1:1863", "127.0.0.1:1864"]);
    assert_eq!(net.client(alice).notification().status(), Some(Status::Online));
    assert!(!net.client(alice).is_closed());
}

#[test]
fn a_wrong_password_ends_the_session_with_passports_reason() {
    let mut net = Network::new();
    net.server().add_account(ALICE, "a-secret", "Alice").unwrap();
    let alice = net.add_session(ALICE, "wrong", ClientConfig::default());
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [
            r#"SessionEnded { reason: Passport(CredentialsRejected { message: Some("The e-mail address or password is incorrect") }) }"#
        ]
    );
    assert!(net.client(alice).is_closed());
}

#[test]
fn a_second_session_reuses_the_kept_contact_list() {
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", msnp8());
    net.server().add_account(BOB, "b-secret", "Bob").unwrap();
    net.befriend(ALICE, BOB);
    net.run();
    assert_eq!(events(&mut net, alice), login_msnp8(ALICE, "Alice", 3, 1, false));
    let kept = net.client(alice).contact_list().clone();
    assert_eq!(kept.version(), 3);
    let lists = kept.contact(&passport(BOB)).unwrap().lists();
    assert!(lists.contains(List::Forward) && lists.contains(List::Allow) && lists.contains(List::Reverse));

    let now = net.now();
    net.client(alice).logout(now).unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        ["SessionEnded { reason: Notification(LoggedOut) }"]
    );

    let mut config = msnp8();
    config.contact_list = Some(kept.clone());
    let again = net.add_session(ALICE, "a-secret", config);
    net.run();
    assert_eq!(events(&mut net, again), login_msnp8(ALICE, "Alice", 3, 1, true));
    assert_eq!(net.client(again).contact_list(), &kept);
}

#[test]
fn presence_of_a_contact_coming_changing_and_going() {
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", ClientConfig::default());
    net.server().add_account(BOB, "b-secret", "Bob").unwrap();
    net.befriend(ALICE, BOB);
    net.run();
    events(&mut net, alice);

    let bob = net.add_session(BOB, "b-secret", ClientConfig::default());
    net.run();
    // Bob sees Alice at once (ILN after his CHG); Alice sees him come (NLN).
    assert_eq!(
        events(&mut net, bob),
        concat(&[&login(BOB, "Bob", 1), &[presence(ALICE, "Alice", "Online")]])
    );
    assert_eq!(events(&mut net, alice), [presence(BOB, "Bob", "Online")]);

    let now = net.now();
    net.client(bob).set_status(now, Status::Busy).unwrap();
    net.run();
    assert_eq!(events(&mut net, alice), [presence(BOB, "Bob", "Busy")]);
    let seen = net
        .client(alice)
        .contact_list()
        .contact(&passport(BOB))
        .unwrap()
        .status();
    assert_eq!(seen, Status::Busy);

    // Hidden looks offline to contacts.
    net.client(bob).set_status(now, Status::Hidden).unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [r#"ContactOffline { account: Passport("bob@example.com") }"#]
    );
    net.client(bob).set_status(now, Status::Away).unwrap();
    net.run();
    assert_eq!(events(&mut net, alice), [presence(BOB, "Bob", "Away")]);

    net.client(bob).logout(now).unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [r#"ContactOffline { account: Passport("bob@example.com") }"#]
    );
    assert_eq!(
        events(&mut net, bob).last().unwrap(),
        "SessionEnded { reason: Notification(LoggedOut) }"
    );
}

#[test]
fn a_contact_is_accepted_blocked_and_unblocked_without_naming_lists() {
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", ClientConfig::default());
    let carol = net.add_client(CAROL, "c-secret", "Carol", ClientConfig::default());
    net.run();
    events(&mut net, alice);
    events(&mut net, carol);
    let now = net.now();
    net.client(carol)
        .add_contact(now, List::Forward, &passport(ALICE))
        .unwrap();
    net.run();
    events(&mut net, carol);
    assert_eq!(
        events(&mut net, alice),
        [r#"AddedBy { account: Passport("carol@example.com"), name: EncodedName("Carol") }"#]
    );

    assert_eq!(
        net.client(alice)
            .accept_contact(now, &passport(CAROL))
            .unwrap()
            .len(),
        2
    );
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [
            // MSNP12's ADC AL echoes the name Carol's RL notice gave (reference §4.2).
            r#"ContactAdded { account: Passport("carol@example.com"), name: EncodedName("Carol"), list: Allow, group: None }"#.to_owned(),
            // No default group under MSNP10+: a new contact is groupless.
            r#"ContactAdded { account: Passport("carol@example.com"), name: EncodedName("carol@example.com"), list: Forward, group: None }"#.to_owned(),
            presence(CAROL, "Carol", "Online"),
        ]
    );
    assert_eq!(
        events(&mut net, carol),
        [r#"AddedBy { account: Passport("alice@example.com"), name: EncodedName("Alice") }"#]
    );
    // Accepted already: nothing is left to send.
    assert_eq!(
        net.client(alice).accept_contact(now, &passport(CAROL)).unwrap(),
        []
    );

    net.client(alice).block(now, &passport(CAROL)).unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [
            r#"ContactRemoved { account: Passport("carol@example.com"), list: Allow, group: None }"#,
            // MSNP12 replies name no one (`ADC t BL N=…`): the list's name for Carol stands.
            r#"ContactAdded { account: Passport("carol@example.com"), name: EncodedName("Carol"), list: Block, group: None }"#,
        ]
    );
    assert_eq!(
        events(&mut net, carol),
        [r#"ContactOffline { account: Passport("alice@example.com") }"#]
    );

    net.client(alice).unblock(now, &passport(CAROL)).unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [
            r#"ContactRemoved { account: Passport("carol@example.com"), list: Block, group: None }"#,
            r#"ContactAdded { account: Passport("carol@example.com"), name: EncodedName("Carol"), list: Allow, group: None }"#,
        ]
    );
    assert_eq!(events(&mut net, carol), [presence(ALICE, "Alice", "Online")]);
}

#[test]
fn list_edits_are_confirmed_and_kept() {
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", ClientConfig::default());
    let carol = net.add_client(CAROL, "c-secret", "Carol", ClientConfig::default());
    net.run();
    events(&mut net, alice);
    events(&mut net, carol);

    let now = net.now();
    net.client(alice)
        .add_contact(now, List::Forward, &passport(CAROL))
        .unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [
            r#"ContactAdded { account: Passport("carol@example.com"), name: EncodedName("carol@example.com"), list: Forward, group: None }"#.to_owned(),
            presence(CAROL, "Carol", "Online"),
        ]
    );
    assert_eq!(
        events(&mut net, carol),
        [r#"AddedBy { account: Passport("alice@example.com"), name: EncodedName("Alice") }"#]
    );
    let lists = net
        .client(alice)
        .contact_list()
        .contact(&passport(CAROL))
        .unwrap()
        .lists();
    assert!(lists.contains(List::Forward));

    net.client(alice)
        .remove_contact(now, List::Forward, &passport(CAROL))
        .unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [r#"ContactRemoved { account: Passport("carol@example.com"), list: Forward, group: None }"#]
    );
    assert_eq!(
        events(&mut net, carol),
        [r#"RemovedBy { account: Passport("alice@example.com") }"#]
    );
    // MSNP10+ lists carry no version.
    assert_eq!(net.client(alice).contact_list().version(), 0);
    assert!(
        net.client(alice)
            .contact_list()
            .contact(&passport(CAROL))
            .is_none()
    );
}

#[test]
fn a_new_switchboard_is_opened_once_then_reused() {
    let (mut net, alice, bob) = alice_and_bob(ClientConfig::default());
    let now = net.now();
    let first = net
        .client(alice)
        .send_message(now, &passport(BOB), "hello bob")
        .unwrap();
    net.run();
    // USR is TrID 1; the waiting text took 2 when it was queued, so CAL is 3.
    assert_eq!(
        events(&mut net, alice),
        [
            "ConversationStarted { conversation: ConversationId(0), invited_by: None }".to_owned(),
            r#"Other { conversation: Some(ConversationId(0)), description: "the invitation to bob@example.com is ringing" }"#.to_owned(),
            r#"Joined { conversation: ConversationId(0), account: Passport("bob@example.com"), name: EncodedName("Bob") }"#.to_owned(),
            format!("MessageDelivered {{ handle: {first:?} }}"),
        ]
    );
    assert_eq!(
        events(&mut net, bob),
        [
            r#"ConversationStarted { conversation: ConversationId(0), invited_by: Some(Passport("alice@example.com")) }"#,
            r#"Joined { conversation: ConversationId(0), account: Passport("alice@example.com"), name: EncodedName("Alice") }"#,
            r#"TextReceived { conversation: ConversationId(0), from: Passport("alice@example.com"), name: EncodedName("Alice"), text: "hello bob", format: None }"#,
        ]
    );
    let connects = net.connects(alice).len();
    assert_eq!(connects, 3, "dispatch, notification, one switchboard");

    let second = net
        .client(alice)
        .send_message(now, &passport(BOB), "again")
        .unwrap();
    assert_ne!(first, second);
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [format!("MessageDelivered {{ handle: {second:?} }}")]
    );
    assert_eq!(
        events(&mut net, bob),
        [
            r#"TextReceived { conversation: ConversationId(0), from: Passport("alice@example.com"), name: EncodedName("Alice"), text: "again", format: None }"#
        ]
    );
    assert_eq!(net.connects(alice).len(), connects, "no second XFR SB");
    assert_eq!(net.client(alice).conversations().count(), 1);

    // Bob answers in the conversation he was invited to; it reaches Alice's.
    let (conversation, _) = net.client(bob).conversations().next().unwrap();
    let reply = net
        .client(bob)
        .send_to_conversation(now, conversation, "hi alice")
        .unwrap();
    net.run();
    assert_eq!(
        events(&mut net, bob),
        [format!("MessageDelivered {{ handle: {reply:?} }}")]
    );
    assert_eq!(
        events(&mut net, alice),
        [
            r#"TextReceived { conversation: ConversationId(0), from: Passport("bob@example.com"), name: EncodedName("Bob"), text: "hi alice", format: None }"#
        ]
    );
}

fn config(invitations: InvitationPolicy) -> ClientConfig {
    let mut config = ClientConfig::default();
    config.invitations = invitations;
    config
}

fn only_conversation(net: &mut Network, peer: usize) -> ConversationId {
    let ids: Vec<ConversationId> = net.client(peer).conversations().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    ids[0]
}

#[test]
fn a_declined_invitation_leaves_the_caller_waiting_until_the_join_timeout() {
    let (mut net, alice, bob) = alice_and_bob(config(InvitationPolicy::DeclineAll));
    let now = net.now();
    let handle = net
        .client(alice)
        .send_message(now, &passport(BOB), "anyone?")
        .unwrap();
    net.run();
    assert_eq!(
        events(&mut net, bob),
        [r#"ConversationDeclined { from: Passport("alice@example.com"), session: Token("1") }"#]
    );
    assert_eq!(
        events(&mut net, alice),
        [
            "ConversationStarted { conversation: ConversationId(0), invited_by: None }",
            r#"Other { conversation: Some(ConversationId(0)), description: "the invitation to bob@example.com is ringing" }"#,
        ]
    );
    // A second message to Bob waits in the same conversation rather than asking again.
    let second = net
        .client(alice)
        .send_message(now, &passport(BOB), "hello?")
        .unwrap();
    net.run();
    assert_eq!(events(&mut net, alice), Vec::<String>::new());
    assert_eq!(net.connects(alice).len(), 3);

    // The default join timeout is 60 s: one second short of it nothing happens.
    net.advance(Duration::from_secs(59));
    assert_eq!(events(&mut net, alice), Vec::<String>::new());
    net.advance(Duration::from_secs(1));
    assert_eq!(
        events(&mut net, alice),
        [
            format!("MessageNotDelivered {{ handle: {handle:?}, reason: NobodyJoined }}"),
            format!("MessageNotDelivered {{ handle: {second:?}, reason: NobodyJoined }}"),
            "ConversationEnded { conversation: ConversationId(0), reason: Left }".to_owned(),
        ]
    );
    assert_eq!(net.client(alice).conversations().count(), 0);
    assert_eq!(events(&mut net, bob), Vec::<String>::new());
}

#[test]
fn accept_contacts_joins_a_friend_and_declines_a_stranger() {
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", ClientConfig::default());
    let bob = net.add_client(BOB, "b-secret", "Bob", config(InvitationPolicy::AcceptContacts));
    let carol = net.add_client(CAROL, "c-secret", "Carol", ClientConfig::default());
    net.befriend(ALICE, BOB);
    net.run();
    for peer in [alice, bob, carol] {
        events(&mut net, peer);
    }
    let now = net.now();
    let from_stranger = net
        .client(carol)
        .send_message(now, &passport(BOB), "hi, stranger here")
        .unwrap();
    let from_friend = net
        .client(alice)
        .send_message(now, &passport(BOB), "hi, friend here")
        .unwrap();
    net.run();
    let bob_events = events(&mut net, bob);
    assert_eq!(
        bob_events,
        [
            r#"ConversationStarted { conversation: ConversationId(0), invited_by: Some(Passport("alice@example.com")) }"#,
            r#"ConversationDeclined { from: Passport("carol@example.com"), session: Token("2") }"#,
            r#"Joined { conversation: ConversationId(0), account: Passport("alice@example.com"), name: EncodedName("Alice") }"#,
            r#"TextReceived { conversation: ConversationId(0), from: Passport("alice@example.com"), name: EncodedName("Alice"), text: "hi, friend here", format: None }"#,
        ]
    );
    assert_eq!(
        events(&mut net, alice).last().unwrap(),
        &format!("MessageDelivered {{ handle: {from_friend:?} }}")
    );
    net.advance(Duration::from_secs(60));
    assert_eq!(
        events(&mut net, carol)[2..],
        [
            format!("MessageNotDelivered {{ handle: {from_stranger:?}, reason: NobodyJoined }}"),
            "ConversationEnded { conversation: ConversationId(0), reason: Left }".to_owned(),
        ]
    );
}

#[test]
fn a_third_person_joins_and_a_conversation_message_reaches_both() {
    let (mut net, alice, bob) = alice_and_bob(ClientConfig::default());
    let carol = net.add_client(CAROL, "c-secret", "Carol", ClientConfig::default());
    net.run();
    events(&mut net, carol);
    let now = net.now();
    net.client(alice)
        .send_message(now, &passport(BOB), "hello bob")
        .unwrap();
    net.run();
    events(&mut net, alice);
    events(&mut net, bob);

    let conversation = only_conversation(&mut net, alice);
    net.client(alice)
        .invite(now, conversation, &passport(CAROL))
        .unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [
            r#"Other { conversation: Some(ConversationId(0)), description: "the invitation to carol@example.com is ringing" }"#,
            r#"Joined { conversation: ConversationId(0), account: Passport("carol@example.com"), name: EncodedName("Carol") }"#,
        ]
    );
    assert_eq!(
        events(&mut net, bob),
        [
            r#"Joined { conversation: ConversationId(0), account: Passport("carol@example.com"), name: EncodedName("Carol") }"#
        ]
    );
    assert_eq!(
        events(&mut net, carol),
        [
            r#"ConversationStarted { conversation: ConversationId(0), invited_by: Some(Passport("alice@example.com")) }"#,
            r#"Joined { conversation: ConversationId(0), account: Passport("alice@example.com"), name: EncodedName("Alice") }"#,
            r#"Joined { conversation: ConversationId(0), account: Passport("bob@example.com"), name: EncodedName("Bob") }"#,
        ]
    );

    let handle = net
        .client(alice)
        .send_to_conversation(now, conversation, "hello both")
        .unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [format!("MessageDelivered {{ handle: {handle:?} }}")]
    );
    let text = r#"TextReceived { conversation: ConversationId(0), from: Passport("alice@example.com"), name: EncodedName("Alice"), text: "hello both", format: None }"#;
    assert_eq!(events(&mut net, bob), [text]);
    assert_eq!(events(&mut net, carol), [text]);

    // Bob is no longer the only other participant: a message to him alone needs a new
    // switchboard.
    let connects = net.connects(alice).len();
    let private = net
        .client(alice)
        .send_message(now, &passport(BOB), "just you")
        .unwrap();
    net.run();
    assert_eq!(net.connects(alice).len(), connects + 1);
    assert_eq!(
        events(&mut net, alice),
        [
            "ConversationStarted { conversation: ConversationId(1), invited_by: None }".to_owned(),
            r#"Other { conversation: Some(ConversationId(1)), description: "the invitation to bob@example.com is ringing" }"#.to_owned(),
            r#"Joined { conversation: ConversationId(1), account: Passport("bob@example.com"), name: EncodedName("Bob") }"#.to_owned(),
            format!("MessageDelivered {{ handle: {private:?} }}"),
        ]
    );
    assert_eq!(events(&mut net, carol), Vec::<String>::new());
}

#[test]
fn a_message_to_an_offline_contact_is_not_delivered() {
    let (mut net, alice, _bob) = alice_and_bob(ClientConfig::default());
    net.server().add_account(CAROL, "c-secret", "Carol").unwrap();
    let now = net.now();
    let handle = net
        .client(alice)
        .send_message(now, &passport(CAROL), "are you there?")
        .unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [
            "ConversationStarted { conversation: ConversationId(0), invited_by: None }".to_owned(),
            r#"InviteFailed { conversation: ConversationId(0), account: Passport("carol@example.com"), reason: Offline }"#.to_owned(),
            format!("MessageNotDelivered {{ handle: {handle:?}, reason: InviteFailed(Offline) }}"),
            "ConversationEnded { conversation: ConversationId(0), reason: Left }".to_owned(),
        ]
    );
    assert_eq!(net.client(alice).conversations().count(), 0);
}

#[test]
fn without_a_visible_status_the_server_opens_no_switchboard() {
    let (mut net, alice, _bob) = alice_and_bob(ClientConfig::default());
    let now = net.now();
    net.client(alice).set_status(now, Status::Hidden).unwrap();
    net.run();
    assert_eq!(events(&mut net, alice), ["StatusChanged { status: Hidden }"]);
    let handle = net
        .client(alice)
        .send_message(now, &passport(BOB), "psst")
        .unwrap();
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [format!(
            "MessageNotDelivered {{ handle: {handle:?}, reason: NoSwitchboard(ErrorCode(913)) }}"
        )]
    );

    // Never having set a status is the same to the server.
    let mut config = ClientConfig::default();
    config.initial_status = None;
    let carol = net.add_client(CAROL, "c-secret", "Carol", config);
    net.run();
    assert_eq!(events(&mut net, carol), login(CAROL, "Carol", 0)[..4]);
    let handle = net.client(carol).send_message(now, &passport(BOB), "hi").unwrap();
    net.run();
    assert_eq!(
        events(&mut net, carol),
        [format!(
            "MessageNotDelivered {{ handle: {handle:?}, reason: NoSwitchboard(ErrorCode(913)) }}"
        )]
    );
}

#[test]
fn a_switchboard_that_dies_ends_its_messages_and_a_new_one_is_opened() {
    let (mut net, alice, bob) = alice_and_bob(ClientConfig::default());
    let now = net.now();
    net.client(alice)
        .send_message(now, &passport(BOB), "first")
        .unwrap();
    net.run();
    events(&mut net, alice);
    events(&mut net, bob);

    // Written to the socket, then the switchboard crashes before acknowledging.
    let in_flight = net
        .client(alice)
        .send_message(now, &passport(BOB), "lost?")
        .unwrap();
    net.flush_client(alice);
    assert_eq!(net.drop_switchboards(None), 2);
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [
            format!("MessageNotDelivered {{ handle: {in_flight:?}, reason: Switchboard(SessionClosed) }}"),
            "ConversationEnded { conversation: ConversationId(0), reason: ConnectionLost }".to_owned(),
        ]
    );
    assert_eq!(
        events(&mut net, bob),
        ["ConversationEnded { conversation: ConversationId(0), reason: ConnectionLost }"]
    );

    let next = net
        .client(alice)
        .send_message(now, &passport(BOB), "second try")
        .unwrap();
    net.run();
    let alice_events = events(&mut net, alice);
    assert_eq!(
        alice_events[0],
        "ConversationStarted { conversation: ConversationId(1), invited_by: None }"
    );
    assert_eq!(
        alice_events.last().unwrap(),
        &format!("MessageDelivered {{ handle: {next:?} }}")
    );
}

#[test]
fn signing_in_elsewhere_ends_the_first_session_last_and_every_message_with_it() {
    let (mut net, alice, _bob) = alice_and_bob(config(InvitationPolicy::DeclineAll));
    let carol = net.add_client(CAROL, "c-secret", "Carol", config(InvitationPolicy::DeclineAll));
    net.run();
    events(&mut net, carol);
    let now = net.now();
    // Bob and Carol decline, so both messages wait for a join in their conversations.
    let to_bob = net
        .client(alice)
        .send_message(now, &passport(BOB), "waiting")
        .unwrap();
    let to_carol = net
        .client(alice)
        .send_message(now, &passport(CAROL), "also waiting")
        .unwrap();
    net.run();
    assert_eq!(events(&mut net, alice).len(), 4, "two started, two ringing");

    let elsewhere = net.add_session(ALICE, "a-secret", ClientConfig::default());
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [
            format!("MessageNotDelivered {{ handle: {to_bob:?}, reason: Switchboard(NeverSent) }}"),
            "ConversationEnded { conversation: ConversationId(0), reason: Left }".to_owned(),
            format!("MessageNotDelivered {{ handle: {to_carol:?}, reason: Switchboard(NeverSent) }}"),
            "ConversationEnded { conversation: ConversationId(1), reason: Left }".to_owned(),
            "SessionEnded { reason: Notification(SignedInElsewhere) }".to_owned(),
        ]
    );
    assert!(net.client(alice).is_closed());
    assert_eq!(net.client(alice).conversations().count(), 0);
    assert_eq!(
        events(&mut net, elsewhere),
        concat(&[&login(ALICE, "Alice", 1), &[presence(BOB, "Bob", "Online")]])
    );
    assert_eq!(
        net.client(alice).send_message(now, &passport(BOB), "late"),
        Err(ClientError::Closed)
    );
    // Nothing more comes from the closed session, whatever the time.
    net.advance(Duration::from_secs(3600));
    assert_eq!(events(&mut net, alice), Vec::<String>::new());
}

#[test]
fn a_server_shutdown_ends_every_session() {
    let (mut net, alice, bob) = alice_and_bob(ClientConfig::default());
    let now = net.now();
    net.client(alice)
        .send_message(now, &passport(BOB), "hello")
        .unwrap();
    net.run();
    events(&mut net, alice);
    events(&mut net, bob);
    // Asked for before the shutdown, its XFR SB meets a closing server: never answered.
    let unanswered = net
        .client(bob)
        .send_message(now, &passport(CAROL), "hi carol")
        .unwrap();
    net.server().shutdown(now);
    net.run();
    assert_eq!(
        events(&mut net, alice),
        [
            "ConversationEnded { conversation: ConversationId(0), reason: Left }",
            "SessionEnded { reason: Notification(ServerShutdown) }",
        ]
    );
    assert_eq!(
        events(&mut net, bob),
        [
            format!("MessageNotDelivered {{ handle: {unanswered:?}, reason: SessionEnded }}"),
            "ConversationEnded { conversation: ConversationId(0), reason: Left }".to_owned(),
            "SessionEnded { reason: Notification(ServerShutdown) }".to_owned(),
        ]
    );
    assert!(net.client(alice).is_closed() && net.client(bob).is_closed());
}

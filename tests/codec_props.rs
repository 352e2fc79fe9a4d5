//! Property tests of the codec: round trips, chunk invariance, bounded memory.
//!
//! Case counts are modest so CI on two cores stays fast; `PROPTEST_CASES=20000` runs a
//! long local campaign.

use std::borrow::Cow;

use msnp::codec::{
    ClientCommand, DecodeError, Direction, EncodedName, Framer, Limits, Passport, ServerCommand, Status, TrId,
};
use msnp::fuzzing::codec as fuzzing;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(128),
        ..ProptestConfig::default()
    }
}

/// A token: printable ASCII or any non-ASCII character, no space or control.
fn token_text() -> impl Strategy<Value = String> {
    "[!-~\u{a0}-\u{10ffff}]{1,24}"
}

fn passport() -> impl Strategy<Value = Passport<'static>> {
    "[!-~]{1,40}".prop_map(|s| Passport::try_from(s).unwrap())
}

/// Display text of any kind (spaces, CR LF, NUL, emoji), percent-encoded.
fn name() -> impl Strategy<Value = EncodedName<'static>> {
    prop_oneof![
        ".{1,40}".prop_map(|s| EncodedName::from_text(&s).unwrap()),
        token_text().prop_map(|s| EncodedName::try_from(s).unwrap()),
    ]
}

fn status() -> impl Strategy<Value = Status> {
    proptest::sample::select(Status::ALL)
}

/// A handful of server commands built through the API, without the `arbitrary` feature.
fn server_command() -> impl Strategy<Value = ServerCommand<'static>> {
    prop_oneof![
        (status(), passport(), name(), proptest::option::of(any::<u32>())).prop_map(
            |(status, account, name, caps)| {
                ServerCommand::Nln {
                    status,
                    account,
                    name,
                    caps: caps.map(msnp::codec::ClientCaps),
                    msn_object: None,
                }
            }
        ),
        (passport(), name(), proptest::collection::vec(any::<u8>(), 0..300)).prop_map(
            |(from, name, payload)| {
                ServerCommand::Msg {
                    from,
                    name,
                    payload: Cow::Owned(payload),
                }
            }
        ),
        passport().prop_map(|account| ServerCommand::Fln { account }),
        any::<u32>().prop_map(|t| ServerCommand::Ack { trid: TrId(t) }),
        token_text().prop_map(|c| ServerCommand::Chl {
            trid: TrId(0),
            challenge: msnp::codec::Token::try_from(c).unwrap(),
        }),
    ]
}

fn client_command() -> impl Strategy<Value = ClientCommand<'static>> {
    prop_oneof![
        (any::<u32>(), status(), proptest::option::of(any::<u32>())).prop_map(|(t, status, caps)| {
            ClientCommand::Chg {
                trid: TrId(t),
                status,
                caps: caps.map(msnp::codec::ClientCaps),
                msn_object: None,
            }
        }),
        (any::<u32>(), passport(), name()).prop_map(|(t, account, name)| ClientCommand::Rea {
            trid: TrId(t),
            account,
            name,
        }),
        (any::<u32>(), proptest::collection::vec(any::<u8>(), 0..300)).prop_map(|(t, payload)| {
            ClientCommand::Msg {
                trid: TrId(t),
                ack: msnp::codec::AckMode::NegativeOnly,
                payload: Cow::Owned(payload),
            }
        }),
        Just(ClientCommand::Png),
    ]
}

/// Encodes a stream of commands, as a peer would send them.
fn server_stream() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(server_command(), 1..12).prop_map(|commands| {
        let mut out = Vec::new();
        for command in commands {
            command.encode(&mut out).unwrap();
        }
        out
    })
}

/// Frames a stream pushed in the given pieces; checks the memory bound after each push.
fn frame_in_pieces(direction: Direction, limits: Limits, stream: &[u8], cuts: &[usize]) -> Vec<String> {
    let mut framer = Framer::new(direction, limits);
    let mut outcomes = Vec::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for end in cuts.into_iter().chain([stream.len()]) {
        let chunk = &stream[start..end];
        start = end;
        framer.push(chunk);
        assert!(framer.buffered() <= limits.max_buffered + chunk.len());
        while let Some(next) = framer.next_frame() {
            let fatal = next.as_ref().is_err_and(DecodeError::is_fatal);
            outcomes.push(format!("{next:?}"));
            if fatal {
                return outcomes;
            }
        }
        assert!(framer.buffered() <= limits.max_buffered);
    }
    outcomes
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn server_commands_round_trip(command in server_command()) {
        let mut out = Vec::new();
        command.encode(&mut out).unwrap();
        prop_assert_eq!(ServerCommand::decode(&out), Ok((command.clone(), out.len())));
    }

    #[test]
    fn client_commands_round_trip(command in client_command()) {
        let mut out = Vec::new();
        command.encode(&mut out).unwrap();
        prop_assert_eq!(ClientCommand::decode(&out), Ok((command.clone(), out.len())));
    }

    /// Renumbering changes the TrID and nothing else: the line reads back renumbered, with
    /// the same verb, and renumbering back restores the command.
    #[test]
    fn client_commands_renumber_and_keep_the_rest(command in client_command(), trid in any::<u32>()) {
        let renumbered = command.clone().with_trid(TrId(trid));
        prop_assert_eq!(renumbered.trid(), command.trid().map(|_| TrId(trid)));
        prop_assert_eq!(renumbered.verb(), command.verb());
        let mut out = Vec::new();
        renumbered.encode(&mut out).unwrap();
        prop_assert_eq!(ClientCommand::decode(&out), Ok((renumbered.clone(), out.len())));
        let back = command.trid().map_or(renumbered.clone(), |t| renumbered.with_trid(t));
        prop_assert_eq!(back, command);
    }

    #[test]
    fn random_bytes_never_panic_and_consume_within_input(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for limits in [Limits::default(), Limits { max_line_len: 16, max_payload_len: 16, max_buffered: 34, max_skip_len: 64 }] {
            if let Ok((_, used)) = ServerCommand::decode_with_limits(&data, &limits) {
                prop_assert!(used > 0 && used <= data.len());
            }
            if let Ok((_, used)) = ClientCommand::decode_with_limits(&data, &limits) {
                prop_assert!(used > 0 && used <= data.len());
            }
        }
        fuzzing::server_roundtrip(&data);
        fuzzing::client_roundtrip(&data);
        fuzzing::framer_chunks(&data);
    }

    #[test]
    fn command_shaped_garbage_round_trips(
        lines in proptest::collection::vec(
            (proptest::sample::select(&["MSG", "NLN", "ILN", "LST", "USR", "VER", "911", "QRY", "NOT", "UBX", "XYZ", "BYE", "PRP", "BPR"][..]),
             proptest::collection::vec(prop_oneof!["[0-9]{1,3}", "[A-Z]{2,3}", "[!-~]{1,6}", Just(String::new())], 0..14),
             prop_oneof![Just("\r\n"), Just("\n")]),
            1..8)
    ) {
        let mut data = Vec::new();
        for (verb, words, end) in lines {
            data.extend_from_slice(verb.as_bytes());
            for word in words {
                data.push(b' ');
                data.extend_from_slice(word.as_bytes());
            }
            data.extend_from_slice(end.as_bytes());
        }
        fuzzing::server_roundtrip(&data);
        fuzzing::client_roundtrip(&data);
    }

    #[test]
    fn valid_streams_frame_the_same_in_any_chunking(
        stream in server_stream(),
        cuts in proptest::collection::vec(any::<usize>(), 0..24),
    ) {
        let limits = Limits::default();
        let whole = frame_in_pieces(Direction::ServerToClient, limits, &stream, &[]);
        prop_assert!(whole.iter().all(|o| o.starts_with("Ok")));
        prop_assert_eq!(&whole, &frame_in_pieces(Direction::ServerToClient, limits, &stream, &cuts));
        let bytes: Vec<usize> = (0..stream.len()).collect();
        prop_assert_eq!(&whole, &frame_in_pieces(Direction::ServerToClient, limits, &stream, &bytes));
    }

    #[test]
    fn garbage_frames_the_same_in_any_chunking(
        stream in proptest::collection::vec(prop_oneof![any::<u8>(), Just(b'\n'), Just(b' '), Just(b'1')], 0..600),
        cuts in proptest::collection::vec(any::<usize>(), 0..24),
        client in any::<bool>(),
    ) {
        let direction = if client { Direction::ClientToServer } else { Direction::ServerToClient };
        let limits = Limits { max_line_len: 40, max_payload_len: 80, max_buffered: 122, max_skip_len: 320 };
        let mut prefixed = stream.clone();
        prefixed.splice(0..0, b"MSG a b 3\r\n".iter().copied());
        for stream in [&stream, &prefixed] {
            let whole = frame_in_pieces(direction, limits, stream, &[]);
            prop_assert_eq!(&whole, &frame_in_pieces(direction, limits, stream, &cuts));
        }
    }

    #[test]
    fn announced_lengths_never_grow_memory(
        length in prop_oneof![
            "[0-9]{1,40}",
            Just("-1".to_owned()),
            Just("18446744073709551616".to_owned()),
            "[+-]?[0-9a-z]{1,8}",
        ],
        verb in proptest::sample::select(&["MSG a b", "NOT", "IPG", "UBX a", "ADL 1"][..]),
        tail in proptest::collection::vec(any::<u8>(), 0..3000),
        cuts in proptest::collection::vec(any::<usize>(), 0..16),
    ) {
        let limits = Limits::default();
        let mut stream = format!("{verb} {length}\r\n").into_bytes();
        stream.extend_from_slice(&tail);
        stream.extend_from_slice(b"ACK 1\r\n");
        let whole = frame_in_pieces(Direction::ServerToClient, limits, &stream, &[]);
        prop_assert_eq!(&whole, &frame_in_pieces(Direction::ServerToClient, limits, &stream, &cuts));
        let first = whole.first().cloned().unwrap_or_default();
        let numeric = length.bytes().all(|b| b.is_ascii_digit()) && (length == "0" || !length.starts_with('0'));
        let value: Option<usize> = if numeric { length.parse().ok() } else { None };
        match value {
            Some(len) if len > limits.max_skip_len => prop_assert!(first.starts_with("Err(UnskippablePayload"), "{}", first),
            Some(len) if len > limits.max_payload_len => prop_assert!(first.starts_with("Err(PayloadTooLarge"), "{}", first),
            // Waiting for the rest of the payload, holding at most line + payload.
            Some(len) if len > tail.len() + 7 => prop_assert!(whole.is_empty(), "{:?}", whole),
            Some(_) => prop_assert!(first.starts_with("Ok"), "{}", first),
            None if verb == "UBX a" || verb == "ADL 1" => prop_assert!(first.starts_with("Ok"), "{}", first),
            None => prop_assert!(first.starts_with("Err(InvalidPayloadLength"), "{}", first),
        }
    }
}

#[cfg(feature = "arbitrary")]
proptest! {
    #![proptest_config(config())]

    /// `arbitrary` bytes → any command the API can build → bytes → the same command.
    #[test]
    fn arbitrary_server_values_round_trip(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
        fuzzing::server_value_roundtrip(&data);
    }

    #[test]
    fn arbitrary_client_values_round_trip(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
        fuzzing::client_value_roundtrip(&data);
    }
}

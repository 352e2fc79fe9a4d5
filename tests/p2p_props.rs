//! Property tests of the P2P layer: round trips of headers, payloads, SLP messages and
//! file contexts; chunking then reassembly in any chunk size gives the original; no
//! input panics.

use std::borrow::Cow;

use msnp::p2p::{
    AppId, Chunker, FileContext, Flags, Header, P2pMessage, Reassembler, ReassemblyLimits, Received,
    SlpMessage, SlpMethod, StartLine,
};
use proptest::prelude::*;

fn header() -> impl Strategy<Value = Header> {
    (any::<(u32, u32, u64, u64, u32)>(), any::<(u32, u32, u32, u64)>()).prop_map(
        |((session_id, identifier, offset, total_size, length), (flags, ack_id, ack_uid, ack_size))| Header {
            session_id,
            identifier,
            offset,
            total_size,
            length,
            flags: Flags::from_bits(flags),
            ack_id,
            ack_uid,
            ack_size,
        },
    )
}

fn token() -> impl Strategy<Value = String> {
    "[!-~]{1,24}"
}

fn handle() -> impl Strategy<Value = String> {
    "[a-z0-9._]{1,12}@[a-z]{1,8}\\.com"
}

fn value() -> impl Strategy<Value = String> {
    // Printable, no surrounding space: what a reader gives back unchanged.
    "([!-~]([ -~]{0,30}[!-~])?)?"
}

fn slp() -> impl Strategy<Value = SlpMessage<'static>> {
    let start = prop_oneof![
        handle().prop_map(|t| StartLine::Request {
            method: SlpMethod::Invite,
            target: Cow::Owned(t)
        }),
        handle().prop_map(|t| StartLine::Request {
            method: SlpMethod::Bye,
            target: Cow::Owned(t)
        }),
        ("[A-Z]{1,8}", handle())
            .prop_filter("not a named method", |(m, _)| m != "INVITE" && m != "BYE")
            .prop_map(|(m, t)| StartLine::Request {
                method: SlpMethod::Other(Cow::Owned(m)),
                target: Cow::Owned(t)
            }),
        (100u16..1000, value()).prop_map(|(code, reason)| StartLine::Status {
            code,
            reason: Cow::Owned(reason)
        }),
    ];
    let body = prop::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,12}", value()), 0..6);
    (
        start,
        (handle(), handle(), token(), any::<u32>(), token(), any::<u32>()),
        token(),
        body,
    )
        .prop_map(
            |(start, (to, from, branch, cseq, call_id, max_forwards), content_type, body)| SlpMessage {
                start,
                to: Cow::Owned(to),
                from: Cow::Owned(from),
                branch: Cow::Owned(branch),
                cseq,
                call_id: Cow::Owned(call_id),
                max_forwards,
                content_type: Cow::Owned(content_type),
                body: body
                    .into_iter()
                    .map(|(n, v)| (Cow::Owned(n), Cow::Owned(v)))
                    .collect(),
            },
        )
}

proptest! {
    // 64 cases by default keeps CI fast; PROPTEST_CASES overrides for long runs.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn header_round_trips(header in header()) {
        prop_assert_eq!(Header::decode(&header.to_bytes()), Ok(header));
    }

    #[test]
    fn payload_round_trips(
        mut header in header(),
        data in prop::collection::vec(any::<u8>(), 0..1300),
        dest in handle(),
        app_id in any::<u32>(),
    ) {
        header.offset %= 1 << 40;
        header.total_size = header.offset + data.len() as u64 + header.total_size % 1000;
        let message = P2pMessage::new(dest, header, data, AppId(app_id));
        let mut wire = Vec::new();
        message.encode(&mut wire).unwrap();
        prop_assert_eq!(wire.len(), message.encoded_len());
        let parsed = P2pMessage::parse(&wire).unwrap();
        prop_assert_eq!(&parsed, &message);
        let mut again = Vec::new();
        parsed.encode(&mut again).unwrap();
        prop_assert_eq!(again, wire);
    }

    #[test]
    fn slp_round_trips(message in slp()) {
        let wire = message.to_bytes().unwrap();
        let parsed = SlpMessage::parse(&wire).unwrap();
        prop_assert_eq!(&parsed, &message);
        prop_assert_eq!(parsed.to_bytes().unwrap(), wire);
    }

    #[test]
    fn file_context_round_trips(
        v3 in any::<bool>(),
        size in any::<u64>(),
        transfer_type in any::<u32>(),
        name in "[^\u{0}]{0,120}",
    ) {
        let context = FileContext { version: if v3 { 3 } else { 2 }, size, transfer_type, name };
        let base64 = context.to_base64().unwrap();
        prop_assert_eq!(FileContext::from_base64(&base64), Ok(context));
    }

    #[test]
    fn chunks_reassemble_to_the_original(
        data in prop::collection::vec(any::<u8>(), 0..5000),
        max_chunk in 1usize..1500,
        identifier in any::<u32>(),
        session_id in prop_oneof![Just(0u32), any::<u32>()],
    ) {
        let template = Header { session_id, identifier, ack_id: 3, ..Header::default() };
        let mut reassembler: Reassembler = Reassembler::new(ReassemblyLimits { max_messages: 1, max_bytes: 5000 });
        let headers = Chunker::with_max(Header { total_size: data.len() as u64, ..template }, max_chunk);
        let mut streamed = Vec::new();
        let mut whole = None;
        for header in headers {
            prop_assert!(whole.is_none(), "a chunk after completion");
            let chunk = &data[header.offset as usize..][..header.length as usize];
            match reassembler.push("peer", &header, chunk).unwrap() {
                Received::Pending => prop_assert_eq!(session_id, 0),
                Received::Slp { header: last, data } => {
                    prop_assert_eq!(session_id, 0);
                    prop_assert_eq!(last.ack(1).ack_size, data.len() as u64);
                    whole = Some(data.into_owned());
                }
                Received::Data { data, complete, .. } => {
                    prop_assert!(session_id != 0);
                    streamed.extend_from_slice(data);
                    if complete {
                        whole = Some(std::mem::take(&mut streamed));
                    }
                }
                Received::Ack(_) => prop_assert!(false, "not an ack"),
            }
        }
        prop_assert_eq!(whole, Some(data));
        prop_assert_eq!(reassembler.open_messages(), 0);
        prop_assert_eq!(reassembler.reserved_bytes(), 0);
    }

    /// Messages of several peers interleaved in any order (each in its own order)
    /// reassemble independently.
    #[test]
    fn interleaved_messages_reassemble(
        lens in prop::collection::vec(0usize..3000, 1..4),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..64),
    ) {
        let messages: Vec<Vec<u8>> = lens.iter().enumerate().map(|(i, &n)| vec![i as u8; n]).collect();
        let mut queues: Vec<Vec<(Header, &[u8])>> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let template = Header { identifier: i as u32, ..Header::default() };
                let mut chunks: Vec<_> = Chunker::split(template, m).collect();
                chunks.reverse();
                chunks
            })
            .collect();
        let mut reassembler: Reassembler = Reassembler::default();
        let mut done = vec![None; messages.len()];
        let mut picks = picks.into_iter();
        while queues.iter().any(|q| !q.is_empty()) {
            let live: Vec<usize> = (0..queues.len()).filter(|&i| !queues[i].is_empty()).collect();
            let i = match picks.next() {
                Some(pick) => live[pick.index(live.len())],
                None => live[0],
            };
            let (header, chunk) = queues[i].pop().unwrap();
            let peer = format!("peer{}", i % 2);
            if let Received::Slp { data, .. } = reassembler.push(peer.as_str(), &header, chunk).unwrap() {
                done[i] = Some(data.into_owned());
            }
        }
        let want: Vec<Option<Vec<u8>>> = messages.into_iter().map(Some).collect();
        prop_assert_eq!(done, want);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..700)) {
        let _ = P2pMessage::parse(&bytes);
        let _ = SlpMessage::parse(&bytes);
        let _ = FileContext::decode(&bytes);
        let _ = FileContext::from_base64(&String::from_utf8_lossy(&bytes));
        msnp::fuzzing::p2p::p2p_parse(&bytes);
    }
}

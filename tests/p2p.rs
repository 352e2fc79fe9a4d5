//! Known answers for the P2P layer: the reference's header dumps, MSNSLP messages byte
//! for byte, the file-transfer context, chunking and reassembly.

use std::borrow::Cow;

use msnp::p2p::{
    AppId, Chunker, ContextError, DISPLAY_PICTURE_GUID, FILE_TRANSFER_GUID, FileContext, Flags, Header,
    P2pError, P2pMessage, Reassembler, ReassemblyError, ReassemblyLimits, Received, SESSION_CLOSE_BODY,
    SlpError, SlpLimits, SlpMessage, SlpMethod, StartLine,
};
use msnp::testing::known_answer::escape;

#[track_caller]
fn assert_bytes(got: &[u8], want: &[u8]) {
    assert_eq!(escape(got), escape(want));
}

/// The published DP INVITE header [reference §9.2, NINA/PIKI Display_pictures].
const INVITE_HEADER: [u8; 48] = [
    0x00, 0x00, 0x00, 0x00, 0x58, 0xA9, 0x18, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x91,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x91, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xAB, 0x38,
    0x1E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// Its ack under Identifier 0x2D1F7A10, with the footer [reference §9.2].
const ACK_WITH_FOOTER: [u8; 52] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x7A, 0x1F, 0x2D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x91,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x58, 0xA9,
    0x18, 0x01, 0xAB, 0x38, 0x1E, 0x00, 0x91, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00,
];

fn invite_header() -> Header {
    Header {
        session_id: 0,
        identifier: 0x0118_A958,
        offset: 0,
        total_size: 657,
        length: 657,
        flags: Flags::NONE,
        ack_id: 0x001E_38AB,
        ack_uid: 0,
        ack_size: 0,
    }
}

#[test]
fn published_invite_header_both_ways() {
    assert_eq!(Header::decode(&INVITE_HEADER), Ok(invite_header()));
    assert_eq!(invite_header().to_bytes(), INVITE_HEADER);
}

#[test]
fn ack_of_the_published_invite_both_ways() {
    let ack = invite_header().ack(0x2D1F_7A10);
    assert_eq!(
        ack,
        Header {
            session_id: 0,
            identifier: 0x2D1F_7A10,
            offset: 0,
            total_size: 657,
            length: 0,
            flags: Flags::ACK,
            ack_id: 0x0118_A958,
            ack_uid: 0x001E_38AB,
            ack_size: 657,
        }
    );
    assert!(ack.is_ack());
    let mut wire = Vec::new();
    P2pMessage::new("alice@passport.com", ack, &[][..], AppId::SLP)
        .encode(&mut wire)
        .unwrap();
    let mut want = b"MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\n\
                     P2P-Dest: alice@passport.com\r\n\r\n"
        .to_vec();
    want.extend_from_slice(&ACK_WITH_FOOTER);
    assert_bytes(&wire, &want);
    let parsed = P2pMessage::parse(&want).unwrap();
    assert_eq!(parsed.header, ack);
    assert_eq!(parsed.app_id, AppId::SLP);
    assert_eq!(parsed.dest, "alice@passport.com");
    assert!(parsed.data.is_empty());
}

#[test]
fn header_fields_are_little_endian_and_footer_big_endian() {
    let header = Header {
        session_id: 0x0403_0201,
        identifier: 0x0807_0605,
        offset: 0x100_0000_0000,
        total_size: 0x200_0000_0000,
        length: 3,
        flags: Flags::FILE_DATA,
        ack_id: 9,
        ack_uid: 10,
        ack_size: 11,
    };
    let bytes = header.to_bytes();
    assert_eq!(&bytes[0..4], &[1, 2, 3, 4]);
    assert_eq!(&bytes[8..16], &[0, 0, 0, 0, 0, 1, 0, 0]);
    assert_eq!(&bytes[28..32], &[0x30, 0, 0, 0x01]);
    let message = P2pMessage::new("bob@passport.com", header, &b"abc"[..], AppId::FILE);
    let mut wire = Vec::new();
    message.encode(&mut wire).unwrap();
    assert_eq!(&wire[wire.len() - 4..], &[0, 0, 0, 2]);
    assert_eq!(wire.len(), message.encoded_len());
}

#[test]
fn carrier_length_matches_the_published_dp_message() {
    // `MSG 1 D 800` = 91 bytes of MIME part for an 18-byte handle + 48 + 657 + 4.
    let header = invite_header();
    let data = vec![b'x'; 657];
    let message = P2pMessage::new("buddy1@hotmail.com", header, data, AppId::SLP);
    let mut wire = Vec::new();
    message.encode(&mut wire).unwrap();
    assert_eq!(wire.len(), 800);
}

#[test]
fn flags_keep_unknown_bits_and_name_known_ones() {
    let flags = Flags::from_bits(0x0100_0030 | 0x8000);
    assert!(flags.contains(Flags::FILE_DATA));
    assert!(flags.contains(Flags::MSN_OBJECT_DATA | Flags::FILE));
    assert!(!flags.contains(Flags::ACK));
    assert_eq!(flags.bits(), 0x0100_8030);
    assert_eq!(
        format!("{flags:?}"),
        "Flags(FILE | MSN_OBJECT_DATA | COMPATIBILITY | 0x8000)"
    );
    assert_eq!(format!("{:?}", Flags::NONE), "Flags(NONE)");
}

#[test]
fn malformed_payloads_are_typed_errors() {
    let head = b"MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: bob\r\n\r\n";
    let with = |binary: &[u8]| {
        let mut v = head.to_vec();
        v.extend_from_slice(binary);
        v
    };
    assert_eq!(
        P2pMessage::parse(&with(&[0; 51])),
        Err(P2pError::TooShort { len: 51 })
    );
    // Length 657 announced, 3 bytes present.
    let mut binary = INVITE_HEADER.to_vec();
    binary.extend_from_slice(b"abc\0\0\0\0");
    assert_eq!(
        P2pMessage::parse(&with(&binary)),
        Err(P2pError::LengthMismatch {
            length: 657,
            available: 3
        })
    );
    // Offset + Length beyond TotalSize.
    let beyond = Header {
        offset: 1,
        total_size: 3,
        length: 3,
        ..Header::default()
    };
    let mut binary = beyond.to_bytes().to_vec();
    binary.extend_from_slice(b"abc\0\0\0\0");
    assert_eq!(
        P2pMessage::parse(&with(&binary)),
        Err(P2pError::BeyondTotal {
            offset: 1,
            length: 3,
            total_size: 3
        })
    );
    assert_eq!(
        P2pMessage::parse(b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhi"),
        Err(P2pError::NotP2p)
    );
    assert_eq!(
        P2pMessage::parse(b"Content-Type: application/x-msnmsgrp2p\r\n\r\n"),
        Err(P2pError::MissingDest)
    );
    let message = P2pMessage::new("bob smith", Header::default(), &[][..], AppId::SLP);
    let mut out = b"kept".to_vec();
    assert_eq!(message.encode(&mut out), Err(P2pError::InvalidDest));
    assert_eq!(out, b"kept");
}

const BRANCH: &str = "{33517CE4-02FC-4428-B6F4-39927229B722}";
const CALL_ID: &str = "{9D79AE57-1BD5-444B-B14E-3FC9BB2B5D58}";

fn dp_invite() -> SlpMessage<'static> {
    SlpMessage::invite(
        "bob@passport.com",
        "alice@passport.com",
        BRANCH,
        CALL_ID,
        DISPLAY_PICTURE_GUID,
        1_980_589,
        1,
        "PG1zbm9iaj4=",
    )
}

const DP_INVITE: &[u8] = b"INVITE MSNMSGR:bob@passport.com MSNSLP/1.0\r\n\
To: <msnmsgr:bob@passport.com>\r\n\
From: <msnmsgr:alice@passport.com>\r\n\
Via: MSNSLP/1.0/TLP ;branch={33517CE4-02FC-4428-B6F4-39927229B722}\r\n\
CSeq: 0 \r\n\
Call-ID: {9D79AE57-1BD5-444B-B14E-3FC9BB2B5D58}\r\n\
Max-Forwards: 0\r\n\
Content-Type: application/x-msnmsgr-sessionreqbody\r\n\
Content-Length: 106\r\n\
\r\n\
EUF-GUID: {A4268EEC-FEC5-49E5-95C3-F126696BDBF6}\r\n\
SessionID: 1980589\r\n\
AppID: 1\r\n\
Context: PG1zbm9iaj4=\r\n\
\r\n\0";

/// Checks that `Content-Length` counts exactly the bytes after the blank line.
#[track_caller]
fn assert_content_length(wire: &[u8], want: usize) {
    let text = std::str::from_utf8(wire).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.ends_with(&format!("\r\nContent-Length: {want}")));
    assert_eq!(body.len(), want);
    assert!(body.ends_with('\0'));
}

#[test]
fn dp_invite_exact_bytes_both_ways() {
    let wire = dp_invite().to_bytes().unwrap();
    assert_bytes(&wire, DP_INVITE);
    assert_content_length(&wire, 106);
    let parsed = SlpMessage::parse(DP_INVITE).unwrap();
    assert_eq!(parsed, dp_invite());
    assert_eq!(parsed.session_id(), Some(1_980_589));
    assert_eq!(parsed.app_id(), Some(1));
    assert_eq!(parsed.euf_guid(), Some(DISPLAY_PICTURE_GUID));
    assert_eq!(parsed.context(), Some("PG1zbm9iaj4="));
    assert_eq!(
        parsed.start,
        StartLine::Request {
            method: SlpMethod::Invite,
            target: Cow::Borrowed("bob@passport.com")
        }
    );
}

#[test]
fn ok_exact_bytes_both_ways() {
    let ok = dp_invite().accept();
    let want: &[u8] = b"MSNSLP/1.0 200 OK\r\n\
To: <msnmsgr:alice@passport.com>\r\n\
From: <msnmsgr:bob@passport.com>\r\n\
Via: MSNSLP/1.0/TLP ;branch={33517CE4-02FC-4428-B6F4-39927229B722}\r\n\
CSeq: 1 \r\n\
Call-ID: {9D79AE57-1BD5-444B-B14E-3FC9BB2B5D58}\r\n\
Max-Forwards: 0\r\n\
Content-Type: application/x-msnmsgr-sessionreqbody\r\n\
Content-Length: 23\r\n\
\r\n\
SessionID: 1980589\r\n\
\r\n\0";
    let wire = ok.to_bytes().unwrap();
    assert_bytes(&wire, want);
    assert_content_length(&wire, 23);
    let parsed = SlpMessage::parse(want).unwrap();
    assert_eq!(parsed, ok);
    assert_eq!(parsed.status(), Some(StartLine::OK));
}

#[test]
fn decline_has_the_official_content_length_25() {
    // ESC-CAP: `SessionID: 180646677` + blank line = 24 bytes, + NUL = 25.
    let invite = SlpMessage::invite(
        "bob@passport.com",
        "alice@passport.com",
        BRANCH,
        CALL_ID,
        FILE_TRANSFER_GUID,
        180_646_677,
        2,
        "AA==",
    );
    let decline = invite.decline();
    let wire = decline.to_bytes().unwrap();
    let want: &[u8] = b"MSNSLP/1.0 603 Decline\r\n\
To: <msnmsgr:alice@passport.com>\r\n\
From: <msnmsgr:bob@passport.com>\r\n\
Via: MSNSLP/1.0/TLP ;branch={33517CE4-02FC-4428-B6F4-39927229B722}\r\n\
CSeq: 1 \r\n\
Call-ID: {9D79AE57-1BD5-444B-B14E-3FC9BB2B5D58}\r\n\
Max-Forwards: 0\r\n\
Content-Type: application/x-msnmsgr-sessionreqbody\r\n\
Content-Length: 25\r\n\
\r\n\
SessionID: 180646677\r\n\
\r\n\0";
    assert_bytes(&wire, want);
    assert_content_length(&wire, 25);
    let parsed = SlpMessage::parse(want).unwrap();
    assert_eq!(parsed.status(), Some(StartLine::DECLINE));
    assert_eq!(parsed, decline);
}

#[test]
fn bye_exact_bytes_both_ways() {
    let bye = SlpMessage::bye(
        "bob@passport.com",
        "alice@passport.com",
        "{A0D624A6-6C0C-4283-A9E0-BC97B4B46D32}",
        CALL_ID,
    );
    let want: &[u8] = b"BYE MSNMSGR:bob@passport.com MSNSLP/1.0\r\n\
To: <msnmsgr:bob@passport.com>\r\n\
From: <msnmsgr:alice@passport.com>\r\n\
Via: MSNSLP/1.0/TLP ;branch={A0D624A6-6C0C-4283-A9E0-BC97B4B46D32}\r\n\
CSeq: 0 \r\n\
Call-ID: {9D79AE57-1BD5-444B-B14E-3FC9BB2B5D58}\r\n\
Max-Forwards: 0\r\n\
Content-Type: application/x-msnmsgr-sessionclosebody\r\n\
Content-Length: 3\r\n\
\r\n\
\r\n\0";
    let wire = bye.to_bytes().unwrap();
    assert_bytes(&wire, want);
    assert_content_length(&wire, 3);
    let parsed = SlpMessage::parse(want).unwrap();
    assert_eq!(parsed, bye);
    assert_eq!(parsed.content_type, SESSION_CLOSE_BODY);
}

#[test]
fn lenient_reading_cseq_without_space_lf_ends_other_codes() {
    // PECAN/PURPLE write `CSeq: 0` without the space; some write bare LF.
    let text = b"MSNSLP/1.0 500 Internal Error\n\
To: <msnmsgr:a@b.c>\n\
From: <msnmsgr:d@e.f>\n\
Via: MSNSLP/1.0/TLP ;branch={X}\n\
CSeq: 1\n\
Call-ID: {Y}\n\
Content-Type: application/x-msnmsgr-sessionreqbody\n\
X-Unknown: ignored\n\
Content-Length: 0\n\
\n";
    let parsed = SlpMessage::parse(text).unwrap();
    assert_eq!(
        parsed.start,
        StartLine::Status {
            code: 500,
            reason: Cow::Borrowed("Internal Error")
        }
    );
    assert_eq!(parsed.cseq, 1);
    assert_eq!(parsed.max_forwards, 0);
    assert!(parsed.body.is_empty());
    let wire = parsed.to_bytes().unwrap();
    let again = SlpMessage::parse(&wire).unwrap();
    assert_eq!(again, parsed);
}

#[test]
fn malformed_slp_is_a_typed_error() {
    let with_length = |n: &str| {
        String::from_utf8(DP_INVITE.to_vec())
            .unwrap()
            .replace("Content-Length: 106", n)
    };
    assert_eq!(
        SlpMessage::parse(with_length("Content-Length: 107").as_bytes()),
        Err(SlpError::ContentLength {
            declared: 107,
            available: 106
        })
    );
    assert_eq!(
        SlpMessage::parse(with_length("Content-Length: x").as_bytes()),
        Err(SlpError::InvalidField {
            name: "Content-Length"
        })
    );
    assert_eq!(
        SlpMessage::parse(with_length("CSeq: 3").as_bytes()),
        Err(SlpError::DuplicateHeader { name: "CSeq" })
    );
    assert_eq!(
        SlpMessage::parse(b"INVITE MSNMSGR:bob MSNSLP/1.0\r\nTo: <msnmsgr:bob>\r\n"),
        Err(SlpError::NoHeaderEnd)
    );
    assert_eq!(
        SlpMessage::parse(b"HELLO\r\n\r\n"),
        Err(SlpError::InvalidStartLine)
    );
    assert_eq!(
        SlpMessage::parse(b"MSNSLP/1.0 200 OK\r\nTo: <msnmsgr:a>\r\n\r\n"),
        Err(SlpError::MissingHeader {
            name: "Content-Length"
        })
    );
    let limits = SlpLimits {
        max_len: 100,
        max_fields: 32,
    };
    assert_eq!(
        SlpMessage::parse_with(DP_INVITE, &limits),
        Err(SlpError::TooLarge {
            len: DP_INVITE.len(),
            max: 100
        })
    );
    let limits = SlpLimits {
        max_len: 4096,
        max_fields: 10,
    };
    assert_eq!(
        SlpMessage::parse_with(DP_INVITE, &limits),
        Err(SlpError::TooManyFields { max: 10 })
    );
    // A caller's text cannot add a line.
    let mut bad = dp_invite();
    bad.body[3].1 = Cow::Borrowed("abc\r\nSessionID: 1");
    let mut out = Vec::new();
    assert_eq!(
        bad.encode(&mut out),
        Err(SlpError::InvalidField { name: "body field" })
    );
    assert!(out.is_empty());
}

#[test]
fn file_context_version_2_layout() {
    let context = FileContext::new("a.txt", 0x1_0000_0005);
    let bytes = context.encode().unwrap();
    assert_eq!(bytes.len(), 574);
    assert_eq!(&bytes[0..4], &574u32.to_le_bytes());
    assert_eq!(&bytes[4..8], &2u32.to_le_bytes());
    assert_eq!(&bytes[8..16], &0x1_0000_0005u64.to_le_bytes());
    assert_eq!(&bytes[16..20], &1u32.to_le_bytes());
    assert_eq!(&bytes[20..30], b"a\0.\0t\0x\0t\0");
    assert!(bytes[30..570].iter().all(|&b| b == 0));
    assert_eq!(&bytes[570..574], &[0xFF; 4]);
    assert_eq!(FileContext::decode(&bytes), Ok(context.clone()));
    let base64 = context.to_base64().unwrap();
    assert_eq!(FileContext::from_base64(&base64), Ok(context));
}

#[test]
fn file_context_version_3_of_the_official_client() {
    // ESC-CAP: length 638, version 3, name `a.txt`.
    let mut bytes = vec![0u8; 638];
    bytes[0..4].copy_from_slice(&638u32.to_le_bytes());
    bytes[4..8].copy_from_slice(&3u32.to_le_bytes());
    bytes[8..16].copy_from_slice(&5u64.to_le_bytes());
    bytes[16..20].copy_from_slice(&1u32.to_le_bytes());
    bytes[20..30].copy_from_slice(b"a\0.\0t\0x\0t\0");
    bytes[570..574].copy_from_slice(&[0xFF; 4]);
    let context = FileContext::decode(&bytes).unwrap();
    assert_eq!(
        context,
        FileContext {
            version: 3,
            size: 5,
            transfer_type: FileContext::NO_PREVIEW,
            name: "a.txt".into()
        }
    );
    assert_eq!(context.encode().unwrap(), bytes);
    // Without padding, as some clients send it.
    let base64 = context.to_base64().unwrap();
    assert_eq!(
        FileContext::from_base64(base64.trim_end_matches('=')),
        Ok(context)
    );
}

#[test]
fn file_context_errors() {
    assert_eq!(FileContext::from_base64("not base64!"), Err(ContextError::Base64));
    assert_eq!(
        FileContext::decode(&[0; 10]),
        Err(ContextError::TooShort { len: 10 })
    );
    let mut bytes = FileContext::new("x", 1).encode().unwrap();
    bytes[4..8].copy_from_slice(&3u32.to_le_bytes());
    assert_eq!(
        FileContext::decode(&bytes),
        Err(ContextError::Unsupported {
            version: 3,
            length: 574
        })
    );
    let long = FileContext::new("x".repeat(261), 1);
    assert_eq!(
        long.encode(),
        Err(ContextError::NameTooLong { units: 261, max: 260 })
    );
    assert!(FileContext::new("x".repeat(260), 1).encode().is_ok());
    let mut bytes = FileContext::new("x", 1).encode().unwrap();
    bytes[20..22].copy_from_slice(&0xD800u16.to_le_bytes());
    assert_eq!(FileContext::decode(&bytes), Err(ContextError::InvalidName));
}

#[test]
fn a_5000_byte_picture_is_four_full_chunks_and_192_bytes() {
    let template = Header {
        session_id: 1_980_589,
        identifier: 7,
        flags: Flags::MSN_OBJECT_DATA,
        ack_id: 99,
        ..Header::default()
    };
    let data: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
    let chunks: Vec<(Header, &[u8])> = Chunker::split(template, &data).collect();
    let shape: Vec<(u64, u32)> = chunks.iter().map(|(h, _)| (h.offset, h.length)).collect();
    assert_eq!(
        shape,
        [(0, 1202), (1202, 1202), (2404, 1202), (3606, 1202), (4808, 192)]
    );
    for (header, slice) in &chunks {
        assert_eq!(header.total_size, 5000);
        assert_eq!(header.identifier, 7);
        assert_eq!(header.ack_id, 99);
        assert_eq!(header.flags, Flags::MSN_OBJECT_DATA);
        assert_eq!(slice.len(), header.length as usize);
    }
    assert_eq!(
        Chunker::split(template, &[])
            .map(|(h, _)| h.length)
            .collect::<Vec<_>>(),
        [0]
    );
}

#[test]
fn an_official_file_invite_of_1274_bytes_comes_in_1202_and_72() {
    let data = vec![b'a'; 1274];
    let template = Header {
        identifier: 1,
        ack_id: 5,
        ..Header::default()
    };
    let mut reassembler: Reassembler = Reassembler::default();
    let mut outcomes = Vec::new();
    for (header, chunk) in Chunker::split(template, &data) {
        assert!(header.length as usize <= msnp::p2p::MAX_CHUNK_LEN);
        let mut wire = Vec::new();
        P2pMessage::new("bob@passport.com", header, chunk, AppId::SLP)
            .encode(&mut wire)
            .unwrap();
        assert!(wire.len() <= msnp::msg::MAX_PAYLOAD_LEN);
        let parsed = P2pMessage::parse(&wire).unwrap();
        let outcome = reassembler
            .push("alice@passport.com", &parsed.header, &parsed.data)
            .unwrap();
        outcomes.push(match outcome {
            Received::Pending => (parsed.header.length, None),
            Received::Slp { header, data } => (parsed.header.length, Some((header, data.len()))),
            other => panic!("unexpected {other:?}"),
        });
    }
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0], (1202, None));
    let (length, Some((last, total))) = outcomes[1] else {
        panic!("not complete: {outcomes:?}");
    };
    assert_eq!((length, total), (72, 1274));
    let ack = last.ack(1000);
    assert_eq!((ack.ack_id, ack.ack_uid, ack.ack_size), (1, 5, 1274));
    assert_eq!(reassembler.open_messages(), 0);
    assert_eq!(reassembler.reserved_bytes(), 0);
}

fn slp_chunk(identifier: u32, offset: u64, total_size: u64, length: u32) -> Header {
    Header {
        identifier,
        offset,
        total_size,
        length,
        ..Header::default()
    }
}

#[test]
fn reassembly_refuses_gaps_duplicates_overlaps_and_bounds() {
    let limits = ReassemblyLimits {
        max_messages: 2,
        max_bytes: 100,
    };
    let mut r: Reassembler = Reassembler::new(limits);
    let ten = [0u8; 10];
    assert_eq!(
        r.push("bob", &slp_chunk(1, 0, 30, 10), &ten),
        Ok(Received::Pending)
    );
    // A duplicate of the first chunk, then the message is forgotten.
    assert_eq!(
        r.push("bob", &slp_chunk(1, 0, 30, 10), &ten),
        Err(ReassemblyError::UnexpectedOffset {
            expected: 10,
            offset: 0
        })
    );
    assert_eq!((r.open_messages(), r.reserved_bytes()), (0, 0));
    // A gap.
    r.push("bob", &slp_chunk(2, 0, 30, 10), &ten).unwrap();
    assert_eq!(
        r.push("bob", &slp_chunk(2, 15, 30, 10), &ten),
        Err(ReassemblyError::UnexpectedOffset {
            expected: 10,
            offset: 15
        })
    );
    // A message must start at offset 0.
    assert_eq!(
        r.push("bob", &slp_chunk(3, 10, 30, 10), &ten),
        Err(ReassemblyError::UnexpectedOffset {
            expected: 0,
            offset: 10
        })
    );
    // Overlap and beyond total.
    r.push("bob", &slp_chunk(4, 0, 30, 10), &ten).unwrap();
    assert_eq!(
        r.push("bob", &slp_chunk(4, 5, 30, 10), &ten),
        Err(ReassemblyError::UnexpectedOffset {
            expected: 10,
            offset: 5
        })
    );
    assert_eq!(
        r.push("bob", &slp_chunk(5, 25, 30, 10), &ten),
        Err(ReassemblyError::BeyondTotal {
            offset: 25,
            length: 10,
            total_size: 30
        })
    );
    // Total size changed between chunks.
    r.push("bob", &slp_chunk(6, 0, 30, 10), &ten).unwrap();
    assert_eq!(
        r.push("bob", &slp_chunk(6, 10, 40, 10), &ten),
        Err(ReassemblyError::TotalSizeChanged { was: 30, now: 40 })
    );
    // Byte budget: 60 + 50 > 100.
    r.push("bob", &slp_chunk(7, 0, 60, 10), &ten).unwrap();
    assert_eq!(
        r.push("carol", &slp_chunk(8, 0, 50, 10), &ten),
        Err(ReassemblyError::BufferFull {
            buffered: 60,
            needed: 50,
            max: 100
        })
    );
    // Message budget: 2 open.
    r.push("carol", &slp_chunk(9, 0, 20, 10), &ten).unwrap();
    assert_eq!(
        r.push("dave", &slp_chunk(10, 0, 20, 10), &ten),
        Err(ReassemblyError::TooManyMessages { max: 2 })
    );
    // A message that fits one chunk needs no room at all.
    assert!(matches!(
        r.push("dave", &slp_chunk(11, 0, 10, 10), &ten),
        Ok(Received::Slp {
            data: Cow::Borrowed(_),
            ..
        })
    ));
    assert_eq!(
        r.push("dave", &slp_chunk(12, 0, 10, 5), &ten),
        Err(ReassemblyError::LengthMismatch {
            length: 5,
            available: 10
        })
    );
    r.forget_peer("bob");
    assert_eq!((r.open_messages(), r.reserved_bytes()), (1, 20));
    r.forget_session("carol", 0);
    assert_eq!((r.open_messages(), r.reserved_bytes()), (0, 0));
}

#[test]
fn session_data_is_streamed_not_buffered() {
    let limits = ReassemblyLimits {
        max_messages: 1,
        max_bytes: 0,
    };
    let mut r: Reassembler = Reassembler::new(limits);
    let data = vec![7u8; 8 * 1202 + 3];
    let template = Header {
        session_id: 55,
        identifier: 9,
        flags: Flags::FILE_DATA,
        ..Header::default()
    };
    let mut seen = 0usize;
    let mut completions = 0;
    for (header, chunk) in Chunker::split(template, &data) {
        match r.push("bob", &header, chunk).unwrap() {
            Received::Data {
                header: got,
                data: slice,
                complete,
            } => {
                assert_eq!(got, header);
                assert_eq!(slice.as_ptr(), chunk.as_ptr(), "handed on, not copied");
                seen += slice.len();
                if complete {
                    completions += 1;
                    assert_eq!(got.ack(3).ack_size, data.len() as u64);
                }
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(r.reserved_bytes(), 0);
    }
    assert_eq!((seen, completions), (data.len(), 1));
    assert_eq!(r.open_messages(), 0);
    // An ack passes straight through.
    let ack = template.ack(4);
    assert_eq!(r.push("bob", &ack, &[]), Ok(Received::Ack(ack)));
}

/// The committed fuzz seeds reach past the parsers' first checks, so the fuzzer starts
/// from messages that complete.
#[test]
fn fuzz_seeds_are_valid_messages() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/p2p_parse");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    for name in [
        "slp_invite_dp",
        "slp_invite_file",
        "slp_ok",
        "slp_decline",
        "slp_bye",
    ] {
        let bytes = read(name);
        let message = SlpMessage::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(message.to_bytes().unwrap(), bytes, "{name}");
    }
    let invite = read("slp_invite_file");
    let context = SlpMessage::parse(&invite).unwrap().context().unwrap().to_owned();
    assert_eq!(FileContext::from_base64(&context).unwrap().name, "a.txt");
    for name in ["context_v2", "context_v3"] {
        let bytes = read(name);
        assert_eq!(FileContext::decode(&bytes).unwrap().encode().unwrap(), bytes);
    }
    for name in [
        "p2p_invite",
        "p2p_ack",
        "p2p_data_prep",
        "p2p_dp_data",
        "p2p_file_data",
    ] {
        let bytes = read(name);
        let message = P2pMessage::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut wire = Vec::new();
        message.encode(&mut wire).unwrap();
        assert_eq!(wire, bytes, "{name}");
    }
}

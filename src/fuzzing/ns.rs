//! Whole-session fuzz body: arbitrary server bytes, time steps and API calls driven into
//! a real [`NotificationClient`]. `fuzz/` targets call [`ns_session`]; the crate's tests
//! replay the committed corpus (`fuzz/corpus/ns_session/`) on stable.
//!
//! Encoding, one operation after another until the data runs out:
//!
//! | first byte % 6 | operation | operands |
//! |---|---|---|
//! | 0 | server bytes | `len: u16 LE`, then `len` bytes (fewer if the data ends) |
//! | 1 | time step | `n: u8`: advance `n` seconds (0: 250 ms), then `handle_timeout` |
//! | 2 | API call | `which: u8`, `arg: u8` (see [`call`]) |
//! | 3 | transport closed | — |
//! | 4 | a canned server line | `which: u8`, `trid: u8` |
//! | 5 | poll only | — |
//!
//! After every operation the output is drained; the drain must end within a bound and
//! the machine must never panic.

use std::time::{Duration, Instant};

use crate::codec::{AddPrompt, ClientCommand, GroupId, List, Passport, Privacy, Status, Token, TrId};
use crate::ns::{NotificationClient, NsConfig, NsEvent};
use crate::{Output, Secret};

/// Builders for fuzz inputs, for the corpus and for tests.
pub mod encode {
    /// Server bytes, split into chunks of at most `u16::MAX` bytes.
    pub fn server(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in bytes.chunks(usize::from(u16::MAX)) {
            out.push(0);
            out.extend_from_slice(&(chunk.len() as u16).to_le_bytes());
            out.extend_from_slice(chunk);
        }
        out
    }

    /// A time step of `seconds` (0 means 250 ms).
    pub fn time(seconds: u8) -> Vec<u8> {
        vec![1, seconds]
    }

    /// API call number `which` with argument `arg`.
    pub fn call(which: u8, arg: u8) -> Vec<u8> {
        vec![2, which, arg]
    }

    /// The transport closed.
    pub fn closed() -> Vec<u8> {
        vec![3]
    }
}

const CANNED: &[&str] = &[
    "VER {t} MSNP8 CVR0\r\n",
    "VER {t} 0\r\n",
    "CVR {t} 6.0.0602 6.0.0602 1.0.0000 http://x http://y\r\n",
    "XFR {t} NS 10.0.0.1:1863 0 10.0.0.2:1863\r\n",
    "USR {t} TWN S lc=1033,id=507\r\n",
    "USR {t} OK a@b.c A 1 0\r\n",
    "SYN {t} 5 2 1\r\n",
    "SYN {t} 0\r\n",
    "GTC A\r\nBLP AL\r\nLSG 0 Other 0\r\n",
    "LST b@b.c B 11 0\r\n",
    "BPR PHH 123\r\n",
    "CHG {t} NLN 0\r\n",
    "ILN {t} BSY b@b.c B 0\r\n",
    "NLN AWY b@b.c B 268435492\r\n",
    "FLN b@b.c\r\n",
    "ADD {t} FL 6 c@c.c c@c.c 0\r\n",
    "ADD 0 RL 7 d@d.c D\r\n",
    "REM {t} FL 8 c@c.c\r\n",
    "REM 0 RL 9 d@d.c\r\n",
    "REA {t} 10 a@b.c New\r\n",
    "ADG {t} 11 G 1 0\r\n",
    "RMG {t} 12 1\r\n",
    "REG {t} 13 0 H 0\r\n",
    "GTC {t} 14 N\r\n",
    "BLP {t} 15 BL\r\n",
    "PRP {t} 16 PHH 1\r\n",
    "CHL 0 15570131571988941333\r\n",
    "QRY {t}\r\n",
    "XFR {t} SB 10.0.0.3:1863 CKI 1.2.3\r\n",
    "RNG 1 10.0.0.3:1863 CKI 1.2 e@e.c E\r\n",
    "QNG\r\n",
    "OUT OTH\r\n",
    "MSG Hotmail Hotmail 66\r\nMIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile\r\nMSPAuth: x\r\n\r\n",
    "NOT 3\r\n<x>",
    "201 {t}\r\n",
    "911 {t}\r\n",
    "ZZZ {t} ?\r\n",
    "NLN\r\n",
    "MSG a b 99999999\r\n",
    // MSNP10+: the server picks MSNP11, the GUID contact model and Escargot's shapes.
    "VER {t} MSNP11\r\n",
    "USR {t} OK a@b.c 1 0\r\n",
    "SYN {t} 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 2 1\r\n",
    "SYN {t} 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00\r\n",
    "GTC A\r\nBLP AL\r\nPRP MFN Me\r\nLSG G 6d4bd9c5-8e42-4c2b-a8c5-4b0d1f1a2b3c\r\n",
    "LST N=c1@c.c F=C C=ab690000-1111-4222-8333-444455556666 11 6d4bd9c5-8e42-4c2b-a8c5-4b0d1f1a2b3c\r\n",
    "LST N=c2@c.c F=P 16 1 \r\n",
    "ADC {t} FL N=c3@c.c F=c3@c.c C=0000cccc-1111-4222-8333-444455556666\r\n",
    "ADC {t} FL C=ab690000-1111-4222-8333-444455556666 6d4bd9c5-8e42-4c2b-a8c5-4b0d1f1a2b3c\r\n",
    "ADC 0 RL N=d@d.c F=D\r\n",
    "REM {t} FL ab690000-1111-4222-8333-444455556666\r\n",
    "REM {t} BL c1@c.c\r\n",
    "REM 0 RL d@d.c\r\n",
    "ADG {t} G2 0aa0aa0a-0000-4000-8000-000000000001 0\r\n",
    "REG {t} 1 H 0aa0aa0a-0000-4000-8000-000000000001 0\r\n",
    "RMG {t} 1 0aa0aa0a-0000-4000-8000-000000000001\r\n",
    "SBP {t} ab690000-1111-4222-8333-444455556666 MFN X\r\n",
    "PRP {t} MFN Me\r\n",
    "BPR c1@c.c PHH 1\r\n",
    "208 {t}\r\n",
];

/// Performs API call `which` with argument `arg`; errors are expected and ignored.
pub fn call(ns: &mut NotificationClient, now: Instant, which: u8, arg: u8) {
    let account = |n: u8| Passport::try_from(format!("c{}@c.c", n % 4)).expect("valid");
    let list = [List::Forward, List::Allow, List::Block, List::Reverse][usize::from(arg % 4)];
    let status = Status::ALL[usize::from(arg) % Status::ALL.len()];
    let _ = match which % 20 {
        0 => ns.handle_connected(now).map(drop),
        1 => ns
            .submit_ticket(now, Secret::new(format!("t={arg}&p=x")))
            .map(drop),
        2 => ns.passport_failed(now, "no").map(drop),
        3 => ns.logout(now).map(drop),
        4 => ns.sync_lists(now).map(drop),
        5 => ns
            .add_contact(now, list, &account(arg), Some(GroupId(u32::from(arg % 3))))
            .map(drop),
        6 => ns.add_contact(now, list, &account(arg), None).map(drop),
        7 => ns.remove_contact(now, list, &account(arg), None).map(drop),
        8 => ns.rename_contact(now, &account(arg), "x y").map(drop),
        9 => ns
            .set_friendly_name(now, if arg.is_multiple_of(2) { "me" } else { "" })
            .map(drop),
        10 => ns.add_group(now, "g").map(drop),
        11 => ns.remove_group(now, GroupId(u32::from(arg % 3))).map(drop),
        12 => ns.rename_group(now, GroupId(u32::from(arg % 3)), "h").map(drop),
        13 => ns
            .set_privacy(
                now,
                if arg.is_multiple_of(2) {
                    Privacy::AllowAll
                } else {
                    Privacy::BlockAll
                },
            )
            .map(drop),
        14 => ns
            .set_add_prompt(
                now,
                if arg.is_multiple_of(2) {
                    AddPrompt::Ask
                } else {
                    AddPrompt::Allow
                },
            )
            .map(drop),
        15 => ns
            .set_phone(
                now,
                crate::ns::Phone::Home,
                arg.is_multiple_of(2).then_some("1 2"),
            )
            .map(drop),
        16 => ns.set_status(now, status).map(drop),
        17 => ns.request_switchboard(now).map(drop),
        18 => {
            let url = ClientCommand::Url {
                trid: TrId(u32::from(arg)),
                service: Token::try_from("INBOX").expect("valid"),
                param: None,
            };
            ns.send_command(now, &url).map(drop)
        }
        _ => ns.send_command(now, &ClientCommand::Png).map(drop),
    };
}

/// Drains the machine's output, checking that it ends and stays small. Returns the
/// events seen.
pub fn drain(ns: &mut NotificationClient, budget: usize) -> Vec<NsEvent> {
    let mut events = Vec::new();
    let mut closed = false;
    for _ in 0..budget {
        match ns.poll_output() {
            Output::Idle { .. } => return events,
            Output::Transmit(bytes) => assert!(!bytes.is_empty(), "empty transmit"),
            Output::Event(event) => {
                assert!(!closed, "event after Closed: {event:?}");
                closed = matches!(event, NsEvent::Closed { .. });
                events.push(event);
            }
        }
    }
    panic!("poll_output did not reach Idle within {budget} calls");
}

/// The fuzz body: never panics on any `data`.
pub fn ns_session(data: &[u8]) {
    let start = Instant::now();
    let mut now = start;
    let account = Passport::try_from("a@b.c").expect("valid");
    // Every dialect offered: the server's `VER` line in the input picks the one spoken.
    let config = NsConfig {
        dialects: crate::codec::DialectSet::ALL,
        ..NsConfig::default()
    };
    let mut ns = NotificationClient::new(config, account, now);
    let mut rest = data;
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        let mut take = |n: usize| {
            let (head, tail) = rest.split_at(n.min(rest.len()));
            rest = tail;
            head
        };
        let mut budget = 64;
        match op % 6 {
            0 => {
                let len = match take(2) {
                    [a, b] => usize::from(u16::from_le_bytes([*a, *b])),
                    _ => 0,
                };
                let bytes = take(len);
                // Every frame needs at least a line end; each may yield a few outputs.
                budget += bytes.len() * 4;
                ns.handle_input(now, bytes);
            }
            1 => {
                let step = match take(1) {
                    [0] | [] => Duration::from_millis(250),
                    [n, ..] => Duration::from_secs(u64::from(*n)),
                };
                now += step;
                ns.handle_timeout(now);
            }
            2 => {
                let (which, arg) = match take(2) {
                    [w, a] => (*w, *a),
                    [w] => (*w, 0),
                    _ => (0, 0),
                };
                call(&mut ns, now, which, arg);
            }
            3 => ns.handle_closed(now),
            4 => {
                let (which, trid) = match take(2) {
                    [w, t] => (*w, *t),
                    [w] => (*w, 1),
                    _ => (0, 1),
                };
                let line = CANNED[usize::from(which) % CANNED.len()].replace("{t}", &trid.to_string());
                budget += line.len() * 4;
                ns.handle_input(now, line.as_bytes());
            }
            _ => {}
        }
        drain(&mut ns, budget);
        if let Some(deadline) = ns.next_timeout() {
            assert!(deadline >= start, "deadline before the session started");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An MSNP11 session through the body: login, a GUID download, edits by GUID.
    #[test]
    fn an_msnp11_session_runs() {
        let line = |which: usize, trid: u8| vec![4, u8::try_from(which).unwrap_or(0), trid];
        let start = CANNED
            .iter()
            .position(|l| l.starts_with("VER {t} MSNP11"))
            .unwrap_or(0);
        let data = [
            encode::call(0, 0),
            line(start, 1),
            line(2, 2),
            line(4, 3),
            encode::call(1, 0),
            line(start + 1, 4),
            encode::call(4, 0),
            line(start + 2, 5),
            line(start + 4, 0),
            line(start + 5, 0),
            line(start + 6, 0),
            encode::call(7, 0),
            encode::call(8, 1),
            encode::call(10, 0),
            line(start + 10, 6),
            line(start + 17, 7),
        ]
        .concat();
        ns_session(&data);
    }

    #[test]
    fn empty_and_short_inputs_do_nothing_harmful() {
        for data in [
            &[][..],
            &[0],
            &[0, 255, 255],
            &[1],
            &[2],
            &[4],
            &[2, 0, 0, 4, 0, 1],
        ] {
            ns_session(data);
        }
    }
}

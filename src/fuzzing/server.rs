//! The whole-server fuzz body: several connections, arbitrary bytes, valid-looking
//! commands built from the input, closes and time steps. Kept in the crate so stable
//! tests replay the committed corpus (`fuzz/corpus/server_session/`).

use std::time::{Duration, Instant};

use crate::codec::{Dialect, DialectSet, Guid};
use crate::server::{ConnId, Listener, Server, ServerConfig, ServerOutput};

const ACCOUNTS: [&str; 3] = ["alice@example.com", "bob@example.com", "carol@example.com"];

/// Command templates the fuzzer fills in, so runs reach deep states (signed in,
/// switchboards) rather than dying at the handshake. `{a}` is an account, `{n}` a
/// number, `{v}` a dialect's name, `{c}` the last cookie seen, `{s}` the last session
/// id seen, `{g}` the last GUID seen.
const TEMPLATES: &[&str] = &[
    "VER {n} MSNP8 CVR0\r\n",
    "VER {n} {v} CVR0\r\n",
    "VER {n} MSNP12 MSNP11 MSNP10 MSNP9 MSNP8 CVR0\r\n",
    "CVR {n} 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS {a}\r\n",
    "USR {n} TWN I {a}\r\n",
    "SYN {n} {n}\r\n",
    "SYN {n} 0 0\r\n",
    "CHG {n} NLN 268435492\r\n",
    "CHG {n} NLN 1342177312 %3Cmsnobj%20Creator=%22{a}%22%2F%3E\r\n",
    "CHG {n} HDN\r\n",
    "ADD {n} FL {a} {a} {n}\r\n",
    "ADD {n} AL {a} {a}\r\n",
    "ADD {n} BL {a} {a}\r\n",
    "REM {n} FL {a}\r\n",
    "REM {n} BL {a}\r\n",
    "ADG {n} Group%20{n} 0\r\n",
    "RMG {n} {n}\r\n",
    "REA {n} {a} Name%20{n}\r\n",
    "ADC {n} FL N={a} F=Name%20{n}\r\n",
    "ADC {n} FL C={g} {g}\r\n",
    "ADC {n} AL N={a}\r\n",
    "ADC {n} RL N={a}\r\n",
    "REM {n} FL {g}\r\n",
    "REM {n} FL {g} {g}\r\n",
    "REM {n} BL {a}\r\n",
    "ADG {n} Group%20{n}\r\n",
    "RMG {n} {g}\r\n",
    "REG {n} {g} Renamed%20{n}\r\n",
    "SBP {n} {g} MFN Name%20{n}\r\n",
    "PRP {n} MFN Me%20{n}\r\n",
    "UUX {n} 43\r\n<Data><PSM>test</PSM><CurrentMedia/></Data>",
    "GCF {n} Shields.xml\r\n",
    "BLP {n} BL\r\n",
    "BLP {n} AL\r\n",
    "PRP {n} PHH {n}\r\n",
    "XFR {n} SB\r\n",
    "USR {n} {a} {c}\r\n",
    "ANS {n} {a} {c} {s}\r\n",
    "CAL {n} {a}\r\n",
    "MSG {n} A 5\r\nhello",
    "MSG {n} N 3\r\nhey",
    "MSG {n} D 63\r\nMIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\n\r\nxx",
    "MSG {n} N 63\r\nMIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\n\r\nxx",
    "PNG\r\n",
    "OUT\r\n",
];

/// Feeds `data` to a [`Server`] as a sequence of operations and checks that it never
/// panics and never holds more output per connection than its bound.
///
/// The first byte is the set of dialects the server speaks (bit 0 MSNP8 … bit 4 MSNP12;
/// none means all), so every dialect's replies are reached.
pub fn server_session(data: &[u8]) {
    let start = Instant::now();
    let mut now = start;
    let (dialects, data) = match data.split_first() {
        Some((&mask, rest)) => {
            let set: DialectSet = Dialect::ALL
                .into_iter()
                .enumerate()
                .filter(|(bit, _)| mask & (1 << bit) != 0)
                .map(|(_, d)| d)
                .collect();
            (if set.is_empty() { DialectSet::ALL } else { set }, rest)
        }
        None => (DialectSet::ALL, data),
    };
    let config = ServerConfig {
        max_queued_output: 4096,
        max_personal_message_len: 64,
        dialects,
        escargot_quirks: dialects.contains(Dialect::Msnp11),
        ..ServerConfig::default()
    };
    let max = config.max_queued_output;
    let mut server = Server::new(config, now);
    for account in ACCOUNTS {
        let _ = server.add_account(account, "pw", account);
    }
    let mut conns: Vec<ConnId> = Vec::new();
    let mut cookie = String::from("0");
    let mut session = String::from("0");
    let mut guid = String::from("00000000-0000-0000-0000-000000000000");
    let mut input = data.iter().copied();
    let mut next = move || input.next();
    while let Some(op) = next() {
        let pick = |conns: &[ConnId], b: Option<u8>| {
            conns
                .get(usize::from(b.unwrap_or(0)) % conns.len().max(1))
                .copied()
        };
        match op % 8 {
            0 if conns.len() < 8 => {
                let listener = [Listener::Dispatch, Listener::Notification, Listener::Switchboard]
                    [usize::from(next().unwrap_or(0)) % 3];
                conns.push(server.accept(now, listener));
            }
            1 => {
                let Some(conn) = pick(&conns, next()) else {
                    continue;
                };
                let len = usize::from(next().unwrap_or(0));
                let bytes: Vec<u8> = (0..len).map_while(|_| next()).collect();
                let _ = server.handle_input(conn, now, &bytes);
            }
            2..=4 => {
                let Some(conn) = pick(&conns, next()) else {
                    continue;
                };
                let template = TEMPLATES[usize::from(next().unwrap_or(0)) % TEMPLATES.len()];
                let account = ACCOUNTS[usize::from(next().unwrap_or(0)) % ACCOUNTS.len()];
                let number = next().unwrap_or(1).to_string();
                let dialect = Dialect::ALL[usize::from(next().unwrap_or(0)) % Dialect::ALL.len()];
                let text = template
                    .replace("{a}", account)
                    .replace("{n}", &number)
                    .replace("{v}", dialect.as_str())
                    .replace("{g}", &guid)
                    .replace("{c}", &cookie)
                    .replace("{s}", &session);
                let _ = server.handle_input(conn, now, text.as_bytes());
            }
            5 => {
                // A valid ticket for a signing-in notification connection.
                let Some(conn) = pick(&conns, next()) else {
                    continue;
                };
                let account = ACCOUNTS[usize::from(next().unwrap_or(0)) % ACCOUNTS.len()];
                if let Some(ticket) = server.verifier_mut().issue_ticket(account) {
                    let line = format!("USR 9 TWN S {}\r\n", ticket.expose());
                    let _ = server.handle_input(conn, now, line.as_bytes());
                }
            }
            6 => {
                let Some(conn) = pick(&conns, next()) else {
                    continue;
                };
                let _ = server.handle_closed(conn, now);
            }
            _ => {
                let step = u64::from(next().unwrap_or(0));
                now += Duration::from_secs(step);
                server.handle_timeout(now);
            }
        }
        for &conn in &conns {
            assert!(server.queued_output(conn) <= max, "output queue over its bound");
        }
        // Drain, remembering cookies and sessions so later templates can use them.
        loop {
            match server.poll_output() {
                ServerOutput::Transmit { bytes, .. } => {
                    let text = String::from_utf8_lossy(&bytes);
                    for line in text.split("\r\n") {
                        let words: Vec<&str> = line.split(' ').collect();
                        if let Some(at) = words.iter().position(|w| *w == "CKI") {
                            cookie = words.get(at + 1).unwrap_or(&"0").to_string();
                        }
                        if words.first() == Some(&"RNG") {
                            session = words.get(1).unwrap_or(&"0").to_string();
                        }
                        for word in &words {
                            let id = word.strip_prefix("C=").unwrap_or(word);
                            if Guid::try_from(id).is_ok() {
                                guid = id.to_owned();
                            }
                        }
                    }
                }
                ServerOutput::Close { conn } => conns.retain(|c| *c != conn),
                ServerOutput::Event(_) => {}
                ServerOutput::Idle { next_timeout } => {
                    assert!(next_timeout.is_none_or(|t| t >= start));
                    break;
                }
            }
        }
        conns.retain(|c| server.listener(*c).is_some());
    }
    server.shutdown(now);
    while !matches!(server.poll_output(), ServerOutput::Idle { .. }) {}
    assert_eq!(server.connection_count(), 0, "shutdown leaves no connection");
}

#[cfg(test)]
mod tests {
    use super::server_session;

    #[test]
    fn smoke() {
        server_session(&[]);
        server_session(&[0, 1, 2, 0, 0, 0, 2, 0, 1, 0, 5, 0, 1, 7, 60]);
        // MSNP12 alone: a VER of the offered dialects, the ticket, SYN by timestamps.
        server_session(&[0x10, 0, 1, 2, 0, 2, 0, 0, 5, 0, 0, 2, 0, 6, 0, 1, 0]);
    }
}

//! The recorded traffic the codec benches decode, and the ceiling they measure it
//! against: shared by `codec.rs` and `decode_ceiling.rs`, so both read the same bytes.

#![allow(dead_code)] // each bench uses part of it

pub const PROFILE: &str = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1062764231\r\nEmailEnabled: 1\r\nMemberIdHigh: 84736\r\nMemberIdLow: -1434161204\r\nlang_preference: 1033\r\npreferredEmail: example@passport.com\r\ncountry: US\r\nPostalCode: \r\nGender: \r\nKid: 0\r\nAge: \r\nBDayPre: \r\nBirthday: \r\nWallet: \r\nFlags: 1027\r\nsid: 507\r\nkv: 5\r\nMSPAuth: 5Y6dQqPCSd5Rz8GIfq3l7Y3iUtEoeOpNHk8zExZBOPfH2jaiL9TfwJE4Z5Zk8NsOPnfXLE\r\nClientIP: 203.0.113.7\r\nClientPort: 40450\r\n\r\n";

pub const INITIAL_MAIL: &str = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialemailnotification; charset=UTF-8\r\n\r\nInbox-Unread: 3\r\nFolders-Unread: 0\r\nInbox-URL: /cgi-bin/HoTMaiL\r\nFolders-URL: /cgi-bin/folders\r\nPost-URL: http://www.hotmail.com\r\n\r\n";

pub fn new_mail(i: usize) -> String {
    format!(
        "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsemailnotification; charset=UTF-8\r\n\r\nFrom: Sender Number {i}\r\nMessage-URL: /cgi-bin/getmsg?msg=MSG1062764{i:04}.12&start=1&len=3521&curmbox=ACTIVE\r\nPost-URL: https://loginnet.passport.com/ppsecure/md5auth.srf?lc=1033\r\nSubject: =?\"us-ascii\"?Q?Re: meeting notes {i}?=\r\nDest-Folder: ACTIVE\r\nFrom-Addr: sender{i}@example.com\r\nid: 2\r\n\r\n"
    )
}

pub fn msg(out: &mut Vec<u8>, from: &str, name: &str, payload: &str) {
    out.extend_from_slice(format!("MSG {from} {name} {}\r\n{payload}", payload.len()).as_bytes());
}

pub fn contact(i: usize) -> String {
    format!("contact.number{i}@hotmail.com")
}

/// A recorded-shape notification-server session, server to client.
pub fn ns_stream() -> Vec<u8> {
    let mut out = Vec::new();
    let mut lines = |s: &str| out.extend_from_slice(s.as_bytes());
    lines("VER 1 MSNP8 CVR0\r\n");
    lines(
        "CVR 2 6.0.0602 6.0.0602 1.0.0000 http://download.microsoft.com/download/8/a/4/8a42bcae-f533-4468-b871-d2bc8dd32e9e/SETUP9x.EXE http://messenger.msn.com\r\n",
    );
    lines(
        "USR 3 TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619\r\n",
    );
    lines("USR 4 OK example@passport.com example%20display%20name 1 0\r\n");
    msg(&mut out, "Hotmail", "Hotmail", PROFILE);
    msg(&mut out, "Hotmail", "Hotmail", INITIAL_MAIL);
    let mut lines = |s: String| out.extend_from_slice(s.as_bytes());
    lines("SYN 5 147 600 12\r\nGTC A\r\nBLP AL\r\nPRP PHH 123%20(4567)\r\nPRP MOB Y\r\n".into());
    for g in 0..12 {
        lines(format!("LSG {g} Group%20number%20{g} 0\r\n"));
    }
    for i in 0..600 {
        let mask = [11, 13, 3, 10, 9][i % 5];
        let groups = if mask & 1 == 1 {
            format!(" {},{}", i % 12, (i + 5) % 12)
        } else {
            String::new()
        };
        lines(format!(
            "LST {} Contact%20%E2%98%85%20number%20{i} {mask}{groups}\r\n",
            contact(i)
        ));
        if i % 10 == 0 {
            lines(format!("BPR PHH 1%20(222)%20333%20{i:04}\r\n"));
        }
    }
    lines("CHG 6 NLN 268435492\r\n".into());
    for i in (0..600).step_by(3) {
        lines(format!(
            "ILN 6 NLN {} Contact%20number%20{i} 268435492\r\n",
            contact(i)
        ));
    }
    lines("CHL 0 15570131571988941333\r\n".into());
    for i in 0..3000 {
        let who = contact(i * 7 % 600);
        match i % 4 {
            0 => lines(format!("FLN {who}\r\n")),
            1 => lines(format!("NLN AWY {who} Away%20friend%20{i} 268435492\r\n")),
            2 => lines(format!("NLN BSY {who} Busy%20friend%20{i} 24\r\n")),
            _ => lines(format!("NLN NLN {who} Back%20%28again%29%20{i} 268435492\r\n")),
        }
    }
    for i in 0..20 {
        msg(&mut out, "Hotmail", "Hotmail", &new_mail(i));
    }
    out.extend_from_slice(b"QNG\r\nOUT SSD\r\n");
    out
}

pub fn guid(kind: u32, i: usize) -> String {
    format!(
        "{:08x}-{kind:04x}-4bd7-b5d6-{:012x}",
        i * 2_654_435_761 % 0xffff_ffff,
        i
    )
}

/// An MSNP11 notification-server session, server to client.
pub fn msnp11_stream() -> Vec<u8> {
    let mut out = Vec::new();
    let object = "%3Cmsnobj%20Creator%3D%22buddy1%40hotmail.com%22%20Size%3D%2224539%22%20Type%3D%223%22%20Location%3D%22TFR2C.tmp%22%20Friendly%3D%22AAA%3D%22%20SHA1D%3D%22trC8SlFx2sWQxZMIBAWSEnXc8oQ%3D%22%20SHA1C%3D%22U32o6bosZzluJq82eAtMpx5dIEI%3D%22%2F%3E";
    let mut lines = |s: &str| out.extend_from_slice(s.as_bytes());
    lines(
        "VER 1 MSNP11\r\nCVR 2 7.0.0813 7.0.0813 7.0.0813 https://escargot.log1p.xyz https://escargot.log1p.xyz\r\n",
    );
    lines("USR 3 TWN S ct=1062764229,rver=5.5.4177.0,wp=FS_40SEC_0_COMPACT,lc=1033,id=507\r\n");
    lines("USR 4 OK example@passport.com 1 0\r\nSBS 0 null\r\n");
    msg(&mut out, "Hotmail", "Hotmail", PROFILE);
    let mut lines = |s: String| out.extend_from_slice(s.as_bytes());
    lines(
        "SYN 5 2005-04-23T18:57:44.8130000-07:00 2005-04-23T18:57:54.2070000-07:00 600 12\r\nGTC A\r\nBLP AL\r\nPRP MFN example%20display%20name\r\nPRP PHH 123%20(4567)\r\n"
        .into(),
    );
    for g in 0..12 {
        lines(format!("LSG Group%20number%20{g} {}\r\n", guid(1, g)));
    }
    for i in 0..600 {
        let mask = [11, 13, 3, 10, 9][i % 5];
        let (c, groups) = if mask & 1 == 1 {
            (
                format!(" C={}", guid(2, i)),
                format!(" {},{}", guid(1, i % 12), guid(1, (i + 5) % 12)),
            )
        } else {
            (String::new(), String::new())
        };
        lines(format!(
            "LST N={} F=Contact%20%E2%98%85%20number%20{i}{c} {mask}{groups}\r\n",
            contact(i)
        ));
        if i % 10 == 0 {
            lines(format!("BPR PHH 1%20(222)%20333%20{i:04}\r\n"));
        }
    }
    lines(format!("CHG 6 NLN 1073741824 {object}\r\n"));
    let psm = |i: usize| {
        format!(
            "<Data><PSM>status message {i} &amp; more</PSM><CurrentMedia>\0Music\01\0{{0}} - {{1}}\0Title {i}\0Artist\0Album\0\0</CurrentMedia></Data>"
        )
    };
    for i in (0..600).step_by(3) {
        lines(format!(
            "ILN 6 NLN {} Contact%20number%20{i} 1073741824 {object}\r\n",
            contact(i)
        ));
        let data = psm(i);
        lines(format!("UBX {} {}\r\n{data}", contact(i), data.len()));
    }
    for i in 0..3000 {
        let who = contact(i * 7 % 600);
        match i % 5 {
            0 => lines(format!("FLN {who}\r\n")),
            1 => lines(format!(
                "NLN AWY {who} Away%20friend%20{i} 1073741824 {object}\r\n"
            )),
            2 => lines(format!(
                "NLN BSY {who} Busy%20friend%20{i} 1342177280 %3Cmsnobj%2F%3E\r\n"
            )),
            3 => {
                let data = psm(i);
                lines(format!("UBX {who} {}\r\n{data}", data.len()))
            }
            _ => lines(format!(
                "NLN NLN {who} Back%20%28again%29%20{i} 1073741824 {object}\r\n"
            )),
        }
    }
    for i in 0..20 {
        lines(format!(
            "ADC 0 RL N=new.friend{i}@hotmail.com F=New%20friend%20{i}\r\n"
        ));
        lines(format!("REM 0 RL old.friend{i}@hotmail.com\r\n"));
    }
    out.extend_from_slice(b"QNG 60\r\nOUT SSD\r\n");
    out
}

/// A switchboard chat, server to client.
pub fn sb_stream() -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(
        b"USR 1 OK example@passport.com example%20display%20name\r\nCAL 2 RINGING 11752013\r\n",
    );
    out.extend_from_slice(b"JOI bob@passport.com Bob%20the%20builder\r\n");
    let typing =
        "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: bob@passport.com\r\n\r\n\r\n";
    let sizes = [20, 45, 80, 140, 300, 60, 1600, 35, 500, 90];
    for round in 0..300 {
        msg(&mut out, "bob@passport.com", "Bob%20the%20builder", typing);
        let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(30);
        let text = &body[..sizes[round % sizes.len()]];
        let payload = format!(
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=I; CO=0; CS=0; PF=22\r\n\r\n{text}"
        );
        msg(&mut out, "bob@passport.com", "Bob%20the%20builder", &payload);
        out.extend_from_slice(format!("ACK {}\r\n", round + 3).as_bytes());
    }
    out.extend_from_slice(b"BYE bob@passport.com\r\n");
    out
}

/// The ceiling typed decoding is measured against: the least work that still finds every
/// frame of the same bytes (line ends by `memchr`, each payload skipped by its declared
/// length), typing nothing.
pub fn memchr_walk(input: &[u8]) -> usize {
    let mut count = 0;
    let mut at = 0;
    while let Some(lf) = memchr::memchr(b'\n', &input[at..]) {
        let line = &input[at..at + lf];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut end = at + lf + 1;
        if matches!(line.get(..4), Some(b"MSG " | b"NOT " | b"IPG " | b"UBX ")) {
            let last = memchr::memrchr(b' ', line).map_or(line, |sp| &line[sp + 1..]);
            let len = last
                .iter()
                .fold(0usize, |n, &d| n * 10 + usize::from(d.wrapping_sub(b'0')));
            end += len;
        }
        at = end;
        count += 1;
        if at >= input.len() {
            break;
        }
    }
    count
}

/// The least time of `runs` runs of `f`: on a shared two-core machine the minimum is the
/// figure least disturbed by other processes (criterion's mean includes their noise).
///
/// `BEST_OF` in the environment sets the count (a few runs suffice under callgrind).
pub fn best_of(runs: usize, mut f: impl FnMut()) -> std::time::Duration {
    let runs = std::env::var("BEST_OF")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(runs);
    (0..runs)
        .map(|_| {
            let start = std::time::Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

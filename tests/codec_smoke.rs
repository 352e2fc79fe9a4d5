//! Every verb of the reference decodes to its typed variant and re-encodes byte-exactly.

use msnp::codec::{ClientCommand, ServerCommand};

const SERVER_LINES: &[&str] = &[
    "VER 1 MSNP8 CVR0\r\n",
    "VER 1 MSNP8\r\n",
    "VER 1 0\r\n",
    "CVR 2 6.0.0602 6.0.0602 1.0.0000 http://download.microsoft.com/download/8/a/4/8a42bcae-f533-4468-b871-d2bc8dd32e9e/SETUP9x.EXE http://messenger.msn.com\r\n",
    "XFR 3 NS 207.46.106.35:1863 0 207.46.104.20:1863\r\n",
    "USR 3 TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619\r\n",
    "USR 4 OK example@passport.com example%20display%20name 1 0\r\n",
    "USR 4 OK example@hotmail.com example%20user 1\r\n",
    "USR 1 OK bob@passport.com Bob\r\n",
    "USR 3 MD5 S 1234567890.123456789\r\n",
    "INF 2 MD5\r\n",
    "XFR 10 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308\r\n",
    "SYN 8 15 1 1\r\n",
    "SYN 8 15\r\n",
    "GTC A\r\n",
    "GTC 9 16 N\r\n",
    "BLP AL\r\n",
    "BLP 9 16 BL\r\n",
    "PRP PHH 123%20(4567)\r\n",
    "PRP 11 17 PHH 123\r\n",
    "LSG 0 Other%20Contacts 0\r\n",
    "LST anotheruser@hotmail.com another%20user 11 0\r\n",
    "LST anotheruser@hotmail.com another%20user 10\r\n",
    "BPR PHH 1%20(222)%20333%204444\r\n",
    "BPR 18 bob@passport.com PHW 555\r\n",
    "CHG 12 NLN 268435492\r\n",
    "CHG 0 AWY\r\n",
    "ILN 12 NLN bob@passport.com Bob 268435492\r\n",
    "NLN AWY example@passport.com example%20display%20name 268435492\r\n",
    "FLN example@passport.com\r\n",
    "ADD 13 FL 19 bob@passport.com bob@passport.com 0\r\n",
    "ADD 0 RL 28 carol@passport.com Carol\r\n",
    "REM 14 FL 20 bob@passport.com 0\r\n",
    "REM 0 RL 29 carol@passport.com\r\n",
    "REA 15 21 example@passport.com New%20Name\r\n",
    "ADG 16 22 Friends 1 0\r\n",
    "RMG 17 23 1\r\n",
    "REG 18 24 1 Buddies 0\r\n",
    "URL 19 /cgi-bin/HoTMaiL https://loginnet.passport.com/ppsecure/md5auth.srf?lc=1033 2\r\n",
    "CHL 0 15570131571988941333\r\n",
    "QRY 20\r\n",
    "RNG 11752013 207.46.108.38:1863 CKI 849102291.520491113 example@passport.com Example%20Name\r\n",
    "QNG\r\n",
    "QNG 50\r\n",
    "OUT\r\n",
    "OUT OTH\r\n",
    "OUT SSD\r\n",
    "MSG Hotmail Hotmail 2\r\nhi",
    "MSG bob@passport.com Bob 0\r\n",
    "NOT 3\r\n<a>",
    "IPG 1\r\nx",
    "CAL 2 RINGING 11752013\r\n",
    "ANS 1 OK\r\n",
    "IRO 1 1 2 bob@passport.com Bob\r\n",
    "JOI bob@passport.com Bob\r\n",
    "BYE bob@passport.com\r\n",
    "BYE bob@passport.com 1\r\n",
    "ACK 4\r\n",
    "NAK 4\r\n",
    "201 19\r\n",
    "500\r\n",
    "911 4 extra words\r\n",
    "715 info\r\n",
];

const CLIENT_LINES: &[&str] = &[
    "VER 1 MSNP8 CVR0\r\n",
    "CVR 2 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS example@passport.com\r\n",
    "USR 3 TWN I example@passport.com\r\n",
    "USR 4 TWN S t=53*1hAu8ADuD3TEwdXoOMi08sD*2!cMrnt$$&p=5eKBBC\r\n",
    "USR 3 MD5 I example@hotmail.com\r\n",
    "USR 4 MD5 S f59af8f2fa91d38aff7c870c17f99903\r\n",
    "USR 1 example@passport.com 17262740.1050826919.32308\r\n",
    "INF 2\r\n",
    "XFR 10 SB\r\n",
    "SYN 8 14\r\n",
    "GTC 9 A\r\n",
    "BLP 9 BL\r\n",
    "PRP 11 PHH 123\r\n",
    "PRP 11 PHH\r\n",
    "CHG 12 NLN 268435492\r\n",
    "CHG 12 HDN\r\n",
    "ADD 13 FL bob@passport.com bob@passport.com 0\r\n",
    "ADD 13 AL bob@passport.com bob@passport.com\r\n",
    "REM 14 FL bob@passport.com 0\r\n",
    "REA 15 example@passport.com New%20Name\r\n",
    "ADG 16 Friends 0\r\n",
    "RMG 17 1\r\n",
    "REG 18 1 Buddies 0\r\n",
    "URL 19 INBOX\r\n",
    "URL 19 PROFILE 0x0409\r\n",
    "QRY 20 msmsgs@msnmsgr.com 32\r\n8f2f5a91b72102cd28355e9fc9000d6e",
    "PNG\r\n",
    "OUT\r\n",
    "MSG 4 N 5\r\nhello",
    "CAL 2 bob@passport.com\r\n",
    "ANS 1 example@passport.com 849102291.520491113 11752013\r\n",
];

#[test]
fn server_lines_decode_typed_and_reencode() {
    for line in SERVER_LINES {
        let (cmd, used) = ServerCommand::decode(line.as_bytes()).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        assert_eq!(used, line.len(), "{line:?}");
        assert!(
            !matches!(cmd, ServerCommand::Other(_)),
            "{line:?} decoded as Other"
        );
        let mut out = Vec::new();
        cmd.encode(&mut out).unwrap();
        assert_eq!(String::from_utf8_lossy(&out), *line);
        let owned = cmd.clone().into_owned();
        assert_eq!(owned, cmd);
    }
}

#[test]
fn client_lines_decode_typed_and_reencode() {
    for line in CLIENT_LINES {
        let (cmd, used) = ClientCommand::decode(line.as_bytes()).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        assert_eq!(used, line.len(), "{line:?}");
        assert!(
            !matches!(cmd, ClientCommand::Other(_)),
            "{line:?} decoded as Other"
        );
        let mut out = Vec::new();
        cmd.encode(&mut out).unwrap();
        assert_eq!(String::from_utf8_lossy(&out), *line);
        assert_eq!(cmd.clone().into_owned(), cmd);
    }
}

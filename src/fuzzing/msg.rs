//! The `msg_payload` target: `MSG` payloads through the parser, the typed views and the
//! writer.

use crate::msg::Message;

/// Fuzz body: parse → classify → write → parse again must agree, and never panic.
///
/// Shared by the cargo-fuzz target and by the corpus replay test.
pub fn msg_payload(data: &[u8]) {
    let Ok(message) = Message::parse(data) else {
        return;
    };
    let kind = message.kind();
    let mut wire = Vec::new();
    if message.encode(&mut wire).is_ok() {
        let again = Message::parse(&wire).expect("a written message parses");
        assert_eq!(again, message, "message changed through encode");
        assert_eq!(again.kind(), kind, "classification changed through encode");
        // Canonical input (blank line present, CR LF only) must come back byte for byte.
        let head = &data[..data.len() - message.body().len()];
        let has_blank_line = head == b"\r\n" || head.ends_with(b"\r\n\r\n");
        let bare_lf = head
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\n' && (i == 0 || head[i - 1] != b'\r'));
        if has_blank_line && !bare_lf {
            assert_eq!(wire, data, "canonical payload not written back verbatim");
        }
    }
    if let Ok(kind) = kind {
        let mut typed = Vec::new();
        if kind.encode(&mut typed).is_ok() {
            let again = Message::parse(&typed).expect("a written view parses");
            assert_eq!(
                again.kind().as_ref(),
                Ok(&kind),
                "typed view changed through encode"
            );
        }
    }
}

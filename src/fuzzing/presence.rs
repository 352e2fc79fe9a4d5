//! The `presence_values` target: the MSNObject in its three encodings and the MSNP11
//! personal-status payload, read from arbitrary bytes and built from them.

use crate::codec::Passport;
use crate::presence::{CurrentMedia, MediaKind, MsnObject, MsnObjectKind, PersonalStatus};

/// Fuzz body: `data` goes to every parser (XML, percent-encoded token, base64 context,
/// `UBX` payload) and, cut at `0xFF` bytes into fields, to the builders. Whatever is
/// read or built must write bytes within the documented bounds that read back as the
/// same value. Never panics otherwise.
pub fn presence_values(data: &[u8]) {
    if let Ok(Some(object)) = MsnObject::from_xml(data) {
        check_object(&object);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(Some(object)) = MsnObject::from_percent_encoded(text) {
            check_object(&object);
        }
        if let Ok(Some(object)) = MsnObject::from_base64_context(text) {
            check_object(&object);
        }
    }
    if let Ok(status) = PersonalStatus::parse(data) {
        check_status(&status);
    }
    build(data);
}

fn check_object(object: &MsnObject) {
    let xml = object.to_xml();
    let token = object.to_percent_encoded();
    let context = object.to_base64_context();
    assert!(xml.len() <= MsnObject::MAX_XML_LEN, "XML over its bound");
    assert!(token.len() <= MsnObject::MAX_TOKEN_LEN, "token over its bound");
    assert!(
        context.len() <= MsnObject::MAX_CONTEXT_LEN,
        "context over its bound"
    );
    let expected = Some(object);
    assert_eq!(
        MsnObject::from_xml(xml.as_bytes()).unwrap().as_ref(),
        expected,
        "XML round trip"
    );
    assert_eq!(
        MsnObject::from_percent_encoded(&token).unwrap().as_ref(),
        expected,
        "token round trip"
    );
    assert_eq!(
        MsnObject::from_base64_context(&context).unwrap().as_ref(),
        expected,
        "context round trip"
    );
    assert_eq!(
        object.sha1c_matches(),
        object.sha1c() == Some(&object.computed_sha1c())
    );
}

fn check_status(status: &PersonalStatus) {
    let mut payload = Vec::new();
    status.encode(&mut payload).expect("a parsed status encodes");
    assert!(payload.len() <= PersonalStatus::MAX_PAYLOAD_LEN);
    let again = PersonalStatus::parse(&payload).expect("an encoded status parses");
    assert_eq!(&again, status, "status changed through encode");
    let mut twice = Vec::new();
    again.encode(&mut twice).unwrap();
    assert_eq!(twice, payload, "encoding is not canonical");
}

fn build(data: &[u8]) {
    let fields: Vec<String> = data
        .split(|&b| b == 0xFF)
        .take(CurrentMedia::MAX_ARGS + 8)
        .map(|field| String::from_utf8_lossy(field).into_owned())
        .collect();
    let field = |i: usize| fields.get(i).map_or("", String::as_str);
    if let Ok(creator) = Passport::try_from(field(0)) {
        let kind = MsnObjectKind::from(u32::from(data.last().copied().unwrap_or(3)));
        if let Ok(object) = MsnObject::for_data(creator, kind, field(1), field(2), field(3).as_bytes()) {
            assert!(object.sha1c_matches(), "a built object verifies");
            assert!(object.matches_data(field(3).as_bytes()));
            check_object(&object);
            if let Ok(object) = object.with_extra(field(4), field(5)) {
                check_object(&object);
            }
        }
    }
    let status = PersonalStatus {
        message: field(0).to_owned(),
        media: (fields.len() > 4).then(|| CurrentMedia {
            player: field(1).to_owned(),
            kind: MediaKind::from(field(2)),
            enabled: data.len().is_multiple_of(2),
            format: field(3).to_owned(),
            args: fields[4..].to_vec(),
        }),
    };
    let mut payload = Vec::new();
    if status.encode(&mut payload).is_ok() {
        assert_eq!(
            PersonalStatus::parse(&payload).as_ref(),
            Ok(&status),
            "built status changed through encode"
        );
    } else {
        assert!(payload.is_empty(), "a refused status wrote bytes");
    }
}

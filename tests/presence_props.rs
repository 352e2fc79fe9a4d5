//! Property tests of the presence values: whatever the builders accept writes bytes
//! that every parser reads back as the same value, in each encoding; arbitrary bytes
//! never panic a parser.
//!
//! Case counts are modest so CI on two cores stays fast; `PROPTEST_CASES=20000` runs a
//! long local campaign.

use msnp::codec::Passport;
use msnp::fuzzing::presence::presence_values;
use msnp::presence::{CurrentMedia, MediaKind, MsnObject, MsnObjectKind, PersonalStatus};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(96),
        ..ProptestConfig::default()
    }
}

fn creator() -> impl Strategy<Value = Passport<'static>> {
    "[!-~]{1,40}".prop_map(|s| Passport::try_from(s).unwrap())
}

/// Attribute text: anything but a control character, with XML's special characters
/// made likely.
fn attribute_text() -> impl Strategy<Value = String> {
    prop_oneof!["[^\\p{Cc}]{0,30}", "[<>&'\"a=/ ]{0,12}", Just(String::new()),]
}

fn kind() -> impl Strategy<Value = MsnObjectKind> {
    prop_oneof![
        Just(MsnObjectKind::DisplayPicture),
        (0u32..20).prop_map(MsnObjectKind::from),
        any::<u32>().prop_map(MsnObjectKind::Other),
    ]
}

fn msn_object() -> impl Strategy<Value = MsnObject> {
    (
        creator(),
        kind(),
        attribute_text(),
        "[^\\x00]{0,20}",
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..64).prop_map(Ok),
            (any::<u64>(), any::<[u8; 20]>()).prop_map(Err),
        ],
        proptest::collection::vec(("[a-z_][a-zA-Z0-9_.:-]{0,10}", attribute_text()), 0..4),
    )
        .prop_map(|(creator, kind, location, friendly, data, extra)| {
            let object = match data {
                Ok(bytes) => MsnObject::for_data(creator, kind, &location, &friendly, &bytes),
                Err((size, sha1d)) => MsnObject::new(creator, size, kind, &location, &friendly, sha1d),
            }
            .expect("valid attributes build");
            extra.into_iter().fold(object, |object, (name, value)| {
                // A repeated or reserved name is refused; the object stays as it was.
                object.clone().with_extra(&name, &value).unwrap_or(object)
            })
        })
}

/// Text of a message or media field: XML's special characters, tab/LF/CR, backslashes
/// and braces made likely; never the field separator.
fn field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\\p{Cc}]{0,24}",
        "[<>&'\"\\\\{}0 \t\r\n]{0,12}",
        Just(String::new()),
    ]
    .prop_filter("holds the separator", |s| !s.contains("\\0"))
}

fn media() -> impl Strategy<Value = CurrentMedia> {
    (
        field_text(),
        prop_oneof![
            Just(MediaKind::Music),
            Just(MediaKind::Games),
            Just(MediaKind::Office),
            field_text().prop_map(|s| MediaKind::from(s.as_str())),
        ],
        any::<bool>(),
        field_text(),
        proptest::collection::vec(field_text(), 0..=CurrentMedia::MAX_ARGS),
    )
        .prop_map(|(player, kind, enabled, format, args)| CurrentMedia {
            player,
            kind,
            enabled,
            format,
            args,
        })
}

fn status() -> impl Strategy<Value = PersonalStatus> {
    (field_text(), proptest::option::of(media()))
        .prop_map(|(message, media)| PersonalStatus { message, media })
}

/// Fragments of both documents, so random input gets past the first tag.
fn xmlish() -> impl Strategy<Value = Vec<u8>> {
    let fragment = prop_oneof![
        Just("<msnobj "),
        Just("<Data>"),
        Just("</Data>"),
        Just("<PSM>"),
        Just("</PSM>"),
        Just("<CurrentMedia>"),
        Just("</CurrentMedia>"),
        Just("/>"),
        Just("Creator=\"a@b.c\" "),
        Just("SHA1D=\"trC8SlFx2sWQxZMIBAWSEnXc8oQ=\" "),
        Just("Size=\"5\" Type=\"3\" "),
        Just("Friendly=\"AAA=\" "),
        Just("x=\"&amp;\" "),
        Just("\\0"),
        Just("&#x5C;"),
        Just("&lt;"),
        Just("<![CDATA[&]]>"),
        Just("Music"),
        Just("1"),
        Just("%3C"),
        Just("\""),
        Just("'"),
    ];
    proptest::collection::vec(fragment, 0..24).prop_map(|parts| parts.concat().into_bytes())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn msn_object_round_trips_in_every_encoding(object in msn_object()) {
        prop_assert!(object.to_xml().len() <= MsnObject::MAX_XML_LEN);
        prop_assert_eq!(MsnObject::from_xml(object.to_xml().as_bytes()), Ok(Some(object.clone())));
        prop_assert_eq!(
            MsnObject::from_percent_encoded(&object.to_percent_encoded()),
            Ok(Some(object.clone()))
        );
        prop_assert_eq!(
            MsnObject::from_base64_context(&object.to_base64_context()),
            Ok(Some(object.clone()))
        );
        prop_assert!(object.sha1c_matches());
    }

    #[test]
    fn built_object_names_its_data(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let me = Passport::try_from("me@example.com").unwrap();
        let object = MsnObject::for_data(me, MsnObjectKind::DisplayPicture, "0", "", &data).unwrap();
        prop_assert!(object.matches_data(&data));
        prop_assert_eq!(object.size(), data.len() as u64);
        let mut other = data.clone();
        other.push(0);
        prop_assert!(!object.matches_data(&other));
    }

    #[test]
    fn personal_status_round_trips_exactly(status in status()) {
        let mut payload = Vec::new();
        status.encode(&mut payload).unwrap();
        let again = PersonalStatus::parse(&payload).unwrap();
        prop_assert_eq!(&again, &status);
        let mut twice = Vec::new();
        again.encode(&mut twice).unwrap();
        prop_assert_eq!(twice, payload);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        presence_values(&data);
    }

    #[test]
    fn xml_like_bytes_never_panic(data in xmlish()) {
        presence_values(&data);
    }
}

//! The whole-`Client` fuzz body (`msnp::fuzzing::client`) under proptest on stable:
//! arbitrary bytes, and structured sessions (signed in or not, in every dialect) made
//! of its operations, keep every law it checks (messages and transfers end once,
//! progress is honest, no secret shows, bounds hold, every poll loop ends).

use msnp::fuzzing::client::client_session;
use msnp::fuzzing::client::encode;
use proptest::prelude::*;

/// One operation of the body's language, with small operands.
fn op() -> impl Strategy<Value = Vec<u8>> {
    let k = 0u8..4;
    prop_oneof![
        2 => (k.clone(), proptest::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(k, bytes)| encode::raw(k, &bytes)),
        3 => (k.clone(), any::<u8>(), any::<u8>()).prop_map(|(k, w, p)| encode::ns(k, w, p)),
        4 => (k.clone(), any::<u8>(), any::<u8>()).prop_map(|(k, w, p)| encode::sb(k, w, p)),
        2 => (k.clone(), any::<u8>(), any::<u8>()).prop_map(|(k, w, p)| encode::ft(k, w, p)),
        2 => (k.clone(), any::<u8>()).prop_map(|(k, w)| encode::conn(k, w)),
        1 => (0u8..2, any::<u8>(), any::<u8>()).prop_map(|(k, w, s)| encode::http(k, w, s)),
        1 => prop_oneof![Just(0u8), Just(1), Just(30), Just(255)].prop_map(encode::time),
        4 => (any::<u8>(), any::<u8>()).prop_map(|(w, a)| encode::call(w, a)),
        2 => (any::<u8>(), k).prop_map(|(w, k)| encode::bob(w, k)),
    ]
}

/// A session: dialect, settings, perhaps an instant sign-in and a conversation with
/// Bob (`start` 1 and 2), then operations.
fn session() -> impl Strategy<Value = Vec<u8>> {
    (
        8u8..=12,
        any::<u8>(),
        0u8..3,
        proptest::collection::vec(op(), 0..40),
    )
        .prop_map(|(dialect, flags, start, ops)| {
            let mut data = vec![dialect, flags];
            if start >= 1 {
                data.extend(encode::sign_in());
            }
            if start >= 2 {
                data.extend(encode::conversation());
            }
            data.extend(ops.concat());
            data
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_keep_the_laws(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        client_session(&data);
    }

    #[test]
    fn structured_sessions_keep_the_laws(data in session()) {
        client_session(&data);
    }
}

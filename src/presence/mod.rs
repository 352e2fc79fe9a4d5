//! Presence values of MSNP9–MSNP12, as typed values without I/O: the MSNObject that
//! names a display picture (MSNP9+) and the personal message with current media of the
//! `UUX`/`UBX` payload (MSNP11+).
//!
//! Each type parses every wire form it has and writes the form a peer expects; the
//! notification machine and the `Client` carry them, the codec only moves their tokens
//! and payloads.
//!
//! | value | where it travels | read with | write with |
//! |---|---|---|---|
//! | [`MsnObject`] | `CHG`/`ILN`/`NLN` argument, percent-encoded | [`MsnObject::from_percent_encoded`] | [`MsnObject::to_percent_encoded`] |
//! | [`MsnObject`] | MSNSLP `Context:` header, base64 | [`MsnObject::from_base64_context`] | [`MsnObject::to_base64_context`] |
//! | [`MsnObject`] | the XML itself | [`MsnObject::from_xml`] | [`MsnObject::to_xml`] |
//! | [`PersonalStatus`] | `UBX` payload (server → client), `UUX` payload (client → server) | [`PersonalStatus::parse`] | [`PersonalStatus::encode`] |
//!
//! Every parser bounds its input (a typed error past the documented length) and never
//! panics; whatever a builder or parser accepts, the writers turn into bytes that parse
//! back to the same value.
//!
//! ```
//! use msnp::codec::Passport;
//! use msnp::presence::{MsnObject, MsnObjectKind, PersonalStatus};
//!
//! let picture = b"\x89PNG\r\n\x1a\n...";
//! let me = Passport::try_from("alice@example.com").unwrap();
//! let object = MsnObject::for_data(me, MsnObjectKind::DisplayPicture, "0", "", picture)?;
//! let token = object.to_percent_encoded(); // the last argument of `CHG`
//! assert_eq!(MsnObject::from_percent_encoded(&token)?, Some(object));
//!
//! let status = PersonalStatus::parse(b"<Data><PSM>probe &amp; test</PSM><CurrentMedia></CurrentMedia></Data>")?;
//! assert_eq!(status.message, "probe & test");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod msn_object;
mod personal;
mod xml;

pub use msn_object::{MsnObject, MsnObjectError, MsnObjectForm, MsnObjectKey, MsnObjectKind};
pub use personal::{CurrentMedia, MediaKind, PersonalStatus, PersonalStatusError};

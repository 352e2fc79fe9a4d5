//! The one table of verbs behind each command enum.
//!
//! [`commands!`] takes the enum as a table, one row per variant with its verb and the
//! field that carries its TrID, and derives what follows from the table alone: the enum
//! itself (with `Other` last), `trid`, `with_trid`, `verb`, `into_owned` and the list of
//! verbs the grammar types. Adding a verb is one row here plus its grammar arm, its
//! encoder arm and its known-answer test. The detaching of each field is its type's
//! [`IntoStatic`], as imap-types does with bounded-static.

use std::borrow::Cow;

use super::token::{EncodedName, GroupList, Guid, GuidList, Passport, Token, TokenList};
use super::types::{
    AckMode, AddPrompt, ClientCaps, ErrorCode, GroupId, HostPort, List, ListMask, Privacy, Status, TrId,
};
use crate::Secret;

/// A value that can be detached from the buffer it was decoded from.
pub(crate) trait IntoStatic {
    /// The same value owning its data.
    type Static: 'static;
    /// Copies whatever is borrowed.
    fn into_static(self) -> Self::Static;
}

macro_rules! static_by_copy {
    ($($ty:ty),+) => {$(
        impl IntoStatic for $ty {
            type Static = $ty;
            fn into_static(self) -> $ty {
                self
            }
        }
    )+};
}
static_by_copy!(
    TrId, u32, bool, Status, List, ListMask, ClientCaps, GroupId, ErrorCode, AddPrompt, Privacy, AckMode
);

macro_rules! static_by_into_owned {
    ($($ty:ident),+) => {$(
        impl IntoStatic for $ty<'_> {
            type Static = $ty<'static>;
            fn into_static(self) -> $ty<'static> {
                self.into_owned()
            }
        }
    )+};
}
static_by_into_owned!(
    Token,
    Passport,
    EncodedName,
    TokenList,
    GroupList,
    Guid,
    GuidList,
    HostPort
);

impl<T: IntoStatic> IntoStatic for Option<T> {
    type Static = Option<T::Static>;
    fn into_static(self) -> Self::Static {
        self.map(T::into_static)
    }
}

impl<T: IntoStatic> IntoStatic for Secret<T> {
    type Static = Secret<T::Static>;
    fn into_static(self) -> Self::Static {
        Secret::new(self.into_inner().into_static())
    }
}

impl IntoStatic for Cow<'_, [u8]> {
    type Static = Cow<'static, [u8]>;
    fn into_static(self) -> Self::Static {
        Cow::Owned(self.into_owned())
    }
}

/// A field that holds a command's TrID, directly or inside a stamp.
pub(crate) trait TridField {
    /// The TrID, when the field has one.
    fn get(&self) -> Option<TrId>;
    /// Replaces the TrID the field has; a field without one stays without.
    fn set(&mut self, trid: TrId);
}

impl TridField for TrId {
    fn get(&self) -> Option<TrId> {
        Some(*self)
    }
    fn set(&mut self, trid: TrId) {
        *self = trid;
    }
}

impl<T: TridField> TridField for Option<T> {
    fn get(&self) -> Option<TrId> {
        self.as_ref().and_then(T::get)
    }
    fn set(&mut self, trid: TrId) {
        if let Some(field) = self {
            field.set(trid);
        }
    }
}

/// `trid`'s arm: the bound field's TrID, or none for a row without a TrID field.
macro_rules! trid_of {
    () => {
        None
    };
    ($bound:ident $field:ident) => {
        $crate::codec::command::TridField::get($bound)
    };
}

/// `with_trid`'s arm: sets the bound field, or nothing for a row without a TrID field.
macro_rules! set_trid {
    (; $trid:ident) => {{
        let _ = $trid;
    }};
    ($bound:ident $field:ident; $trid:ident) => {
        $crate::codec::command::TridField::set($bound, $trid)
    };
}

/// Declares a command enum from its table; see the module documentation.
///
/// A row is `Variant { fields } = "VERB", trid = field;`, the braces omitted for a
/// fieldless command and `, trid = field` for one without a TrID.
macro_rules! commands {
    (
        $(#[$meta:meta])*
        pub enum $name:ident<'a> {
            $(
                $(#[$vmeta:meta])*
                $variant:ident $({
                    $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
                })? = $verb:literal $(, trid = $tf:ident)?;
            )+
        }
    ) => {
        $(#[$meta])*
        pub enum $name<'a> {
            $(
                $(#[$vmeta])*
                $variant $({ $( $(#[$fmeta])* $field: $ty ),* })?,
            )+
            /// A command with no type here, kept as bytes.
            Other(RawCommand<'a>),
        }

        /// Every verb the table types, in its order. A line with one of these verbs that
        /// does not fit its grammar is malformed, never `Other`.
        pub(crate) const VERBS: &[&str] = &[$($verb),+];

        impl<'a> $name<'a> {
            /// The transaction id, for commands that carry one.
            pub fn trid(&self) -> Option<TrId> {
                match self {
                    $(
                        Self::$variant { $($tf: _trid,)? .. } => {
                            $crate::codec::command::trid_of!($(_trid $tf)?)
                        }
                    )+
                    Self::Other(_) => None,
                }
            }

            /// The same command with its TrID replaced by `trid`, for commands that carry
            /// one (a request queued before login and numbered when it is sent); the
            /// others are returned unchanged.
            #[must_use]
            pub fn with_trid(mut self, trid: TrId) -> Self {
                match &mut self {
                    $(
                        Self::$variant { $($tf: _trid,)? .. } => {
                            $crate::codec::command::set_trid!($(_trid $tf)?; trid)
                        }
                    )+
                    Self::Other(_) => {}
                }
                self
            }

            /// The command's verb as its row names it: `USR` for every `USR` form, `XFR`
            /// for every referral, `error` for a numeric error reply (its code is a
            /// field); for `Other`, the line's first word (`?` when not UTF-8).
            pub fn verb(&self) -> &str {
                match self {
                    $( Self::$variant { .. } => $verb, )+
                    Self::Other(raw) => std::str::from_utf8(raw.verb()).unwrap_or("?"),
                }
            }

            /// Detaches the value from the buffer it was decoded from.
            pub fn into_owned(self) -> $name<'static> {
                use $crate::codec::command::IntoStatic as _;
                match self {
                    $(
                        Self::$variant $({ $($field),* })? => $name::$variant $({
                            $( $field: $field.into_static() ),*
                        })?,
                    )+
                    Self::Other(raw) => $name::Other(raw.into_owned()),
                }
            }
        }
    };
}

pub(crate) use {commands, set_trid, trid_of};

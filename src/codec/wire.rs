//! Writing command lines: one word at a time, each preceded by one space.

use std::io::Write as _;

use super::token::{EncodedName, GroupList, Guid, GuidList, Passport, Token, TokenList};
use super::types::{
    AckMode, AddPrompt, ClientCaps, ErrorCode, GroupId, HostPort, List, ListMask, Privacy, Status, TrId,
};
use crate::Secret;

/// A value that can stand as one word (or, for `Option`, none) of a command line.
pub(crate) trait Word {
    /// Appends a space and the word.
    fn put(&self, out: &mut Vec<u8>);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.push(b' ');
    out.extend_from_slice(s.as_bytes());
}

impl Word for &str {
    fn put(&self, out: &mut Vec<u8>) {
        put_str(out, self);
    }
}

macro_rules! word_as_str {
    ($($ty:ty),+) => {$(
        impl Word for $ty {
            fn put(&self, out: &mut Vec<u8>) {
                put_str(out, self.as_str());
            }
        }
    )+};
}
word_as_str!(
    Token<'_>,
    Passport<'_>,
    EncodedName<'_>,
    TokenList<'_>,
    GroupList<'_>,
    Guid<'_>,
    GuidList<'_>,
    Status,
    List,
    AddPrompt,
    Privacy,
    AckMode
);

macro_rules! word_as_number {
    ($($ty:ty => |$v:ident| $num:expr),+) => {$(
        impl Word for $ty {
            fn put(&self, out: &mut Vec<u8>) {
                let $v = self;
                // Writing into a Vec cannot fail.
                let _ = write!(out, " {}", $num);
            }
        }
    )+};
}
word_as_number!(
    u32 => |v| v,
    usize => |v| v,
    bool => |v| u8::from(*v),
    TrId => |v| v.0,
    GroupId => |v| v.0,
    ListMask => |v| v.0,
    ClientCaps => |v| v.0,
    ErrorCode => |v| v.0,
    HostPort<'_> => |v| v
);

impl<T: Word> Word for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        if let Some(word) = self {
            word.put(out);
        }
    }
}

impl<T: Word> Word for Secret<T> {
    fn put(&self, out: &mut Vec<u8>) {
        self.expose().put(out);
    }
}

/// A word written after a fixed prefix: the `N=`, `F=` and `C=` fields of MSNP10+.
pub(crate) struct Prefixed<'w>(pub &'static str, pub &'w str);

impl Word for Prefixed<'_> {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(b' ');
        out.extend_from_slice(self.0.as_bytes());
        out.extend_from_slice(self.1.as_bytes());
    }
}

/// Writes `verb`, the words and the line end.
pub(crate) fn line(out: &mut Vec<u8>, verb: &str, words: &[&dyn Word]) {
    out.extend_from_slice(verb.as_bytes());
    for word in words {
        word.put(out);
    }
    out.extend_from_slice(b"\r\n");
}

/// Writes `verb`, the words, the payload length, the line end and the payload.
pub(crate) fn payload_line(out: &mut Vec<u8>, verb: &str, words: &[&dyn Word], payload: &[u8]) {
    out.extend_from_slice(verb.as_bytes());
    for word in words {
        word.put(out);
    }
    payload.len().put(out);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(payload);
}

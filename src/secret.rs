//! [`Secret`]: a value that must never be printed.

use std::fmt;

/// A credential (password, Passport ticket, switchboard cookie) that never shows in
/// `Debug` output, logs or error messages.
///
/// The value is reachable only through [`Secret::expose`], so every place that puts a
/// secret on the wire is easy to find.
///
/// ```
/// use msnp::Secret;
/// let password = Secret::new(String::from("hunter2"));
/// assert_eq!(format!("{password:?}"), "Secret(<redacted>)");
/// assert_eq!(password.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub const fn new(value: T) -> Self {
        Self(value)
    }

    /// Gives access to the secret value, for the one place that must send it.
    pub const fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("t=abc&p=def".to_string());
        let shown = format!("{s:?} {s:#?}");
        assert!(!shown.contains("abc"), "{shown}");
        assert_eq!(s.expose(), "t=abc&p=def");
    }
}

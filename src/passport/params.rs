//! The parameter lists of Passport headers: `PassportURLs` (`k=v,…`) and the
//! `Passport1.4 k=v,…` values of `Authentication-Info` and `WWW-Authenticate`.

use nom::branch::alt;
use nom::bytes::complete::{take_till, take_while};
use nom::character::complete::char;
use nom::combinator::{cut, opt, peek, recognize};
use nom::multi::separated_list1;
use nom::sequence::{delimited, preceded, terminated};
use nom::{IResult, Parser};

use super::PassportError;

fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

fn blanks(input: &str) -> IResult<&str, &str> {
    take_while(|c| c == ' ' || c == '\t').parse(input)
}

/// `key[=value]`; the key runs to the first `=` or `,`.
fn param(input: &str) -> IResult<&str, Param<'_>> {
    let key = take_till(|c| c == ',' || c == '=').map(trim);
    (key, opt(preceded(char('='), value)))
        .map(|(key, value)| Param { key, value })
        .parse(input)
}

/// A value: `'…'` up to the closing quote (a missing one is a failure, not a bare
/// value), or anything up to the next comma.
fn value(input: &str) -> IResult<&str, &str> {
    let quoted = recognize(delimited(char('\''), take_till(|c| c == '\''), char('\'')));
    alt((
        preceded(peek(char('\'')), cut(terminated(quoted, blanks))),
        take_till(|c| c == ',').map(trim),
    ))
    .parse(input)
}

/// One `key=value` (or bare `key`, like `prompt`) of a parameter list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Param<'a> {
    pub(crate) key: &'a str,
    /// The value as sent, single quotes included; `None` for a bare key.
    pub(crate) value: Option<&'a str>,
}

/// A parsed parameter list, looked up by case-insensitive key [TW `_parseHeader`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Params<'a>(Vec<Param<'a>>);

impl<'a> Params<'a> {
    /// Splits a `Passport1.4 k=v,…` header value (`header` names it in errors).
    pub(crate) fn passport14(header: &'static str, value: &'a str) -> Result<Self, PassportError> {
        let list = value
            .trim_start()
            .strip_prefix("Passport1.4")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .ok_or(PassportError::MalformedHeader {
                header,
                reason: "the value does not start with \"Passport1.4 \"",
            })?;
        Self::list(header, list)
    }

    /// Splits a list on `,`, each item on its first `=`.
    ///
    /// A value that opens with `'` runs to the next `'`, commas included: `from-PP`
    /// carries the ticket that way [MSPASS §2.2.5], and GAIM06 scans for the closing quote
    /// rather than the next comma.
    pub(crate) fn list(header: &'static str, list: &'a str) -> Result<Self, PassportError> {
        let malformed = |reason| PassportError::MalformedHeader { header, reason };
        match separated_list1(char(','), param).parse(list) {
            Ok(("", params)) => Ok(Self(params.into_iter().filter(|p| !p.key.is_empty()).collect())),
            // Only a quoted value stops short of the next comma.
            Ok(_) => Err(malformed("text follows a single-quoted value")),
            Err(_) => Err(malformed("a single-quoted value is not closed")),
        }
    }

    /// The value of the first parameter named `key`; `None` if absent or bare.
    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|p| p.key.eq_ignore_ascii_case(key))
            .and_then(|p| p.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_commas_and_first_equals_sign() {
        let p = Params::list("H", "DARealm=Passport.Net,DALogin=login.passport.com/a=b,x").unwrap();
        assert_eq!(p.get("dalogin"), Some("login.passport.com/a=b"));
        assert_eq!(p.get("darealm"), Some("Passport.Net"));
        assert_eq!(p.get("x"), None);
        assert_eq!(p.get("missing"), None);
    }

    #[test]
    fn quoted_value_may_hold_commas_and_equals_signs() {
        let p = Params::passport14(
            "H",
            "Passport1.4 da-status=success,from-PP='t=a,b&p=c=d!$*',ru=http://m",
        )
        .unwrap();
        assert_eq!(p.get("FROM-pp"), Some("'t=a,b&p=c=d!$*'"));
        assert_eq!(p.get("ru"), Some("http://m"));
    }

    #[test]
    fn refuses_unclosed_quote_and_text_after_quote() {
        assert!(Params::list("H", "from-PP='t=a").is_err());
        assert!(Params::list("H", "from-PP='").is_err());
        assert!(Params::list("H", "from-PP='t'x,y=1").is_err());
        assert!(Params::list("H", "from-PP='t' ,y=1").is_ok());
    }

    #[test]
    fn requires_the_scheme_word() {
        assert!(Params::passport14("H", "Passport1.3 da-status=redir").is_err());
        assert!(Params::passport14("H", "Passport1.4da-status=redir").is_err());
        assert!(Params::passport14("H", "Passport1.4 da-status=redir").is_ok());
    }
}

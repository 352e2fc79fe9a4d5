//! The parameter lists of Passport headers: `PassportURLs` (`k=v,…`) and the
//! `Passport1.4 k=v,…` values of `Authentication-Info` and `WWW-Authenticate`.

use super::PassportError;

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
    pub(crate) fn list(header: &'static str, mut rest: &'a str) -> Result<Self, PassportError> {
        let mut params = Vec::new();
        loop {
            let item_end = rest.find([',', '=']).unwrap_or(rest.len());
            let (key, after_key) = rest.split_at(item_end);
            let key = key.trim_matches([' ', '\t']);
            let (value, after_item) = match after_key.strip_prefix('=') {
                None => (None, after_key),
                Some(value) if value.starts_with('\'') => {
                    let close = value.get(1..).and_then(|inner| inner.find('\'')).ok_or(
                        PassportError::MalformedHeader {
                            header,
                            reason: "a single-quoted value is not closed",
                        },
                    )?;
                    let (quoted, after) = value.split_at(close + 2);
                    if !after.trim_start_matches([' ', '\t']).is_empty()
                        && !after.trim_start_matches([' ', '\t']).starts_with(',')
                    {
                        return Err(PassportError::MalformedHeader {
                            header,
                            reason: "text follows a single-quoted value",
                        });
                    }
                    (Some(quoted), after.trim_start_matches([' ', '\t']))
                }
                Some(value) => {
                    let end = value.find(',').unwrap_or(value.len());
                    let (value, after) = value.split_at(end);
                    (Some(value.trim_matches([' ', '\t'])), after)
                }
            };
            if !key.is_empty() {
                params.push(Param { key, value });
            }
            match after_item.strip_prefix(',') {
                Some(next) => rest = next,
                None => return Ok(Self(params)),
            }
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

//! [`Roster`]: who else is in the switchboard session.

use crate::codec::{FriendlyName, Passport};

/// Someone in the session with the user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Participant {
    /// Their account.
    pub account: Passport<'static>,
    /// Their friendly name when they joined.
    pub name: FriendlyName<'static>,
}

/// The other participants, in the order they joined. Accounts compare
/// case-insensitively, as servers may change the case (reference §11.5).
#[derive(Debug, Clone, Default)]
pub(crate) struct Roster {
    members: Vec<Participant>,
}

impl Roster {
    pub(crate) fn members(&self) -> &[Participant] {
        &self.members
    }

    pub(crate) fn len(&self) -> usize {
        self.members.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub(crate) fn contains(&self, account: &Passport<'_>) -> bool {
        self.position(account).is_some()
    }

    fn position(&self, account: &Passport<'_>) -> Option<usize> {
        self.members.iter().position(|p| p.account.same_account(account))
    }

    /// Adds or, for someone already listed (a second connection of theirs), refreshes.
    pub(crate) fn join(&mut self, participant: Participant) {
        match self.position(&participant.account) {
            Some(at) => self.members[at] = participant,
            None => self.members.push(participant),
        }
    }

    /// Removes and returns whether they were listed.
    pub(crate) fn leave(&mut self, account: &Passport<'_>) -> bool {
        match self.position(account) {
            Some(at) => {
                self.members.remove(at);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(account: &str, name: &str) -> Participant {
        Participant {
            account: Passport::try_from(account.to_owned()).unwrap(),
            name: FriendlyName::from_text(name).unwrap(),
        }
    }

    #[test]
    fn join_refreshes_the_same_account_in_any_case() {
        let mut roster = Roster::default();
        roster.join(p("bob@passport.com", "Bob"));
        roster.join(p("carol@passport.com", "Carol"));
        roster.join(p("BOB@passport.com", "Bobby"));
        assert_eq!(
            roster.members(),
            [p("BOB@passport.com", "Bobby"), p("carol@passport.com", "Carol")]
        );
        assert!(roster.leave(&Passport::try_from("bob@PASSPORT.com").unwrap()));
        assert!(!roster.leave(&Passport::try_from("bob@passport.com").unwrap()));
        assert_eq!(roster.len(), 1);
    }
}

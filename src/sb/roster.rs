//! [`Roster`]: who else is in the switchboard session.

use std::collections::BTreeMap;

use crate::codec::{ClientCaps, FriendlyName, Passport};

/// Someone in the session with the user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Participant {
    /// Their account.
    pub account: Passport<'static>,
    /// Their friendly name when they joined.
    pub name: FriendlyName<'static>,
    /// Their client's capabilities, which MSNP12 switchboards add to `JOI` and `IRO`
    /// [YW msnp12; reference §7]; `None` before MSNP12.
    pub caps: Option<ClientCaps>,
}

/// The other participants, in the order they joined. Accounts compare
/// case-insensitively, as servers may change the case (reference §11.5).
///
/// Finding someone is O(log n) through `index`; the list itself stays a slice in join
/// order for [`SwitchboardClient::participants`](super::SwitchboardClient::participants),
/// so a departure shifts the entries after it (a memmove, within `max_participants`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Roster {
    members: Vec<Participant>,
    /// The join number of each member, parallel to `members` and ascending.
    seqs: Vec<u64>,
    /// Case-folded account → join number.
    index: BTreeMap<String, u64>,
    next_seq: u64,
}

fn key(account: &Passport<'_>) -> String {
    account.as_str().to_ascii_lowercase()
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
        self.index.contains_key(&key(account))
    }

    fn position(&self, key: &str) -> Option<usize> {
        let seq = self.index.get(key)?;
        self.seqs.binary_search(seq).ok()
    }

    /// Adds or, for someone already listed (a second connection of theirs), refreshes.
    pub(crate) fn join(&mut self, participant: Participant) {
        let key = key(&participant.account);
        if let Some(slot) = self.position(&key).and_then(|at| self.members.get_mut(at)) {
            *slot = participant;
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.members.push(participant);
        self.seqs.push(seq);
        self.index.insert(key, seq);
    }

    /// Removes and returns whether they were listed.
    pub(crate) fn leave(&mut self, account: &Passport<'_>) -> bool {
        let key = key(account);
        let Some(at) = self.position(&key) else {
            return false;
        };
        self.index.remove(&key);
        self.members.remove(at);
        self.seqs.remove(at);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(account: &str, name: &str) -> Participant {
        Participant {
            account: Passport::try_from(account.to_owned()).unwrap(),
            name: FriendlyName::from_text(name).unwrap(),
            caps: None,
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

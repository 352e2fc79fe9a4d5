//! [`ConnId`]: names one TCP connection the caller opened for the [`Client`](super::Client).

use std::fmt;

/// One connection of a [`Client`](super::Client): the notification server's or a
/// switchboard's.
///
/// Ids are generational: once a connection is closed its id never names another one, so
/// late input for a dead connection is recognised and dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId {
    index: u32,
    generation: u32,
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn#{}.{}", self.index, self.generation)
    }
}

/// A slab of values keyed by [`ConnId`], reusing slots with a new generation.
#[derive(Debug)]
pub(crate) struct Slots<T> {
    entries: Vec<(u32, Option<T>)>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots { entries: Vec::new() }
    }
}

impl<T> Slots<T> {
    pub(crate) fn insert(&mut self, value: T) -> ConnId {
        if let Some(index) = self.entries.iter().position(|(_, v)| v.is_none()) {
            let entry = &mut self.entries[index];
            entry.0 = entry.0.wrapping_add(1);
            entry.1 = Some(value);
            return ConnId {
                index: index as u32,
                generation: entry.0,
            };
        }
        self.entries.push((0, Some(value)));
        ConnId {
            index: (self.entries.len() - 1) as u32,
            generation: 0,
        }
    }

    pub(crate) fn get(&self, id: ConnId) -> Option<&T> {
        match self.entries.get(id.index as usize) {
            Some((generation, Some(value))) if *generation == id.generation => Some(value),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, id: ConnId) -> Option<&mut T> {
        match self.entries.get_mut(id.index as usize) {
            Some((generation, Some(value))) if *generation == id.generation => Some(value),
            _ => None,
        }
    }

    pub(crate) fn remove(&mut self, id: ConnId) -> Option<T> {
        match self.entries.get_mut(id.index as usize) {
            Some((generation, value)) if *generation == id.generation => value.take(),
            _ => None,
        }
    }

    /// How many slots exist, used or free: the range of [`Slots::id_at`].
    pub(crate) fn slot_count(&self) -> usize {
        self.entries.len()
    }

    /// The id of the value in slot `index`, if it holds one.
    pub(crate) fn id_at(&self, index: usize) -> Option<ConnId> {
        match self.entries.get(index) {
            Some((generation, Some(_))) => Some(ConnId {
                index: u32::try_from(index).ok()?,
                generation: *generation,
            }),
            _ => None,
        }
    }

    pub(crate) fn ids(&self) -> Vec<ConnId> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, (_, v))| v.is_some())
            .map(|(index, (generation, _))| ConnId {
                index: index as u32,
                generation: *generation,
            })
            .collect()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (ConnId, &T)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(index, (generation, v))| {
                v.as_ref().map(|v| {
                    (
                        ConnId {
                            index: index as u32,
                            generation: *generation,
                        },
                        v,
                    )
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_slot_gets_a_new_generation() {
        let mut slots = Slots::default();
        let a = slots.insert("a");
        let b = slots.insert("b");
        assert_eq!(slots.remove(a), Some("a"));
        let c = slots.insert("c");
        assert_ne!(a, c);
        assert_eq!(slots.get(a), None);
        assert_eq!(slots.get(c), Some(&"c"));
        assert_eq!(slots.remove(a), None);
        assert_eq!(slots.ids(), [c, b]);
    }
}

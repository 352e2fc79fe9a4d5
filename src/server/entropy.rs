//! [`Entropy`]: where a test server's tickets, cookies and challenges come from.

/// A small deterministic generator (SplitMix64) for tickets, cookies and challenges.
/// A test server needs unpredictability only against accidents, not attackers.
#[derive(Debug, Clone)]
pub(crate) struct Entropy(pub(super) u64);

impl Entropy {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `len` characters drawn from `alphabet`.
    pub(crate) fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                let i = (self.next() % alphabet.len().max(1) as u64) as usize;
                char::from(alphabet.get(i).copied().unwrap_or(b'0'))
            })
            .collect()
    }

    /// `len` decimal digits without a leading zero.
    pub(crate) fn digits(&mut self, len: usize) -> String {
        let first = self.string(b"123456789", 1);
        first + &self.string(b"0123456789", len.saturating_sub(1))
    }
}

impl Entropy {
    /// A fresh version-4-shaped GUID (`8-4-4-4-12` lower-case hex), for the MSNP10+
    /// contact and group ids.
    pub(crate) fn guid(&mut self) -> crate::codec::Guid<'static> {
        let (a, b) = (self.next(), self.next());
        let text = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        );
        crate::codec::Guid::try_from(text).expect("formatted as a GUID")
    }
}

/// The directory's own stream of ids, until the server reseeds it from its config.
impl Default for Entropy {
    fn default() -> Self {
        Entropy(0x6775_6964_7365_6564)
    }
}

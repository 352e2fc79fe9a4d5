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

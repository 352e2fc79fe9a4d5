//! [`ByeCode`]: the status a receiver's `BYE` carries [YW msnftp].

use std::fmt;

/// The code of `BYE <code>`, which the receiver sends to end the transfer.
///
/// Codes the crate does not know are kept as [`ByeCode::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ByeCode {
    /// `16777989` (`0x01000305`): all bytes received.
    ReceivedOk,
    /// `16777987` (`0x01000303`): sent OK (the sender's view; rarely on the wire).
    SentOk,
    /// `2147942405` (`0x80070005`): the receiver ran out of disk space.
    DiskFull,
    /// `2164261682` (`0x81000332`): the receiver cancelled.
    Cancelled,
    /// `2164261694` (`0x8100033e`): the receiver timed out.
    TimedOut,
    /// Any other code.
    Other(u32),
}

impl ByeCode {
    /// The number on the wire.
    pub const fn code(self) -> u32 {
        match self {
            Self::ReceivedOk => 16_777_989,
            Self::SentOk => 16_777_987,
            Self::DiskFull => 2_147_942_405,
            Self::Cancelled => 2_164_261_682,
            Self::TimedOut => 2_164_261_694,
            Self::Other(code) => code,
        }
    }

    /// The code for a number.
    pub const fn from_code(code: u32) -> Self {
        match code {
            16_777_989 => Self::ReceivedOk,
            16_777_987 => Self::SentOk,
            2_147_942_405 => Self::DiskFull,
            2_164_261_682 => Self::Cancelled,
            2_164_261_694 => Self::TimedOut,
            other => Self::Other(other),
        }
    }
}

impl fmt::Display for ByeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReceivedOk => f.write_str("the receiver got every byte"),
            Self::SentOk => f.write_str("the sender sent every byte"),
            Self::DiskFull => f.write_str("the receiver ran out of disk space"),
            Self::Cancelled => f.write_str("the receiver cancelled the transfer"),
            Self::TimedOut => f.write_str("the receiver timed out"),
            Self::Other(code) => write!(f, "the receiver ended the transfer with code {code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in [
            16_777_989,
            16_777_987,
            2_147_942_405,
            2_164_261_682,
            2_164_261_694,
            7,
        ] {
            assert_eq!(ByeCode::from_code(code).code(), code);
        }
        assert_eq!(ByeCode::from_code(7), ByeCode::Other(7));
        assert_eq!(ByeCode::ReceivedOk.code(), 0x0100_0305);
        assert_eq!(ByeCode::TimedOut.code(), 0x8100_033e);
    }
}

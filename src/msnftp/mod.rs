//! MSNFTP: the file transfer of MSN Messenger 4 to 5 (MSNP8 era), over a direct TCP
//! connection the two peers set up through a `text/x-msmsgsinvite` invitation
//! (reference §10).
//!
//! Three pieces, each sans-IO like the session machines:
//!
//! - [`FileOffer`] and [`FileInvitation`] hold one invitation each (by its cookie) for
//!   the inviter and the invitee: they build the [`Invitation`](crate::msg::Invitation)
//!   messages to send over the switchboard and read the replies, until one side knows
//!   where to listen and the other where to connect;
//! - [`Sender`] is the listening side of the TCP connection (normally the inviter): it
//!   checks the auth cookie, announces the size and streams the caller's data in blocks;
//! - [`Receiver`] is the connecting side (normally the invitee): it proves the cookie,
//!   takes the blocks and hands their data out as it arrives.
//!
//! The TCP dialogue, `R` the receiver and `S` the sender [YW msnftp; TW FileSend]:
//!
//! ```text
//! R: VER MSNFTP
//! S: VER MSNFTP
//! R: USR <receiver handle> <AuthCookie>
//! S: FIL <size>
//! R: TFR
//! S: <blocks: 00 len_lo len_hi data…, at most 2045 data bytes each>
//! R: BYE 16777989
//! ```
//!
//! Each machine ends exactly once, as [`SenderEvent::Completed`] /
//! [`ReceiverEvent::Completed`] with the byte count, or as `Failed` with a typed
//! [`Failure`]. A receiver completes only when exactly the announced bytes arrived; a
//! sender only when it sent them all *and* the receiver confirmed with `BYE 16777989`
//! (until then its bytes are "sent, unconfirmed": [`SenderEvent::AllSent`]).
//!
//! ```
//! use std::time::Instant;
//! use msnp::codec::Passport;
//! use msnp::msnftp::{MsnftpConfig, Receiver, ReceiverEvent, Sender, SenderEvent};
//! use msnp::{Output, Secret};
//!
//! let now = Instant::now();
//! let bob = Passport::try_from("bob@passport.com").unwrap();
//! let mut rx = Receiver::new(MsnftpConfig::default(), bob, Secret::new(1234), now);
//! let mut tx = Sender::new(MsnftpConfig::default(), Secret::new(1234), 5, now);
//! let (mut file, mut to_tx, mut to_rx) = (Vec::new(), Vec::new(), Vec::new());
//! // Two machines wired back to back; a driver would put a socket in between.
//! for _ in 0..5 {
//!     loop {
//!         match rx.poll_output() {
//!             Output::Transmit(bytes) => to_tx.extend_from_slice(bytes),
//!             Output::Event(ReceiverEvent::Data(data)) => file.extend_from_slice(data),
//!             Output::Event(_) => {}
//!             Output::Idle { .. } => break,
//!         }
//!     }
//!     tx.handle_input(now, &std::mem::take(&mut to_tx));
//!     loop {
//!         match tx.poll_output() {
//!             Output::Transmit(bytes) => to_rx.extend_from_slice(bytes),
//!             Output::Event(_) => {}
//!             Output::Idle { .. } => {
//!                 if !tx.wants_data() {
//!                     break;
//!                 }
//!                 tx.write(now, b"hello").unwrap();
//!             }
//!         }
//!     }
//!     rx.handle_input(now, &std::mem::take(&mut to_rx));
//! }
//! assert_eq!(file, b"hello");
//! assert_eq!(rx.outcome(), Some(&Ok(5)));
//! assert_eq!(tx.outcome(), Some(&Ok(5)));
//! ```

mod block;
mod bye;
mod config;
mod error;
mod input;
mod invitation;
mod receiver;
mod sender;

pub use block::{BLOCK_HEADER_LEN, MAX_BLOCK_DATA};
pub use bye::ByeCode;
pub use config::MsnftpConfig;
pub use error::{Failure, MsnftpError, ProtocolViolation};
pub(crate) use invitation::IP_ADDRESS_INTERNAL;
pub use invitation::{ConnectTo, FileInvitation, FileOffer, InvitationError, InviteeUpdate, InviterUpdate};
pub use receiver::{Receiver, ReceiverEvent};
pub use sender::{Sender, SenderEvent};

/// The version word both sides send: `VER MSNFTP`.
const VERSION: &str = "MSNFTP";

/// Whether a `VER` line names MSNFTP: some third-party clients list more versions
/// (`VER … MSNFTP`), so any argument equal to it counts [reference §10.2].
fn offers_msnftp<'a>(mut args: impl Iterator<Item = &'a [u8]>) -> bool {
    args.any(|word| word.eq_ignore_ascii_case(VERSION.as_bytes()))
}

//! [`ClientConfig`]: how a [`Client`](super::Client) behaves.

use std::time::Duration;

use crate::codec::{AckMode, HostPort, Status};
use crate::msg::TextFormat;
use crate::ns::{ContactList, NsConfig};
use crate::passport::PassportConfig;
use crate::sb::SbConfig;

/// What to do with switchboard invitations (`RNG`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum InvitationPolicy {
    /// Join every conversation the server rings for. The server already applies the
    /// user's block list and privacy setting, so this is what MSN clients do.
    #[default]
    AcceptAll,
    /// Join only when the inviter is on the user's forward list.
    AcceptContacts,
    /// Join nothing; each invitation is reported as declined.
    DeclineAll,
}

/// What a sender learns about a message it sends: the acknowledgement asked of the
/// switchboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Delivery {
    /// The recipients' switchboard confirms every message or reports its failure: each
    /// ends as [`MessageDelivered`](super::ClientEvent::MessageDelivered) or
    /// [`MessageNotDelivered`](super::ClientEvent::MessageNotDelivered).
    #[default]
    Acknowledged,
    /// Only a failure is reported; a message that does not fail within
    /// [`SbConfig::nak_grace`] ends as
    /// [`MessageSentUnconfirmed`](super::ClientEvent::MessageSentUnconfirmed).
    FailuresOnly,
    /// Nothing is reported; the message ends as
    /// [`MessageSentUnconfirmed`](super::ClientEvent::MessageSentUnconfirmed) once
    /// written. What typing notifications use.
    Unconfirmed,
}

impl Delivery {
    /// The `MSG` acknowledgement flag this policy asks for.
    pub(crate) fn ack_mode(self) -> AckMode {
        match self {
            Delivery::Acknowledged => AckMode::Always,
            Delivery::FailuresOnly => AckMode::NegativeOnly,
            Delivery::Unconfirmed => AckMode::Unacknowledged,
        }
    }
}

/// Settings of a [`Client`](super::Client).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The dispatch server to start from (default `messenger.hotmail.com:1863`).
    pub server: HostPort<'static>,
    /// The notification machine's settings.
    pub notification: NsConfig,
    /// Where and how Passport 1.4 signs in: the nexus, a login server known from an
    /// earlier session ([`Client::passport_dalogin`](super::Client::passport_dalogin)),
    /// the redirect cap, and plain HTTP for loopback test servers only.
    pub passport: PassportConfig,
    /// How long each Passport HTTP request may take before the session ends with
    /// "Passport did not answer in time". Default 30 s.
    pub passport_timeout: Duration,
    /// Each switchboard machine's settings.
    pub switchboard: SbConfig,
    /// The contact list kept from an earlier session: `SYN` then downloads only changes.
    pub contact_list: Option<ContactList>,
    /// Download the lists (`SYN`) right after login.
    pub sync_lists: bool,
    /// The status to set after login (and after the lists, when synced); `None` stays
    /// offline to contacts, and the server then refuses switchboards (913).
    pub initial_status: Option<Status>,
    /// What to do with invitations.
    pub invitations: InvitationPolicy,
    /// What the texts of [`send_message`](super::Client::send_message) ask to learn
    /// about their delivery. Default [`Delivery::Acknowledged`].
    pub delivery: Delivery,
    /// The font and colour of sent texts.
    pub text_format: Option<TextFormat<'static>>,
    /// How long a new conversation may wait for its first participant before its
    /// queued messages are reported undelivered. `Duration::MAX` means never.
    /// Default 60 s.
    pub join_timeout: Duration,
    /// The most switchboards open or asked for (`XFR SB` awaiting its answer) at once,
    /// answered invitations included: past it `send_message` to someone new is refused
    /// with [`ClientError::TooManySwitchboards`](super::ClientError::TooManySwitchboards)
    /// and an invitation is reported as
    /// [`ClientEvent::ConversationDeclined`](super::ClientEvent::ConversationDeclined).
    /// Default 32.
    pub max_switchboards: usize,
    /// The most texts waiting, over all conversations, for a switchboard to open or
    /// for room in a switchboard's window ([`SbConfig::max_pending`]); past it
    /// `send_message` is refused with
    /// [`ClientError::TooManyQueued`](super::ClientError::TooManyQueued). Default 4,096:
    /// behind a window of 256 in flight, a burst of thousands of texts goes out whole and
    /// in order. The texts are the caller's, not the peer's, so the bound is a count.
    pub max_queued_messages: usize,
    /// The largest display picture [`Client::set_display_picture`](super::Client::set_display_picture)
    /// keeps, in bytes. Default 256 KiB: Messenger's 96×96 pictures take a few tens.
    pub max_display_picture_len: usize,
    /// Bounds and settings of display-picture and file transfers.
    pub transfer: super::TransferConfig,
    /// Whether the client tells its contacts, from MSNP9 on, that it speaks the P2P it
    /// hosts (MSNC1: display pictures and files over the switchboard, reference §9):
    /// with this on, and P2P possible ([`TransferConfig::max_peers`](super::TransferConfig::max_peers)
    /// and [`max_transfers`](super::TransferConfig::max_transfers) not 0), the
    /// notification machine's [`msnc`](NsConfig::msnc) of 0 becomes 1, so `CHG` carries
    /// MSNC1 on top of [`NsConfig::caps`]. Without it, MSN 6 and 7 take the client for a
    /// 5.0-class one: they never ask for its picture and offer files over MSNFTP only.
    /// MSNP8 has no MSNC and its `CHG` is unchanged. Nothing else is added: the crate
    /// receives no ink and sends no multi-packet messages. A version set in `caps` or
    /// `msnc` is sent as configured. Default on; off sends `caps` and `msnc` as they are.
    pub announce_p2p: bool,
}

impl ClientConfig {
    /// The notification machine's settings as the client runs them: with the MSNC
    /// version of the P2P it hosts ([`announce_p2p`](Self::announce_p2p)).
    pub(super) fn notification_config(&self) -> NsConfig {
        let mut ns = self.notification.clone();
        let hosts_p2p = self.transfer.max_peers > 0 && self.transfer.max_transfers > 0;
        if self.announce_p2p && hosts_p2p && ns.msnc == 0 {
            // P2Pv1 with MSNSLP is what MSN 6.0 introduced as MSNC1 [reference §3, §9].
            ns.msnc = 1;
        }
        ns
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            server: HostPort::new("messenger.hotmail.com", 1863).unwrap_or_else(|_| unreachable!()),
            notification: NsConfig::default(),
            passport: PassportConfig::default(),
            passport_timeout: Duration::from_secs(30),
            switchboard: SbConfig::default(),
            contact_list: None,
            sync_lists: true,
            initial_status: Some(Status::Online),
            invitations: InvitationPolicy::default(),
            delivery: Delivery::Acknowledged,
            text_format: None,
            join_timeout: Duration::from_secs(60),
            max_switchboards: 32,
            max_queued_messages: 4096,
            max_display_picture_len: 256 * 1024,
            transfer: super::TransferConfig::default(),
            announce_p2p: true,
        }
    }
}

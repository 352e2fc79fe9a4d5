//! The `text/x-msmsgsinvite` flow that sets up an MSNFTP transfer, both roles, with the
//! messages going through their wire form.

use std::num::NonZeroU32;

use msnp::Secret;
use msnp::msg::{CancelCode, Invitation, InvitationCommand, Message};
use msnp::msnftp::{ConnectTo, FileInvitation, FileOffer, InvitationError, InviteeUpdate, InviterUpdate};

/// An invitation as the other side receives it: encoded, then parsed back.
fn over_the_wire(invitation: &Invitation<'_>) -> Invitation<'static> {
    let mut payload = Vec::new();
    invitation.encode(&mut payload).unwrap();
    let message = Message::parse(&payload).unwrap();
    Invitation::parse(&message).unwrap().into_owned()
}

fn body(invitation: &Invitation<'_>) -> String {
    let mut payload = Vec::new();
    invitation.encode(&mut payload).unwrap();
    let text = String::from_utf8(payload).unwrap();
    text.split_once("\r\n\r\n").unwrap().1.to_owned()
}

fn cookie() -> NonZeroU32 {
    NonZeroU32::new(33267).unwrap()
}

#[test]
fn a_file_is_offered_accepted_and_addressed() {
    let mut offer = FileOffer::new(cookie(), "readme.txt", 60904);
    let invite = over_the_wire(&offer.invitation());
    assert_eq!(
        body(&invite),
        "Application-Name: File Transfer\r\n\
         Application-GUID: {5D3E02AB-6190-11d3-BBBB-00C04F795683}\r\n\
         Invitation-Command: INVITE\r\n\
         Invitation-Cookie: 33267\r\n\
         Application-File: readme.txt\r\n\
         Application-FileSize: 60904\r\n\r\n",
        "HYP1's message: the inviter listens, so no `Connectivity: N`"
    );
    let mut invitation = FileInvitation::from_invite(&invite).unwrap();
    assert!(!invitation.inviter_unreachable());
    assert_eq!(
        (invitation.cookie(), invitation.file_name(), invitation.size()),
        (33267, "readme.txt", 60904)
    );
    let accept = over_the_wire(&invitation.accept().unwrap());
    assert_eq!(
        body(&accept),
        "Invitation-Command: ACCEPT\r\nInvitation-Cookie: 33267\r\n\
         Launch-Application: FALSE\r\nRequest-Data: IP-Address:\r\n\r\n"
    );
    assert!(offer.is_for(&accept));
    assert_eq!(offer.handle(&accept), Ok(InviterUpdate::Accepted));
    let address = over_the_wire(&offer.listening("192.0.2.7", 6891, Secret::new(41_999)).unwrap());
    assert_eq!(
        body(&address),
        "Invitation-Command: ACCEPT\r\nInvitation-Cookie: 33267\r\n\
         IP-Address: 192.0.2.7\r\nPort: 6891\r\nAuthCookie: 41999\r\n\r\n"
    );
    assert_eq!(
        invitation.handle(&address),
        Ok(InviteeUpdate::Connect(ConnectTo {
            ip_address: "192.0.2.7".into(),
            port: 6891,
            auth_cookie: Secret::new(41_999),
            ip_address_internal: None,
        }))
    );
    // A CANCEL can still come once the transfer is on its connection.
    let cancel = over_the_wire(&offer.cancel(CancelCode::FtTimeout).unwrap());
    assert_eq!(
        invitation.handle(&cancel),
        Ok(InviteeUpdate::Cancelled(CancelCode::FtTimeout))
    );
    assert!(invitation.is_over() && offer.is_over());
}

#[test]
fn a_file_is_declined() {
    let mut offer = FileOffer::new(cookie(), "a.txt", 1);
    let mut invitation = FileInvitation::from_invite(&over_the_wire(&offer.invitation())).unwrap();
    let decline = over_the_wire(&invitation.decline().unwrap());
    assert_eq!(
        body(&decline),
        "Invitation-Command: CANCEL\r\nInvitation-Cookie: 33267\r\nCancel-Code: REJECT\r\n\r\n"
    );
    assert_eq!(
        offer.handle(&decline),
        Ok(InviterUpdate::Cancelled(CancelCode::Reject))
    );
    assert_eq!(CancelCode::Reject.to_string(), "the invitation was declined");
    assert!(matches!(
        offer.listening("192.0.2.7", 1, Secret::new(1)),
        Err(InvitationError::Unexpected { .. })
    ));
    assert!(matches!(
        invitation.accept(),
        Err(InvitationError::Unexpected { .. })
    ));
}

#[test]
fn replies_out_of_order_or_for_others_are_refused() {
    let mut offer = FileOffer::new(cookie(), "a.txt", 1);
    let other = Invitation::accept(1);
    assert_eq!(offer.handle(&other), Err(InvitationError::OtherInvitation));
    let invite = offer.invitation().into_owned();
    assert!(matches!(
        offer.handle(&invite),
        Err(InvitationError::Unexpected { .. })
    ));
    let mut invitation = FileInvitation::from_invite(&invite).unwrap();
    let early = Invitation::accept_with_address(33267, "192.0.2.7", 1, Secret::new(1));
    assert!(
        matches!(invitation.handle(&early), Err(InvitationError::Unexpected { .. })),
        "an address before accepting"
    );
    invitation.accept().unwrap();
    let no_port = Invitation {
        port: None,
        ..early.clone()
    };
    assert_eq!(
        invitation.handle(&no_port),
        Err(InvitationError::MissingField { field: "Port" })
    );
    assert!(matches!(invitation.handle(&early), Ok(InviteeUpdate::Connect(_))));
}

#[test]
fn an_inviter_that_cannot_listen_is_recognised() {
    // `Invitation::file_transfer` writes `Connectivity: N`, as an inviter that cannot listen does.
    let invite = Invitation::file_transfer(5, "a", 1);
    assert!(
        FileInvitation::from_invite(&invite)
            .unwrap()
            .inviter_unreachable()
    );
}

#[test]
fn only_file_transfer_invites_are_taken() {
    let mut invite = Invitation::file_transfer(5, "a", 1);
    invite.application_guid = Some("{02D3C01F-BF30-4825-A83A-DE7AF41648AA}".into());
    assert_eq!(
        FileInvitation::from_invite(&invite),
        Err(InvitationError::NotFileTransfer)
    );
    let accept = Invitation::accept(5);
    assert_eq!(
        FileInvitation::from_invite(&accept),
        Err(InvitationError::NotFileTransfer)
    );
    let mut nameless = Invitation::file_transfer(5, "a", 1);
    nameless.application_file = None;
    assert_eq!(
        FileInvitation::from_invite(&nameless),
        Err(InvitationError::MissingField {
            field: "Application-File"
        })
    );
}

#[test]
fn cancel_codes_are_typed_and_unknown_ones_kept() {
    for (word, code) in [
        ("REJECT", CancelCode::Reject),
        ("TIMEOUT", CancelCode::Timeout),
        ("FTTIMEOUT", CancelCode::FtTimeout),
        ("OUTBANDCANCEL", CancelCode::OutbandCancel),
        ("FAIL", CancelCode::Fail),
        ("REJECT_NOT_INSTALLED", CancelCode::RejectNotInstalled),
    ] {
        assert_eq!(CancelCode::parse(word), code);
        assert_eq!(code.as_str(), word);
        let cancel = over_the_wire(&Invitation::cancel(9, code.clone()));
        assert_eq!(cancel.cancel_reason(), Some(code));
    }
    assert_eq!(CancelCode::parse("reject"), CancelCode::Reject);
    assert_eq!(CancelCode::parse("NEWCODE"), CancelCode::Other("NEWCODE".into()));
    let cancel = Invitation::new(InvitationCommand::Cancel, 9);
    assert_eq!(cancel.cancel_reason(), None);
}

#[test]
fn debug_never_shows_the_auth_cookie() {
    let auth: u32 = 0xC0FF_EE42;
    let mut offer = FileOffer::new(cookie(), "a.txt", 1);
    let mut invitation = FileInvitation::from_invite(&offer.invitation()).unwrap();
    offer.handle(&invitation.accept().unwrap()).unwrap();
    let address = offer.listening("192.0.2.7", 6891, Secret::new(auth)).unwrap();
    assert!(
        body(&address).contains(&auth.to_string()),
        "it does go on the wire"
    );
    let update = invitation.handle(&address).unwrap();
    let printed = [
        format!("{address:?}{address:#?}"),
        format!("{update:?}{update:#?}"),
        format!("{offer:?}{invitation:?}"),
    ];
    let [a, b, c, d] = auth.to_le_bytes();
    for text in printed {
        let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for form in [
            auth.to_string(),
            format!("{auth:x}"),
            format!("{auth:X}"),
            format!("{a},{b},{c},{d}"),
            format!("{d},{c},{b},{a}"),
        ] {
            assert!(!squeezed.contains(&form), "{form} in {text}");
        }
    }
}

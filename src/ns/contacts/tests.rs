//! The list's bookkeeping: case-insensitive accounts and GUIDs, group and phone bounds,
//! and a running byte count that always equals a recount.

use super::*;

fn passport(s: &str) -> Passport<'static> {
    Passport::try_from(s.to_string()).unwrap()
}

fn name(s: &str) -> FriendlyName<'static> {
    FriendlyName::try_from(s.to_string()).unwrap()
}

/// The running byte count must equal a recount from scratch after any change.
fn recount(list: &ContactList) -> usize {
    let contacts: usize = list.contacts.values().map(Contact::weight).sum();
    let groups: usize = list
        .groups
        .values()
        .map(|g| group_weight(&g.name) + guid_weight(g.guid.as_ref()))
        .sum();
    let stamps = list.stamps.as_ref().map_or(0, SyncStamps::weight);
    let own = list.own_name.as_ref().map_or(0, |n| n.as_str().len());
    contacts + groups + phones_bytes(&list.phones) + stamps + own
}

#[test]
fn accounts_match_case_insensitively() {
    let mut list = ContactList::new();
    list.add(
        List::Forward,
        &passport("Bob@Passport.com"),
        &name("Bob"),
        Some(GroupId(0)),
    );
    assert!(list.contact(&passport("bob@passport.com")).is_some());
    list.add(List::Allow, &passport("BOB@passport.com"), &name("x"), None);
    assert_eq!(list.len(), 1);
    let bob = list.contact(&passport("bob@passport.com")).unwrap();
    assert_eq!(bob.lists(), ListMask(3));
    assert_eq!(bob.name().as_str(), "Bob");
    assert_eq!(bob.account().as_str(), "Bob@Passport.com");
    assert_eq!(list.retained_bytes(), recount(&list));
}

#[test]
fn removal_from_a_group_keeps_the_contact_and_last_list_forgets_it() {
    let mut list = ContactList::new();
    let bob = passport("bob@passport.com");
    list.add(List::Forward, &bob, &name("Bob"), Some(GroupId(0)));
    list.add(List::Forward, &bob, &name("Bob"), Some(GroupId(2)));
    list.remove(List::Forward, &bob, Some(GroupId(0)));
    assert_eq!(list.contact(&bob).unwrap().groups(), [GroupId(2)]);
    list.remove(List::Forward, &bob, None);
    assert!(list.is_empty());
    assert_eq!(list.retained_bytes(), 0);
}

#[test]
fn removing_a_group_empties_it_from_contacts() {
    let mut list = ContactList::new();
    let bob = passport("bob@passport.com");
    list.insert_group(GroupId(1), name("Friends"));
    list.insert_listed(
        bob.clone(),
        name("Bob"),
        ListMask(1),
        [GroupId(0), GroupId(1)],
        None,
        None,
    );
    list.remove_group(GroupId(1));
    assert_eq!(list.contact(&bob).unwrap().groups(), [GroupId(0)]);
    assert_eq!(list.group_count(), 0);
    assert_eq!(list.retained_bytes(), recount(&list));
}

#[test]
fn groups_spill_to_the_heap_and_stop_at_the_bound() {
    let mut list = ContactList::new();
    let bob = passport("bob@passport.com");
    for id in 0..MAX_GROUPS_PER_CONTACT as u32 {
        assert!(list.add(List::Forward, &bob, &name("Bob"), Some(GroupId(id))));
        assert_eq!(list.retained_bytes(), recount(&list));
    }
    let extra = GroupId(MAX_GROUPS_PER_CONTACT as u32);
    assert!(!list.add(List::Forward, &bob, &name("Bob"), Some(extra)));
    assert_eq!(list.contact(&bob).unwrap().groups().len(), MAX_GROUPS_PER_CONTACT);
    // A contact refused on its first ADD is not left behind on no list.
    let carol = passport("carol@passport.com");
    let many = (0..100).map(GroupId);
    list.insert_listed(carol.clone(), name("C"), ListMask::EMPTY, many, None, None);
    assert_eq!(
        list.contact(&carol).unwrap().groups().len(),
        MAX_GROUPS_PER_CONTACT
    );
}

#[test]
fn phones_keep_one_value_each_in_phone_order() {
    let mut list = ContactList::new();
    let bob = passport("bob@passport.com");
    list.add(List::Forward, &bob, &name("Bob"), None);
    for i in 0..100 {
        let value = name(&format!("{i}"));
        list.set_contact_phone(&bob, Phone::Mobile, Some(&value));
        list.set_contact_phone(&bob, Phone::Home, Some(&value));
        list.set_own_phone(Phone::MobileAllowed, Some(&value));
    }
    let bob_phones = list.contact(&bob).unwrap().phones();
    assert_eq!(
        bob_phones,
        [(Phone::Home, name("99")), (Phone::Mobile, name("99"))]
    );
    assert_eq!(list.contact(&bob).unwrap().phone(Phone::Work), None);
    assert_eq!(list.phones(), [(Phone::MobileAllowed, name("99"))]);
    list.set_own_phone(Phone::MobileAllowed, None);
    assert!(list.phones().is_empty());
    assert_eq!(list.retained_bytes(), recount(&list));
}

fn guid(s: &str) -> Guid<'static> {
    Guid::try_from(s.to_string()).unwrap()
}

const G1: &str = "f86b80de-3b34-4bd7-b5d6-79c1b13a9e4a";
const G2: &str = "ab690000-0000-4000-8000-000000000002";

#[test]
fn guids_index_contacts_case_insensitively_and_leave_with_the_forward_list() {
    let mut list = ContactList::new();
    let bob = passport("bob@passport.com");
    list.insert_listed(bob.clone(), name("Bob"), ListMask(11), None, Some(guid(G1)), None);
    let upper = guid(&G1.to_ascii_uppercase());
    assert_eq!(list.contact_by_guid(&upper).map(Contact::account), Some(&bob));
    assert_eq!(list.retained_bytes(), recount(&list));
    // The same GUID given to another contact moves there.
    let carol = passport("carol@passport.com");
    list.insert_listed(carol.clone(), name("C"), ListMask(1), None, Some(guid(G1)), None);
    assert_eq!(list.contact(&bob).unwrap().guid(), None);
    assert_eq!(list.account_by_guid(&upper), Some(&carol));
    // Off the forward list: no GUID any more, the other lists stay.
    list.set_contact_guid(&bob, Some(guid(G2)));
    list.remove(List::Forward, &bob, None);
    assert_eq!(list.contact(&bob).unwrap().lists(), ListMask(10));
    assert_eq!(list.contact(&bob).unwrap().guid(), None);
    assert!(list.contact_by_guid(&guid(G2)).is_none());
    list.remove(List::Forward, &carol, None);
    assert!(list.contact_by_guid(&upper).is_none());
    assert_eq!(list.retained_bytes(), recount(&list));
    assert!(list.contact_guids.is_empty());
}

#[test]
fn guid_groups_get_ids_of_their_own_and_keep_them() {
    let mut list = ContactList::new();
    let a = list.put_guid_group(guid(G1), name("Friends"), None, 0).unwrap();
    let b = list.put_guid_group(guid(G2), name("Work"), None, 0).unwrap();
    assert_eq!((a, b), (GroupId(0), GroupId(1)));
    // The same GUID again renames the group it names.
    let again = list.put_guid_group(guid(&G2.to_ascii_uppercase()), name("Office"), None, 0);
    assert_eq!(again, Some(b));
    assert_eq!(list.group(b).unwrap().as_str(), "Office");
    assert_eq!(list.group_guid(a), Some(&guid(G1)));
    assert_eq!(list.group_by_guid(&guid(G2)), Some(b));
    assert_eq!(list.retained_bytes(), recount(&list));
    // A new list reuses the old ids for the GUIDs it knew, new ones count from above.
    let mut next = ContactList::new();
    let floor = list.group_id_floor();
    let g3 = guid("00000000-0000-0000-0000-000000000003");
    let c = next.put_guid_group(g3, name("New"), None, floor).unwrap();
    let b2 = next
        .put_guid_group(guid(G2), name("Office"), list.group_by_guid(&guid(G2)), floor)
        .unwrap();
    assert_eq!((c, b2), (GroupId(2), b));
    list.remove_group(a);
    assert_eq!(list.group_by_guid(&guid(G1)), None);
    assert_eq!(list.retained_bytes(), recount(&list));
    // Renaming by id keeps the GUID.
    list.insert_group(b, name("Desk"));
    assert_eq!(list.group_by_guid(&guid(G2)), Some(b));
    assert_eq!(list.retained_bytes(), recount(&list));
}

#[test]
fn local_group_ids_stop_below_the_ceiling() {
    let mut list = ContactList::new();
    list.insert_group(GroupId(u32::MAX), name("MSNP8%20max"));
    assert_eq!(list.group_id_floor(), LOCAL_GROUP_ID_CEILING);
    assert_eq!(list.put_guid_group(guid(G1), name("x"), None, 0), None);
    let mut fresh = ContactList::new();
    let reused = fresh.put_guid_group(guid(G1), name("x"), Some(GroupId(u32::MAX)), u32::MAX);
    assert_eq!(reused, None);
}

#[test]
fn pending_list_is_a_list_bit_of_its_own() {
    let mut list = ContactList::new();
    let bob = passport("bob@passport.com");
    list.add(List::Pending, &bob, &name("Bob"), None);
    assert_eq!(list.contact(&bob).unwrap().lists(), ListMask(16));
    list.remove(List::Pending, &bob, None);
    assert!(list.is_empty());
}

#[test]
fn own_name_and_stamps_are_weighed() {
    let mut list = ContactList::new();
    list.set_own_name(Some(&name("Me")));
    let stamp = Token::try_from("2000-01-01T00:00:00.0-00:00".to_string()).unwrap();
    list.set_stamps(Some(SyncStamps {
        list: stamp.clone(),
        settings: stamp,
    }));
    assert_eq!(list.retained_bytes(), recount(&list));
    list.set_own_name(None);
    list.set_stamps(None);
    assert_eq!(list.retained_bytes(), 0);
}

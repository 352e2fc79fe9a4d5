//! Peak heap of a file transfer through two `Client`s and the loopback server, over
//! P2P and over MSNFTP, measured (not timed): the same for a 64 KiB and an 8 MiB file,
//! since the sender's buffer, the switchboards' windows, the MSNFTP blocks and the
//! receiver's chunks are bounded and no machine keeps the file. One test, so that no other test's allocations land in the
//! shared counters meanwhile. The figures are printed (`--nocapture`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use msnp::client::{ClientConfig, ClientEvent};
use msnp::codec::{Dialect, DialectSet, Passport};
use msnp::testing::loopback::Network;

/// Forwards to the system allocator, keeping the live bytes and their peak.
struct PeakAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for PeakAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        grew(new_size);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: PeakAllocator = PeakAllocator;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";

fn network() -> (Network, usize, usize) {
    let mut config = ClientConfig::default();
    config.notification.dialects = DialectSet::only(Dialect::Msnp9);
    config.transfer.msnftp = true;
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a", "Alice", config.clone());
    let bob = net.add_client(BOB, "b", "Bob", config);
    net.befriend(ALICE, BOB);
    net.run();
    net.take_events(alice);
    net.take_events(bob);
    (net, alice, bob)
}

/// Sends `data` from Alice to Bob (over MSNFTP or P2P); the heap's peak above its
/// level at the start, and the bytes Bob got (counted, not kept).
fn peak_of_transfer(
    net: &mut Network,
    alice: usize,
    bob: usize,
    data: &[u8],
    msnftp: bool,
) -> (usize, usize) {
    let now = net.now();
    let to = Passport::try_from(BOB).unwrap();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let size = data.len() as u64;
    let id = if msnftp {
        net.client(alice).send_file_msnftp(now, &to, "file.bin", size)
    } else {
        net.client(alice).send_file(now, &to, "file.bin", size)
    }
    .unwrap();
    let (mut written, mut received, mut ends) = (0, 0, 0);
    while ends < 2 {
        if written < data.len() {
            written += net.client(alice).write_transfer(id, &data[written..]).unwrap();
        }
        net.run();
        for event in net.take_events(alice) {
            ends += usize::from(matches!(event, ClientEvent::TransferEnded { result: Ok(_), .. }));
        }
        for event in net.take_events(bob) {
            match event {
                ClientEvent::TransferOffered { id, .. } => net.client(bob).accept_transfer(now, id).unwrap(),
                ClientEvent::TransferData { bytes, .. } => received += bytes.len(),
                ClientEvent::TransferEnded { result: Ok(_), .. } => ends += 1,
                ClientEvent::TransferEnded { result, .. } => panic!("{result:?}"),
                _ => {}
            }
        }
    }
    (PEAK.load(Ordering::Relaxed) - base, received)
}

#[test]
fn the_peak_heap_does_not_grow_with_the_file() {
    let (mut net, alice, bob) = network();
    let small = vec![0x5a; 64 * 1024];
    let large = vec![0xa5; 8 << 20];
    for (transport, msnftp) in [("P2P", false), ("MSNFTP", true)] {
        // A first transfer grows the buffers that stay (sessions, windows, event queues).
        peak_of_transfer(&mut net, alice, bob, &small, msnftp);
        let (small_peak, got) = peak_of_transfer(&mut net, alice, bob, &small, msnftp);
        assert_eq!(got, small.len());
        let (large_peak, got) = peak_of_transfer(&mut net, alice, bob, &large, msnftp);
        assert_eq!(got, large.len());
        println!(
            "{transport}: peak heap above the start: 64 KiB file {small_peak} B, 8 MiB file {large_peak} B"
        );
        // 128 times the file, not 128 times the memory: a little slack for buffers
        // that grow once more, far below the 8 MiB more the file brings.
        assert!(
            large_peak < small_peak + 128 * 1024,
            "{transport}: 64 KiB: {small_peak} B, 8 MiB: {large_peak} B"
        );
    }
}

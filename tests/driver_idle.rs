//! The CPU an idle bot uses on either driver, measured by hand (not a CI test: it waits):
//!
//! ```sh
//! cargo test --all-features --test driver_idle -- --ignored --nocapture
//! MSNP_IDLE_SECONDS=5 cargo test --all-features --test driver_idle -- --ignored --nocapture
//! ```
//!
//! Only the driver's threads count (`msnp-session`, `msnp-reader`, `msnp-writer`, read
//! from `/proc/self/task`); the loopback server in the same process polls and is left
//! out.

use std::time::{Duration, Instant};

use msnp::Secret;
use msnp::codec::HostPort;
use msnp::drivers::DriverConfig;
use msnp::server::std_driver::LoopbackServer;

/// User and system CPU time of this process's driver threads, in clock ticks.
fn driver_ticks() -> u64 {
    let mut ticks = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let comm = comm.trim();
        if !comm.starts_with("msnp-") || comm.starts_with("msnp-loopback") {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: state is 3rd, utime 14th, stime 15th.
        let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
        let fields: Vec<&str> = after.split_whitespace().collect();
        ticks += fields.get(11).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        ticks += fields.get(12).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    }
    ticks
}

#[test]
#[ignore = "waits 30 s; run by hand"]
fn an_idle_blocking_bot_uses_no_cpu() {
    let seconds = std::env::var("MSNP_IDLE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let server = LoopbackServer::start(|s| s.add_account("bot@example.com", "pw", "Bot")).unwrap();
    let mut config = DriverConfig::default();
    let dispatch = server.dispatch_addr();
    config.client.server = HostPort::new(dispatch.ip().to_string(), dispatch.port()).unwrap();
    config.client.passport.nexus_url = server.nexus_url();
    config.allow_http_passport = true;
    let (_bot, events) =
        msnp::blocking::connect(config, "bot@example.com", Secret::new("pw".into())).unwrap();
    while events.recv_timeout(Duration::from_millis(200)).is_ok() {}
    let (start, before) = (Instant::now(), driver_ticks());
    std::thread::sleep(Duration::from_secs(seconds));
    let (elapsed, used) = (start.elapsed(), driver_ticks() - before);
    println!(
        "idle blocking bot: {used} clock ticks (1/100 s each) of CPU in its threads over {:.1} s",
        elapsed.as_secs_f64()
    );
    assert!(used <= 1, "an idle bot should not use CPU");
}

#[test]
#[ignore = "waits 30 s; run by hand"]
fn an_idle_tokio_bot_uses_no_cpu() {
    let seconds = std::env::var("MSNP_IDLE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let server = LoopbackServer::start(|s| s.add_account("bot@example.com", "pw", "Bot")).unwrap();
    let mut config = DriverConfig::default();
    let dispatch = server.dispatch_addr();
    config.client.server = HostPort::new(dispatch.ip().to_string(), dispatch.port()).unwrap();
    config.client.passport.nexus_url = server.nexus_url();
    config.allow_http_passport = true;
    // The runtime's one thread is named like the driver's, so it is counted.
    let runtime = std::thread::Builder::new().name("msnp-runtime".into());
    let used = runtime
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let password = Secret::new("pw".into());
                let (_bot, mut events) = msnp::tokio::connect(config, "bot@example.com", password)
                    .await
                    .unwrap();
                while tokio::time::timeout(Duration::from_millis(200), events.recv())
                    .await
                    .is_ok()
                {}
                let before = driver_ticks();
                tokio::time::sleep(Duration::from_secs(seconds)).await;
                driver_ticks() - before
            })
        })
        .unwrap()
        .join()
        .unwrap();
    println!(
        "idle tokio bot: {used} clock ticks (1/100 s each) of CPU in its runtime thread over {seconds} s"
    );
    assert!(used <= 1, "an idle bot should not use CPU");
}

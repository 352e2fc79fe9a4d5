//! Many sessions in one process, as a bridge runs them: N sessions sign in, then idle
//! with their keep-alives. For each path it prints memory per idle session (the
//! resident set's growth over N, client and server side together), the time to sign
//! all in, and the CPU spent per keep-alive round of all sessions.
//!
//! - `network`: the sans-IO machines wired in memory (`testing::loopback::Network`),
//!   time moved by hand; N up to 10,000.
//! - `memory`: the tokio driver against the crate's server in process
//!   (`testing::memory::MemoryServer`, duplex pipes); N up to 10,000.
//! - `tcp`: the tokio driver over loopback TCP against the crate's server on its std
//!   driver (`server::std_driver::LoopbackServer`); N = 100 and 1,000, capped by the
//!   open-file limit (two descriptors per session).
//!
//! Each scenario runs in a child process of its own, so one's freed memory does not
//! hide the next one's growth. `cargo bench --bench scale` runs them all (two to
//! three minutes on two cores); `cargo bench --bench scale -- memory 1000` runs one.

use std::process::Command;
use std::time::{Duration, Instant};

use msnp::Secret;
use msnp::client::{ClientConfig, ClientEvent};
use msnp::codec::HostPort;
use msnp::drivers::DriverConfig;
use msnp::server::std_driver::LoopbackServer;
use msnp::testing::loopback::Network;
use msnp::testing::memory::MemoryServer;
use msnp::tokio::{Bot, Events, TcpConnector, connect_with};

/// Keep-alive interval of the driver scenarios: short, so a few rounds fit in seconds.
const KEEPALIVE: Duration = Duration::from_secs(2);
/// Rounds of keep-alives whose CPU is measured.
const ROUNDS: u32 = 2;

const SCENARIOS: &[(&str, usize)] = &[
    ("network", 1000),
    ("network", 10_000),
    ("memory", 1000),
    ("memory", 10_000),
    ("tcp", 100),
    ("tcp", 1000),
];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if let [scenario, n] = args.as_slice() {
        let n: usize = n.parse().expect("N is a number");
        match scenario.as_str() {
            "network" => network(n),
            "memory" => driver_in_memory(n),
            "tcp" => driver_over_tcp(n),
            other => panic!("unknown scenario {other}"),
        }
        return;
    }
    println!(
        "{:<8} {:>6} {:>14} {:>12} {:>22}",
        "path", "N", "KiB/session", "sign-in", "CPU/keep-alive round"
    );
    for (scenario, n) in SCENARIOS {
        let status = Command::new(std::env::current_exe().expect("the bench binary"))
            .args([scenario.to_string(), n.to_string()])
            .status()
            .expect("a child process");
        assert!(status.success(), "{scenario} {n} failed");
    }
}

fn report(path: &str, n: usize, rss_before: usize, signed_in: Duration, round_cpu: Duration) {
    let per_session = rss().saturating_sub(rss_before) as f64 / n as f64 / 1024.0;
    println!(
        "{path:<8} {n:>6} {per_session:>14.1} {:>10.0}ms {:>20.2}ms",
        signed_in.as_secs_f64() * 1e3,
        round_cpu.as_secs_f64() * 1e3
    );
}

/// The resident set, from `/proc/self/statm` (pages of 4 KiB).
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// CPU time of the process's live threads, in nanoseconds from each thread's
/// `/proc/self/task/*/schedstat` (the tick counters of `/proc/self/stat` are too coarse
/// for a round that takes milliseconds).
fn cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let nanos: u64 = tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| {
            stat.split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<u64>().ok())
        })
        .sum();
    Duration::from_nanos(nanos)
}

/// Open files this process may have.
fn open_file_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .unwrap_or(1024)
}

fn account(i: usize) -> String {
    format!("user{i}@example.com")
}

fn network(n: usize) {
    let before = rss();
    let started = Instant::now();
    let mut net = Network::new();
    let peers: Vec<usize> = (0..n)
        .map(|i| net.add_client(&account(i), "pw", "User", ClientConfig::default()))
        .collect();
    net.run();
    let signed_in = started.elapsed();
    for peer in peers {
        let online = net
            .take_events(peer)
            .iter()
            .any(|e| matches!(e, ClientEvent::StatusChanged { .. }));
        assert!(online, "session {peer} did not sign in");
    }
    let cpu_before = cpu();
    let wall = Instant::now();
    // One keep-alive round: every client pings, the server answers.
    net.advance(ClientConfig::default().notification.keepalive_interval);
    // One thread, busy throughout; a running thread's CPU count lags by up to a
    // scheduler tick, too much for a round this short, so its wall time stands in.
    let round = cpu().saturating_sub(cpu_before).max(wall.elapsed());
    report("network", n, before, signed_in, round);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn quick(mut config: DriverConfig) -> DriverConfig {
    config.client.notification.keepalive_interval = KEEPALIVE;
    config
}

/// Sign-ins under way at once: the crate's Passport keeps 1,024 unredeemed tickets
/// (`PassportAuthority::MAX_TICKETS`), and a ticket dropped before its `USR` is a 911.
const SIGN_IN_BATCH: usize = 500;

/// Signs in `n` sessions, [`SIGN_IN_BATCH`] at a time; returns them once all are online.
async fn sign_in_all<C: msnp::tokio::Connector + Clone>(
    n: usize,
    config: &DriverConfig,
    connector: &C,
) -> Vec<(Bot, Events)> {
    let mut sessions = Vec::with_capacity(n);
    for batch in (0..n).collect::<Vec<_>>().chunks(SIGN_IN_BATCH) {
        let tasks: Vec<_> = batch
            .iter()
            .map(|&i| {
                let (config, connector) = (config.clone(), connector.clone());
                tokio::spawn(async move {
                    connect_with(config, connector, &account(i), Secret::new("pw".to_owned())).await
                })
            })
            .collect();
        for task in tasks {
            sessions.push(task.await.expect("a session task").expect("signed in"));
        }
    }
    sessions
}

/// CPU per keep-alive round while every session idles for [`ROUNDS`] rounds.
async fn idle_rounds() -> Duration {
    let before = cpu();
    tokio::time::sleep(KEEPALIVE * ROUNDS).await;
    cpu().saturating_sub(before) / ROUNDS
}

fn driver_in_memory(n: usize) {
    let runtime = runtime();
    runtime.block_on(async {
        let before = rss();
        let server =
            MemoryServer::start(|s| (0..n).try_for_each(|i| s.add_account(&account(i), "pw", "User")))
                .expect("a server");
        let config = quick(server.driver_config());
        let started = Instant::now();
        let sessions = sign_in_all(n, &config, &server.connector()).await;
        let signed_in = started.elapsed();
        let round = idle_rounds().await;
        report("memory", n, before, signed_in, round);
        drop(sessions);
        server.stop();
    });
}

fn driver_over_tcp(n: usize) {
    // Each session holds its socket and the server's end of it, plus a few spare.
    let n = n.min(open_file_limit().saturating_sub(64) / 2);
    let before = rss();
    let server = LoopbackServer::start(|s| (0..n).try_for_each(|i| s.add_account(&account(i), "pw", "User")))
        .expect("a loopback server");
    let mut config = quick(DriverConfig::default());
    let dispatch = server.dispatch_addr();
    config.client.server = HostPort::new(dispatch.ip().to_string(), dispatch.port()).expect("an address");
    config.client.passport.nexus_url = server.nexus_url();
    config.allow_http_passport = true;
    // One HTTP client for all, as a bridge would share it.
    let connector = TcpConnector::new(&config).expect("an HTTP client");
    let runtime = runtime();
    runtime.block_on(async {
        let started = Instant::now();
        let sessions = sign_in_all(n, &config, &connector).await;
        let signed_in = started.elapsed();
        let round = idle_rounds().await;
        report("tcp", n, before, signed_in, round);
        drop(sessions);
    });
    drop(server);
}

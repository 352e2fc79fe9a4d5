//! The crate's own MSNP8–MSNP12 server (dispatch, notification, switchboard and a
//! plain-HTTP Passport) on fixed loopback ports, for trying bots and clients by hand.
//! It answers as Escargot, the revival network's server, does: the newest dialect the
//! client offers, among `--dialects` (all five by default).
//!
//! ```sh
//! cargo run --example server -- --account alice@example.com:secret:Alice --account bot@example.com:secret
//! ```
//!
//! Accounts come from `--account EMAIL:PASSWORD[:NAME]` (repeatable) and from
//! `--accounts FILE` (one `EMAIL PASSWORD [NAME]` per line, `#` starts a comment). It runs
//! until Ctrl-C. Not for the Internet: no TLS, and Passport sends passwords in clear.

use std::net::SocketAddr;
use std::process::ExitCode;

use msnp::codec::{Dialect, DialectSet};
use msnp::server::ServerConfig;
use msnp::server::std_driver::{ListenAddrs, LoopbackServer};

const USAGE: &str = "\
usage: server [--account EMAIL:PASSWORD[:NAME]]... [--accounts FILE] [addresses]
  --account EMAIL:PASSWORD[:NAME]  an account (repeatable; the name defaults to EMAIL)
  --accounts FILE                  accounts, one `EMAIL PASSWORD [NAME]` per line
  --dispatch ADDR                  dispatch server (default 127.0.0.1:1863)
  --notification ADDR              notification server (default 127.0.0.1:1864)
  --switchboard ADDR               switchboard (default 127.0.0.1:1865)
  --http ADDR                      Passport nexus and login server (default 127.0.0.1:8080)
  --dialects LIST                  dialects spoken, comma-separated (default MSNP8,…,MSNP12)
  --escargot-quirks                answer ADG/RMG/REG (MSNP10+) in Escargot's shapes";

/// One account to create.
#[derive(Debug, PartialEq, Eq)]
struct Account {
    email: String,
    password: String,
    name: String,
}

impl Account {
    fn new(email: &str, password: &str, name: Option<&str>) -> Account {
        Account {
            email: email.to_owned(),
            password: password.to_owned(),
            name: name.unwrap_or(email).to_owned(),
        }
    }
}

/// What the flags asked for.
#[derive(Debug)]
struct Options {
    listen: ListenAddrs,
    accounts: Vec<Account>,
    config: ServerConfig,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut listen = ListenAddrs::default();
    let addr = |text: &str| -> Result<SocketAddr, String> {
        text.parse().map_err(|_| format!("{text:?} is not IP:PORT"))
    };
    listen.dispatch = addr("127.0.0.1:1863")?;
    listen.notification = addr("127.0.0.1:1864")?;
    listen.switchboard = addr("127.0.0.1:1865")?;
    listen.passport = addr("127.0.0.1:8080")?;
    let mut accounts = Vec::new();
    let mut config = ServerConfig::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--account" => {
                let text = value()?;
                let mut parts = text.splitn(3, ':');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(email), Some(password), name) => accounts.push(Account::new(email, password, name)),
                    _ => return Err(format!("--account {text:?} is not EMAIL:PASSWORD[:NAME]")),
                }
            }
            "--accounts" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
                accounts.extend(parse_accounts_file(&text).map_err(|e| format!("{path}: {e}"))?);
            }
            "--dispatch" => listen.dispatch = addr(&value()?)?,
            "--notification" => listen.notification = addr(&value()?)?,
            "--switchboard" => listen.switchboard = addr(&value()?)?,
            "--http" => listen.passport = addr(&value()?)?,
            "--dialects" => {
                let text = value()?;
                let set = text
                    .split(',')
                    .map(|name| {
                        name.trim()
                            .parse::<Dialect>()
                            .map_err(|_| format!("{name:?} is not MSNP8 to MSNP12"))
                    })
                    .collect::<Result<DialectSet, String>>()?;
                if set.is_empty() {
                    return Err("--dialects names no dialect".to_owned());
                }
                config.dialects = set;
            }
            "--escargot-quirks" => config.escargot_quirks = true,
            "--help" | "-h" => return Ok(None),
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    if accounts.is_empty() {
        return Err("no accounts: give --account or --accounts".to_owned());
    }
    Ok(Some(Options {
        listen,
        accounts,
        config,
    }))
}

/// `EMAIL PASSWORD [NAME…]` per line; blank lines and `#` comments are skipped. The
/// name is the rest of the line, so it may hold spaces.
fn parse_accounts_file(text: &str) -> Result<Vec<Account>, String> {
    let mut accounts = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let word = |text: &str| -> Option<(String, String)> {
            let text = text.trim_start();
            let end = text.find(char::is_whitespace).unwrap_or(text.len());
            (end > 0).then(|| (text[..end].to_owned(), text[end..].trim().to_owned()))
        };
        let Some((email, rest)) = word(line) else { continue };
        let Some((password, name)) = word(&rest) else {
            return Err(format!("line {}: expected `EMAIL PASSWORD [NAME]`", number + 1));
        };
        accounts.push(Account::new(
            &email,
            &password,
            Some(name.as_str()).filter(|n| !n.is_empty()),
        ));
    }
    Ok(accounts)
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("server: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let accounts = &options.accounts;
    let dialects: Vec<String> = options.config.dialects.iter().map(|d| d.to_string()).collect();
    let server = LoopbackServer::start_on(options.listen, options.config, |server| {
        for account in accounts {
            server.add_account(&account.email, &account.password, &account.name)?;
        }
        Ok(())
    });
    let server = match server {
        Ok(server) => server,
        Err(error) => {
            eprintln!("server: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("dispatch      {}", server.dispatch_addr());
    println!("notification  {}", server.notification_addr());
    println!("switchboard   {}", server.switchboard_addr());
    println!("Passport      {} (plain HTTP)", server.nexus_url());
    println!("dialects      {}", dialects.join(" "));
    for account in accounts {
        println!("account       {} ({})", account.email, account.name);
    }
    let first = &accounts[0];
    println!(
        "\nPoint a bot at it:\n  cargo run --example echo_bot -- --server {} --email {} --password {} \\\n      --nexus {} --allow-http-passport\n\nCtrl-C stops the server.",
        server.dispatch_addr(),
        first.email,
        first.password,
        server.nexus_url()
    );
    // The server runs on its own thread; this one only waits for Ctrl-C, whose default
    // action ends the process.
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_set_addresses_and_accounts() {
        let options = parse(args(&[
            "--account",
            "a@example.com:pw:Alice Liddell",
            "--account=b@example.com:p:w",
            "--dispatch",
            "127.0.0.2:2000",
            "--http=127.0.0.1:9000",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            options.accounts,
            [
                Account::new("a@example.com", "pw", Some("Alice Liddell")),
                Account::new("b@example.com", "p", Some("w")),
            ]
        );
        assert_eq!(options.listen.dispatch.to_string(), "127.0.0.2:2000");
        assert_eq!(options.listen.notification.to_string(), "127.0.0.1:1864");
        assert_eq!(options.listen.passport.to_string(), "127.0.0.1:9000");
        assert_eq!(options.config.dialects, DialectSet::ALL);
        let options = parse(args(&[
            "--account",
            "a@example.com:pw",
            "--dialects",
            "MSNP8, MSNP11",
            "--escargot-quirks",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            options.config.dialects,
            DialectSet::from_iter([Dialect::Msnp8, Dialect::Msnp11])
        );
        assert!(options.config.escargot_quirks);
    }

    #[test]
    fn bad_flags_say_what_is_wrong() {
        assert_eq!(
            parse(args(&[])).unwrap_err(),
            "no accounts: give --account or --accounts"
        );
        assert_eq!(
            parse(args(&["--account", "nopassword"])).unwrap_err(),
            "--account \"nopassword\" is not EMAIL:PASSWORD[:NAME]"
        );
        assert_eq!(
            parse(args(&["--dispatch"])).unwrap_err(),
            "--dispatch needs a value"
        );
        assert_eq!(
            parse(args(&["--http", "localhost:80"])).unwrap_err(),
            "\"localhost:80\" is not IP:PORT"
        );
        assert_eq!(parse(args(&["--port"])).unwrap_err(), "unknown flag \"--port\"");
        assert_eq!(
            parse(args(&["--account", "a@b.c:p", "--dialects", "MSNP13"])).unwrap_err(),
            "\"MSNP13\" is not MSNP8 to MSNP12"
        );
        assert!(parse(args(&["--help"])).unwrap().is_none());
    }

    #[test]
    fn the_accounts_file_has_one_account_per_line() {
        let text = "# demo accounts\n\nalice@example.com  secret  Alice Liddell\nbob@example.com hunter2 # no name\n";
        assert_eq!(
            parse_accounts_file(text).unwrap(),
            [
                Account::new("alice@example.com", "secret", Some("Alice Liddell")),
                Account::new("bob@example.com", "hunter2", None),
            ]
        );
        assert_eq!(
            parse_accounts_file("alice@example.com\n").unwrap_err(),
            "line 1: expected `EMAIL PASSWORD [NAME]`"
        );
    }
}

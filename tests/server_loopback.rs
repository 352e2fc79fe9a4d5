//! The std driver on real loopback sockets: dispatch referral, Passport over plain
//! HTTP, notification login, and `OUT SSD` on stop.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use msnp::server::std_driver::LoopbackServer;

fn connect(addr: SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    (stream, reader)
}

fn line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    line
}

fn http(addr: SocketAddr, request: &str) -> String {
    let (mut stream, mut reader) = connect(addr);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    reader.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn a_client_signs_in_over_loopback_sockets() {
    let server = LoopbackServer::start(|s| s.add_account("alice@example.com", "p w,1", "Alice")).unwrap();

    let (mut ds, mut ds_in) = connect(server.dispatch_addr());
    ds.write_all(b"VER 1 MSNP8 CVR0\r\nUSR 2 TWN I alice@example.com\r\n")
        .unwrap();
    assert_eq!(line(&mut ds_in), "VER 1 MSNP8\r\n");
    let ns = server.notification_addr();
    assert_eq!(
        line(&mut ds_in),
        format!("XFR 2 NS {ns} 0 {}\r\n", server.dispatch_addr())
    );
    assert_eq!(line(&mut ds_in), "", "the dispatch server hangs up after XFR");

    let (mut ns_out, mut ns_in) = connect(ns);
    ns_out
        .write_all(b"VER 1 MSNP8 CVR0\r\nUSR 2 TWN I alice@example.com\r\n")
        .unwrap();
    assert_eq!(line(&mut ns_in), "VER 1 MSNP8\r\n");
    let challenge = line(&mut ns_in);
    let args = challenge
        .strip_prefix("USR 2 TWN S ")
        .unwrap()
        .trim_end()
        .to_owned();

    let nexus = http(
        server.passport_addr(),
        "GET /rdr/pprdr.asp HTTP/1.1\r\nHost: nexus\r\n\r\n",
    );
    let da_login = format!("DALogin=http://{}/login2.srf", server.passport_addr());
    assert!(
        nexus.starts_with("HTTP/1.1 200 OK\r\n") && nexus.contains(&da_login),
        "{nexus}"
    );
    let login = http(
        server.passport_addr(),
        &format!(
            "GET /login2.srf HTTP/1.1\r\nAuthorization: Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=alice%40example.com,pwd=p%20w%2C1,{args}\r\n\r\n"
        ),
    );
    let ticket = login
        .split("from-PP='")
        .nth(1)
        .expect(&login)
        .split('\'')
        .next()
        .unwrap();

    ns_out
        .write_all(format!("USR 3 TWN S {ticket}\r\n").as_bytes())
        .unwrap();
    assert_eq!(line(&mut ns_in), "USR 3 OK alice@example.com Alice 1 0\r\n");
    let msg = line(&mut ns_in);
    let len: usize = msg.trim_end().rsplit(' ').next().unwrap().parse().unwrap();
    let mut profile = vec![0; len];
    ns_in.read_exact(&mut profile).unwrap();
    ns_out.write_all(b"PNG\r\n").unwrap();
    assert_eq!(line(&mut ns_in), "QNG\r\n");

    server.stop().unwrap();
    assert_eq!(line(&mut ns_in), "OUT SSD\r\n");
    assert_eq!(line(&mut ns_in), "");
}

#[test]
fn start_on_listens_where_it_is_told_and_names_a_busy_address() {
    use msnp::server::ServerConfig;
    use msnp::server::std_driver::ListenAddrs;

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut listen = ListenAddrs::default();
    listen.passport = busy.local_addr().unwrap();
    let error = LoopbackServer::start_on(listen, ServerConfig::default(), |_| Ok(())).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("cannot listen on {}: ", listen.passport)),
        "{message}"
    );

    // Once the port is free, the server takes it and names it in the nexus URL.
    drop(busy);
    let server = LoopbackServer::start_on(listen, ServerConfig::default(), |_| Ok(())).unwrap();
    assert_eq!(server.passport_addr(), listen.passport);
    assert_eq!(
        server.nexus_url(),
        format!("http://{}/rdr/pprdr.asp", listen.passport)
    );
    server.stop().unwrap();
}

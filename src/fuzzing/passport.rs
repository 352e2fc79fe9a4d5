//! The `passport_response` target: response heads from the network through every stage
//! of a Passport 1.4 login.

use crate::Secret;
use crate::passport::{HttpResponse, PassportConfig, PassportFlow, Step};

/// Fuzz body: reads `data` as an HTTP response head and feeds it to a flow at each stage
/// (nexus, login, after a redirect), repeatedly while the flow goes on. Never panics
/// unless a request the flow builds holds CR, LF or NUL in a header.
pub fn passport_response(data: &[u8]) {
    let Ok(response) = HttpResponse::parse_head(data) else {
        return;
    };
    let password = Secret::new("pass,word".to_owned());
    let challenge = "lc=1033,id=507,tw=40,fs=1,ct=1062764229,kpp=1,kv=5";
    let at_nexus = PassportConfig::default();
    let at_login = PassportConfig {
        dalogin: Some("login.passport.com/login2.srf".to_owned()),
        ..PassportConfig::default()
    };
    let redirect = HttpResponse::new(302).with_header("Location", "https://loginnet.passport.com/login2.srf");
    let after_redirect = PassportFlow::new(&at_login, challenge, "a@b.c", &password)
        .ok()
        .and_then(|flow| match flow.handle_response(redirect) {
            Ok(Step::Continue(flow)) => Some(flow),
            _ => None,
        });
    let starts = [
        PassportFlow::new(&at_nexus, challenge, "a@b.c", &password).ok(),
        PassportFlow::new(&at_login, challenge, "a@b.c", &password).ok(),
        after_redirect,
    ];
    for mut flow in starts.into_iter().flatten() {
        // Enough rounds to pass the redirect limit when the response is a redirect.
        for _ in 0..8 {
            for (_, value) in flow.request().headers() {
                assert!(!value.contains(['\r', '\n', '\0']), "unsafe header value");
            }
            match flow.handle_response(response.clone()) {
                Ok(Step::Continue(next)) => flow = next,
                Ok(Step::Done(_)) | Err(_) => break,
            }
        }
    }
}

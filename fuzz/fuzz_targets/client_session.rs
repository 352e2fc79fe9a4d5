#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| msnp::fuzzing::client::client_session(data));

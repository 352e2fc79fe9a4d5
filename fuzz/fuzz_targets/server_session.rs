#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| msnp::server::fuzz_server(data));

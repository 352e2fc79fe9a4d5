#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| msnp::ns::fuzz_session(data));

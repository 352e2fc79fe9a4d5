#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| msnp::fuzzing::ns::ns_session(data));

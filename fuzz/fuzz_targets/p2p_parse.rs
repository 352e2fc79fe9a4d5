#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| msnp::fuzzing::p2p::p2p_parse(data));

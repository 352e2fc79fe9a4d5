#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| msnp::fuzzing::codec::client_value_roundtrip(data));

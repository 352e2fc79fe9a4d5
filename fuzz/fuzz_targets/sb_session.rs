#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| msnp::fuzzing::sb::sb_session(data));

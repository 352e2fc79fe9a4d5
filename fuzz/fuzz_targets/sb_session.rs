#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| msnp::sb::fuzz_session(data));

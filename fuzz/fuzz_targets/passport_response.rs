#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| msnp::passport::fuzz_passport_response(data));

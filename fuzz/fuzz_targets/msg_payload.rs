#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| msnp::msg::fuzz_msg_payload(data));

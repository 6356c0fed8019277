#![no_main]
//! See `scopeon_core::fuzz_checks::live_request` for the input layout and the invariants checked.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    scopeon_core::fuzz_checks::live_request(data);
});

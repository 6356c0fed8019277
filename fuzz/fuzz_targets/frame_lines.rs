#![no_main]
//! See `scopeon_fuzz::frame_lines` for the input layout and the invariants checked.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    scopeon_fuzz::frame_lines(data);
});

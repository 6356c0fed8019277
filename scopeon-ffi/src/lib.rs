//! The C ABI over `scopeon-core`.
//!
//! This crate is a placeholder for the C ABI whose design is fixed in CONTRACTS §7; so far it
//! only exposes the library version, so that the workspace layout and link name are settled.

use std::ffi::c_char;

/// The library version as a NUL-terminated static string (never freed).
#[unsafe(no_mangle)]
pub extern "C" fn scopeon_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_is_nul_terminated() {
        let v = unsafe { std::ffi::CStr::from_ptr(super::scopeon_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}

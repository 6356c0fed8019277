//! The committed `include/scopeon.h` must be exactly what cbindgen generates from the sources.
//!
//! cbindgen runs here as a library pinned to an exact version (a dev-dependency), not as an
//! installed binary: it is compiled once into the shared `target/` and runs with the rest of
//! `cargo test`, while installing the `cbindgen` binary would cost CI a release build of it on
//! every fresh machine.
//!
//! After changing the ABI, regenerate the header with
//! `SCOPEON_BLESS=1 cargo test -p scopeon-ffi --test header` and commit it.

use std::path::Path;

#[test]
fn committed_header_matches_a_fresh_generation() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let mut fresh = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen failed to parse the crate")
        .write(&mut fresh);
    let fresh = String::from_utf8(fresh).unwrap();
    let path = crate_dir.join("include/scopeon.h");
    if std::env::var_os("SCOPEON_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let line = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()))
            + 1;
        panic!(
            "include/scopeon.h is stale (first difference at line {line}); regenerate it with \
             `SCOPEON_BLESS=1 cargo test -p scopeon-ffi --test header` and commit it"
        );
    }
}

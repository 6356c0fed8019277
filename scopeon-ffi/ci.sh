#!/usr/bin/env bash
# CI for the C ABI (scopeon-ffi): called by .ci/run, and runnable alone from any directory.
#
# 1. Installs what is missing (valgrind, clang and Python's venv from Debian); nothing when all
#    is there.
# 2. Builds libscopeon (.so and .a) and the scopeon CLI, and runs scopeon-ffi's Rust tests,
#    among them the header-drift test (include/scopeon.h == a fresh cbindgen generation).
# 3. Compiles tests/c with -std=c99 -Wall -Wextra -Werror -pedantic against the shared and the
#    static library, the double-include unit also as C++, and runs both programs under valgrind
#    (any invalid access or a definite/indirect leak fails).
# 4. Builds the Python package's wheel (pip wheel: setuptools-rust compiles libscopeon with
#    cargo --locked into the same target directory and bundles it), installs it with the pinned
#    bindings/python/requirements-test.txt in a fresh virtualenv, and runs the pytest suite
#    against that installed package, with no SCOPEON_LIBRARY (report validated against the
#    committed JSON Schema and compared with `scopeon report --json`; the loader's rules).
# 5. Checks the Swift package's module map with clang -fmodules -fsyntax-only, and that
#    Scopeon.swift names every status of the header.
#
# Exits non-zero on any failure. Idempotent; on a warm target/ it takes about a minute, most of
# it valgrind and pip.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
export PYTHONDONTWRITEBYTECODE=1

ffi=scopeon-ffi
start=$(date +%s)
step() { echo "== ffi: $* ($(($(date +%s) - start))s)"; }
sudo=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo="sudo"; fi

step "tools"
missing=()
command -v cc >/dev/null || missing+=(gcc)
command -v c++ >/dev/null || missing+=(g++)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v clang >/dev/null || missing+=(clang)
# Debian's python3 leaves venv's pip bootstrap (ensurepip) to a package of its own.
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
step "build libscopeon and the CLI"
# test-panics: the C and Python tests make entry points panic through SCOPEON_TEST_FFI_PANIC.
cargo build --locked -p scopeon-ffi -p scopeon-cli --features scopeon-ffi/test-panics
target="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)"
lib="$target/debug"
test -f "$lib/libscopeon.so" && test -f "$lib/libscopeon.a"

step "Rust tests of scopeon-ffi (header drift included)"
cargo test --locked -p scopeon-ffi

build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT

step "C: compile against libscopeon.so and libscopeon.a"
cflags=(-std=c99 -Wall -Wextra -Werror -pedantic -I"$ffi/include" -I"$ffi/tests/c")
sources=("$ffi/tests/c/test_scopeon.c" "$ffi/tests/c/double_include.c")
cc "${cflags[@]}" "${sources[@]}" -L"$lib" -lscopeon -Wl,-rpath,"$lib" -pthread -o "$build/test_shared"
cc "${cflags[@]}" "${sources[@]}" "$lib/libscopeon.a" -pthread -ldl -lm -o "$build/test_static"
# grep without -q reads all of ldd's output: with pipefail, an early exit would fail the
# pipeline when ldd is killed by SIGPIPE.
ldd "$build/test_shared" | grep 'libscopeon\.so' >/dev/null
if ldd "$build/test_static" | grep 'libscopeon' >/dev/null; then
    echo "test_static is not statically linked" >&2
    exit 1
fi
c++ -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c++ -I"$ffi/include" \
    -I"$ffi/tests/c" "$ffi/tests/c/double_include.c"

for kind in shared static; do
    step "C: test_scopeon ($kind) under valgrind"
    # The test's deliberate panics print Rust's panic message on stderr; they are expected.
    # Only definite and indirect leaks are errors (and shown): Rust's lazily built statics
    # (the price table, thread handles) stay reachable until exit by design.
    RUST_BACKTRACE=0 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --error-exitcode=1 "$build/test_$kind"
done

# The wheel build below relinks target/debug/libscopeon.so without test-panics: keep this one.
cp "$lib/libscopeon.so" "$build/libscopeon-test-panics.so"

python="$PWD/$ffi/bindings/python"
venv="$build/venv"
step "Python: fresh virtualenv, wheel (pip wheel: setuptools-rust, cargo --locked)"
python3 -m venv "$venv"
# The dev profile and the target directory above: cargo reuses the debug build instead of
# compiling the release profile (thin LTO) from scratch; a user's `pip install` builds release.
# setuptools builds in place: leftovers of an earlier build would end up in the wheel.
rm -rf "$python/build" "$python"/*.egg-info
SETUPTOOLS_RUST_CARGO_PROFILE=dev CARGO_TARGET_DIR="$target" \
    "$venv/bin/python" -m pip wheel --quiet --disable-pip-version-check --no-deps "$python" \
    -w "$build/wheel"
wheels=("$build"/wheel/scopeon-*.whl)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$python/requirements-test.txt" "${wheels[@]}"

step "Python: pytest against the installed wheel"
# From outside the checkout, so only the virtualenv can provide `scopeon` (conftest.py refuses
# an import from the checkout); no SCOPEON_LIBRARY nor SCOPEON_DEV_TREE: the bundled library.
(cd "$build" && env -u SCOPEON_LIBRARY -u SCOPEON_DEV_TREE SCOPEON_TEST_INSTALLED=1 \
    SCOPEON_CLI="$lib/scopeon" SCOPEON_TEST_PANIC_LIBRARY="$build/libscopeon-test-panics.so" RUST_BACKTRACE=0 \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "$python/tests")

step "Swift: module map (clang -fmodules -fsyntax-only) and status parity"
swift="$ffi/bindings/swift"
clang -fmodules -fsyntax-only -Wall -Wextra -Werror \
    -fmodule-map-file="$swift/Sources/CScopeon/module.modulemap" \
    -fmodules-cache-path="$build/modules" "$swift/check/import_module.m"
statuses=$(grep -oE '^#define SCOPEON_(OK|E_[A-Z0-9_]+) ' "$ffi/include/scopeon.h" | awk '{print $2}')
for name in $statuses; do
    if ! grep -q "Status(rawValue: $name)" "$swift/Sources/Scopeon/Scopeon.swift"; then
        echo "Scopeon.swift has no Status for $name" >&2
        exit 1
    fi
done
swift_count=$(grep -c 'Status(rawValue: SCOPEON_' "$swift/Sources/Scopeon/Scopeon.swift")
if [ "$swift_count" != "$(echo "$statuses" | wc -w)" ]; then
    echo "Scopeon.swift declares $swift_count statuses; scopeon.h has $(echo "$statuses" | wc -w)" >&2
    exit 1
fi

step "done"

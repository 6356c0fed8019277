//! `libscopeon`: the C ABI over `scopeon-core` (docs/documents.md, scopeon-ffi/README.md).
//!
//! The header `include/scopeon.h` is generated from this file by cbindgen (see `cbindgen.toml`
//! and `tests/header.rs`), so the comments on public items here are the C documentation.
//!
//! # The rules every function follows
//!
//! - Every function returns a [`ScopeonStatus`]: [`SCOPEON_OK`] (0) or one of the `SCOPEON_E_*`
//!   codes. The values are stable and never reused.
//! - Results come back through out-parameters. An out-parameter must not be NULL; it is set to
//!   NULL first, so after a failure it is always NULL.
//! - Strings passed in are NUL-terminated UTF-8, read during the call only. NULL where a string
//!   is required is `SCOPEON_E_NULL`; invalid UTF-8 is `SCOPEON_E_UTF8`.
//! - Every `char *` Scopeon returns is owned by the caller and released with
//!   [`scopeon_string_free`], exactly once. `scopeon_version`'s `const char *` is static.
//! - A failure records its message twice: for the calling thread ([`scopeon_last_error`]) and,
//!   when the call took a database handle, for that handle ([`scopeon_db_last_error`]). A
//!   successful call leaves both as they were (like `errno`).
//! - A panic inside Scopeon is caught at the boundary and returned as `SCOPEON_E_PANIC`; it
//!   never unwinds into C.
//! - Threads: a handle is used by one thread at a time (a concurrent call on the same handle
//!   returns `SCOPEON_E_BUSY`); distinct handles, even on the same database file, may be used
//!   concurrently. Functions without a handle may be called from any thread. No thread Scopeon
//!   starts outlives the call that started it.
//! - Rich features travel as versioned JSON documents, not as new C functions.
//!
//! For tests, a library built with the cargo feature `test-panics` (never a release one) reads
//! the environment variable `SCOPEON_TEST_FFI_PANIC`: set to the name of one of
//! `scopeon_db_open`, `scopeon_scan`, `scopeon_query`, `scopeon_providers` or `scopeon_price`,
//! it makes that function panic inside its guard, to exercise `SCOPEON_E_PANIC`.
#![warn(missing_docs)]

use std::ffi::c_char;
use std::sync::{Mutex, TryLockError};

use scopeon_core::Scopeon;
use scopeon_core::env::Env;

mod guard;
mod ops;

use guard::{
    ErrorSlot, Failure, call, call_db_out, call_out, clear_out, last_error_copy, lock_store,
    optional_str, required_str, test_panic_point,
};

/// The version of the C ABI this header describes. It changes only when an existing function,
/// status or document changes incompatibly; additions keep it. Compare it with
/// `scopeon_abi_version()` at load time.
pub const SCOPEON_ABI_VERSION: u32 = 1;

/// What a Scopeon function returns: `SCOPEON_OK` (0) or a `SCOPEON_E_*` error code. The
/// message of an error is available from `scopeon_last_error` (and `scopeon_db_last_error`).
/// Values are stable and never reused; new codes may be added.
pub type ScopeonStatus = i32;

/// Success.
pub const SCOPEON_OK: ScopeonStatus = 0;
/// A pointer argument that must not be NULL was NULL.
pub const SCOPEON_E_NULL: ScopeonStatus = 1;
/// A string argument is not valid UTF-8 (or a path Scopeon met is not).
pub const SCOPEON_E_UTF8: ScopeonStatus = 2;
/// A request is not valid JSON or does not have the request's shape (an unknown field, a
/// number where a string belongs).
pub const SCOPEON_E_JSON: ScopeonStatus = 3;
/// An argument or a request field has a value Scopeon does not accept: an unknown provider,
/// group key, cost mode or time zone, a malformed time, an unsupported request schema, an
/// empty path.
pub const SCOPEON_E_INVALID_ARGUMENT: ScopeonStatus = 4;
/// `scopeon_price`: the model is not in the built-in price table.
pub const SCOPEON_E_UNKNOWN_MODEL: ScopeonStatus = 5;
/// `$HOME` is not set, so the default database and log locations are unknown.
pub const SCOPEON_E_NO_HOME: ScopeonStatus = 6;
/// The configuration file (`~/.scopeon/config.toml`) is invalid.
pub const SCOPEON_E_CONFIG: ScopeonStatus = 7;
/// Reading or writing a file failed.
pub const SCOPEON_E_IO: ScopeonStatus = 8;
/// The database failed, is not a Scopeon database, or was written by a newer Scopeon.
pub const SCOPEON_E_DATABASE: ScopeonStatus = 9;
/// The database file is group- or world-writable or owned by another user; the message says
/// how to fix it.
pub const SCOPEON_E_UNSAFE_DATABASE: ScopeonStatus = 10;
/// The handle is in use by another thread.
pub const SCOPEON_E_BUSY: ScopeonStatus = 11;
/// Scopeon panicked (a bug; please report it). A handle whose call panicked mid-operation
/// returns this until it is closed.
pub const SCOPEON_E_PANIC: ScopeonStatus = 12;
/// Any other internal error (a bug; please report it).
pub const SCOPEON_E_INTERNAL: ScopeonStatus = 13;

/// An open Scopeon database. Opaque: created by `scopeon_db_open`, released by
/// `scopeon_db_close`.
#[derive(Debug)]
pub struct ScopeonDb {
    store: Mutex<Scopeon>,
    last_error: ErrorSlot,
}

/// Sets `*out_version` to the library version (e.g. "0.1.0"), a static string that must not
/// be freed.
///
/// Errors: `SCOPEON_E_NULL` when `out_version` is NULL.
/// Thread safety: any thread.
///
/// # Safety
///
/// `out_version` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_version(out_version: *mut *const c_char) -> ScopeonStatus {
    call("scopeon_version", || {
        if out_version.is_null() {
            return Err(Failure::null("scopeon_version", "out_version"));
        }
        let version: &'static [u8] = concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes();
        // SAFETY: not NULL, and the caller guarantees it is valid for writes.
        unsafe { out_version.write(version.as_ptr().cast()) };
        Ok(())
    })
}

/// Sets `*out_version` to the ABI version of the loaded library; bindings compare it with
/// `SCOPEON_ABI_VERSION`.
///
/// Errors: `SCOPEON_E_NULL` when `out_version` is NULL.
/// Thread safety: any thread.
///
/// # Safety
///
/// `out_version` is NULL or valid for writing one `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_abi_version(out_version: *mut u32) -> ScopeonStatus {
    call("scopeon_abi_version", || {
        if out_version.is_null() {
            return Err(Failure::null("scopeon_abi_version", "out_version"));
        }
        // SAFETY: not NULL, and the caller guarantees it is valid for writes.
        unsafe { out_version.write(SCOPEON_ABI_VERSION) };
        Ok(())
    })
}

/// Opens (creating if needed) a Scopeon database and sets `*out_db` to its handle, to be
/// released with `scopeon_db_close`.
///
/// `path_or_null`: the database file; NULL for the default (`$SCOPEON_DB`, else
/// `~/.scopeon/scopeon.db`), or ":memory:" for a private in-memory database. A directory or
/// database Scopeon creates is private to the user (0700 / 0600); an existing database that
/// others can write is refused. The user's configuration (`~/.scopeon/config.toml`) is read
/// here, once, as the CLI reads it; without one, the database keeps the price overrides and
/// privacy form it remembers, so costs equal the CLI's.
///
/// Errors: `SCOPEON_E_NULL` (out_db), `SCOPEON_E_UTF8`, `SCOPEON_E_INVALID_ARGUMENT` (empty
/// path), `SCOPEON_E_NO_HOME`, `SCOPEON_E_CONFIG`, `SCOPEON_E_IO`, `SCOPEON_E_DATABASE`,
/// `SCOPEON_E_UNSAFE_DATABASE`.
/// Thread safety: any thread; it reads the environment, so no other thread may change the
/// environment (`setenv`) during the call.
///
/// # Safety
///
/// `path_or_null` is NULL or a NUL-terminated string; `out_db` is NULL or valid for writing
/// one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_db_open(
    path_or_null: *const c_char,
    out_db: *mut *mut ScopeonDb,
) -> ScopeonStatus {
    const F: &str = "scopeon_db_open";
    call(F, || {
        // SAFETY: the caller guarantees `out_db` is NULL or valid for writes.
        unsafe { clear_out(F, "out_db", out_db) }?;
        // SAFETY: the caller guarantees a NUL-terminated string or NULL.
        let path = unsafe { optional_str(F, "path_or_null", path_or_null) }?;
        test_panic_point(F);
        let store = ops::open(path, &Env::from_process())?;
        let db = Box::new(ScopeonDb {
            store: Mutex::new(store),
            last_error: ErrorSlot::default(),
        });
        // SAFETY: `clear_out` checked `out_db` is not NULL.
        unsafe { out_db.write(Box::into_raw(db)) };
        Ok(())
    })
}

/// Closes a database handle and releases it. NULL is accepted and does nothing (like
/// `free`). After `SCOPEON_OK` the handle is gone and must not be used again.
///
/// Errors: `SCOPEON_E_BUSY` when another thread is using the handle (it is then not closed).
/// Thread safety: no other call may use `db` during or after this one.
///
/// # Safety
///
/// `db` is NULL or a handle from `scopeon_db_open` not closed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_db_close(db: *mut ScopeonDb) -> ScopeonStatus {
    const F: &str = "scopeon_db_close";
    if db.is_null() {
        return SCOPEON_OK;
    }
    call(F, || {
        {
            // SAFETY: `db` is not NULL and is a live handle (caller's guarantee). This borrow
            // ends before the handle is freed below.
            let handle = unsafe { &*db };
            // Refuse to free a handle another thread is inside of. A handle poisoned by a
            // panic is closed all the same.
            if matches!(handle.store.try_lock(), Err(TryLockError::WouldBlock)) {
                let failure = Failure::busy(F);
                handle.last_error.set(&failure.message);
                return Err(failure);
            }
        }
        // SAFETY: `db` came from `Box::into_raw` in `scopeon_db_open`, and the caller
        // guarantees no other use of it from now on, so ownership returns here exactly once.
        drop(unsafe { Box::from_raw(db) });
        Ok(())
    })
}

/// Reads new log lines of every detected agent into the database, as `scopeon scan` does,
/// and sets `*out_json` to the scan summary: the `scopeon.scan.v1` document
/// `scopeon scan --json` prints (files, bytes, records, skipped lines by reason, per-provider
/// roots and problems).
///
/// `request_json_or_null`: NULL for all enabled providers, or a `scopeon.scan_request.v1`
/// object, every field optional: `{"providers": ["claude_code"], "rebuild": false, "roots":
/// {"claude_code": ["/path", "~/logs"]}}`. `providers` narrows the scan (an empty list means
/// all), `rebuild` re-reads every file from its start, and `roots` replaces a provider's log
/// roots for this scan. The configuration read when the handle was opened applies as for the CLI.
///
/// Errors: `SCOPEON_E_NULL` (db, out_json), `SCOPEON_E_UTF8`, `SCOPEON_E_JSON`,
/// `SCOPEON_E_INVALID_ARGUMENT`, `SCOPEON_E_IO`, `SCOPEON_E_DATABASE`,
/// `SCOPEON_E_BUSY`.
/// Thread safety: one thread at a time per handle; uses the environment (`$HOME`, the agents'
/// variables) as it was when the handle was opened. The reading thread it starts is joined
/// before it returns.
///
/// # Safety
///
/// `db` is NULL or a live handle; `request_json_or_null` is NULL or a NUL-terminated string;
/// `out_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_scan(
    db: *mut ScopeonDb,
    request_json_or_null: *const c_char,
    out_json: *mut *mut c_char,
) -> ScopeonStatus {
    const F: &str = "scopeon_scan";
    // SAFETY: the caller guarantees `db` is NULL or a live handle and `out_json` NULL or
    // valid for writes.
    unsafe {
        call_db_out(F, db, out_json, |handle| {
            // SAFETY: the caller guarantees a NUL-terminated string or NULL.
            let request = optional_str(F, "request_json_or_null", request_json_or_null)?;
            test_panic_point(F);
            let mut store = lock_store(F, &handle.store)?;
            ops::scan_json(&mut store, request)
        })
    }
}

/// Answers a read request and sets `*out_json` to the document the matching command prints
/// with `--json --no-scan` (it does not scan first). The request's `schema` says which:
///
/// - `scopeon.query.v1` (or no `schema`): a report, answered with `scopeon.report.v1` as
///   `scopeon report`. Every field optional: `{"schema": "scopeon.query.v1", "since": "7d",
///   "until": "2026-11-30", "by": ["day", "model"], "tz": "Europe/Berlin", "providers":
///   ["claude_code"], "projects": ["/home/me/app"], "models": ["claude-sonnet-4-5"], "cost":
///   "calculated"}`. `by` defaults to `["day"]` (`[]` for totals only); `provider`, `project`
///   and `model` are accepted for the plural keys and a single string for a list; `tz`
///   defaults to `$TZ`, else the system zone, else UTC (then the document carries a
///   `warnings` array; `scan` is null).
/// - `scopeon.blocks_request.v1`: five-hour blocks, answered with `scopeon.blocks.v1` as
///   `scopeon blocks`. `{"schema": "scopeon.blocks_request.v1", "providers": ["claude_code"],
///   "active": false, "recent": false, "since": "7d", "until": "2026-11-30", "token_limit":
///   500000, "floor_hour": false, "gaps": false, "tz": "Europe/Berlin", "now":
///   "2026-11-27T12:00:00Z"}`, every field but `schema` optional: `providers` defaults to
///   claude_code and codex, `token_limit` is a number of tokens or "max", `now` computes as
///   if it were then (default: the clock, or `$SCOPEON_NOW`).
/// - `scopeon.context_request.v1`: the context of active sessions, answered with
///   `scopeon.context.v1` as `scopeon context`. `{"schema": "scopeon.context_request.v1",
///   "providers": ["claude_code"], "session": "ID", "active_minutes": 30, "now": "..."}`,
///   every field but `schema` optional.
///
/// Errors: `SCOPEON_E_NULL` (db, request_json, out_json), `SCOPEON_E_UTF8`,
/// `SCOPEON_E_JSON` (not JSON, not an object, an unknown field or a value of the wrong type,
/// which the message names), `SCOPEON_E_INVALID_ARGUMENT` (a value refused, such as an
/// unknown provider or zone, a malformed time or token limit, or another `schema`; for blocks
/// and context requests the message names the field), `SCOPEON_E_DATABASE`, `SCOPEON_E_BUSY`.
/// Thread safety: one thread at a time per handle; uses the environment (`$TZ`,
/// `$SCOPEON_NOW`) as it was when the handle was opened.
///
/// # Safety
///
/// `db` is NULL or a live handle; `request_json` is NULL or a NUL-terminated string;
/// `out_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_query(
    db: *mut ScopeonDb,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ScopeonStatus {
    const F: &str = "scopeon_query";
    // SAFETY: the caller guarantees `db` is NULL or a live handle and `out_json` NULL or
    // valid for writes.
    unsafe {
        call_db_out(F, db, out_json, |handle| {
            // SAFETY: the caller guarantees a NUL-terminated string or NULL.
            let request = required_str(F, "request_json", request_json)?;
            test_panic_point(F);
            let store = lock_store(F, &handle.store)?;
            ops::query_json(&store, request)
        })
    }
}

/// Sets `*out_json` to the built-in providers (`scopeon.providers.v1`): for each, its `id`,
/// whether it is `enabled`, the `roots` a scan searches (`path`, `exists`) and where they come
/// from (`roots_from`: "config" or "default", the latter including the agent's environment
/// variable), the log `files` the database tracks (found by the last scan and still present
/// then), and the `records` stored.
///
/// Errors: `SCOPEON_E_NULL` (db, out_json), `SCOPEON_E_DATABASE`,
/// `SCOPEON_E_BUSY`.
/// Thread safety: one thread at a time per handle; uses the environment as it was when the
/// handle was opened.
///
/// # Safety
///
/// `db` is NULL or a live handle; `out_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_providers(
    db: *mut ScopeonDb,
    out_json: *mut *mut c_char,
) -> ScopeonStatus {
    const F: &str = "scopeon_providers";
    // SAFETY: the caller guarantees `db` is NULL or a live handle and `out_json` NULL or
    // valid for writes.
    unsafe {
        call_db_out(F, db, out_json, |handle| {
            test_panic_point(F);
            let store = lock_store(F, &handle.store)?;
            ops::providers_json(&store)
        })
    }
}

/// Looks a model id up in the built-in price table, as logged (any Anthropic, Bedrock, Vertex
/// or gateway spelling), and sets `*out_json` to its entry (`scopeon.price.v1`): `model`,
/// `canonical` id, `regional_uplift` (Bedrock regional +10 %, already in the rates), the
/// `rates` in force now in USD per million tokens as exact decimal strings (`input`,
/// `output`, `cache_write_5m`, `cache_write_1h`, `cache_read`), the `long_context` tier
/// (`above_tokens` and its `rates`) or null, `pricing_version` and `prices_checked`.
///
/// Errors: `SCOPEON_E_NULL` (model, out_json), `SCOPEON_E_UTF8`, `SCOPEON_E_UNKNOWN_MODEL`
/// (the model has no price; its tokens are reported as unpriced), `SCOPEON_E_INVALID_ARGUMENT`
/// (`$SCOPEON_NOW` is not an RFC 3339 time).
/// Thread safety: any thread; reads `$SCOPEON_NOW`.
///
/// # Safety
///
/// `model` is NULL or a NUL-terminated string; `out_json` is NULL or valid for writing one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_price(
    model: *const c_char,
    out_json: *mut *mut c_char,
) -> ScopeonStatus {
    const F: &str = "scopeon_price";
    // SAFETY: the caller guarantees `out_json` is NULL or valid for writes.
    unsafe {
        call_out(F, out_json, || {
            // SAFETY: the caller guarantees a NUL-terminated string or NULL.
            let model = required_str(F, "model", model)?;
            test_panic_point(F);
            ops::price_json(model, &Env::from_process())
        })
    }
}

/// Sets `*out_message` to a copy of the message of the last failed call on `db` (free it with
/// `scopeon_string_free`), or to NULL when no call on it has failed.
///
/// Errors: `SCOPEON_E_NULL` (db, out_message).
/// Thread safety: any thread, even while another thread uses `db`.
///
/// # Safety
///
/// `db` is NULL or a live handle; `out_message` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_db_last_error(
    db: *const ScopeonDb,
    out_message: *mut *mut c_char,
) -> ScopeonStatus {
    const F: &str = "scopeon_db_last_error";
    call(F, || {
        // SAFETY: the caller guarantees `out_message` is NULL or valid for writes.
        unsafe { clear_out(F, "out_message", out_message) }?;
        // SAFETY: the caller guarantees `db` is NULL or a live handle.
        let handle = unsafe { db.as_ref() }.ok_or_else(|| Failure::null(F, "db"))?;
        // SAFETY: `clear_out` checked `out_message` is not NULL.
        unsafe { out_message.write(handle.last_error.copy()) };
        Ok(())
    })
}

/// Sets `*out_message` to a copy of the message of the last failed Scopeon call on this
/// thread (free it with `scopeon_string_free`), or to NULL when none has failed. Use it for
/// failures without a handle (`scopeon_db_open`, `scopeon_price`, a NULL handle).
///
/// Errors: `SCOPEON_E_NULL` (out_message; this failure is recorded too).
/// Thread safety: any thread; each thread has its own message.
///
/// # Safety
///
/// `out_message` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_last_error(out_message: *mut *mut c_char) -> ScopeonStatus {
    const F: &str = "scopeon_last_error";
    call(F, || {
        // SAFETY: the caller guarantees `out_message` is NULL or valid for writes.
        unsafe { clear_out(F, "out_message", out_message) }?;
        // SAFETY: `clear_out` checked `out_message` is not NULL.
        unsafe { out_message.write(last_error_copy()) };
        Ok(())
    })
}

/// Releases a string Scopeon returned through a `char **` out-parameter. NULL is accepted
/// and does nothing. Always returns `SCOPEON_OK`.
///
/// Thread safety: any thread.
///
/// # Safety
///
/// `string` is NULL or a string a Scopeon function returned through a `char **` that has not
/// been freed yet (never the static `scopeon_version` string).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scopeon_string_free(string: *mut c_char) -> ScopeonStatus {
    call("scopeon_string_free", || {
        if !string.is_null() {
            // SAFETY: the caller guarantees `string` came from `CString::into_raw` (every
            // owned string Scopeon returns does) and is released once.
            drop(unsafe { std::ffi::CString::from_raw(string) });
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests;

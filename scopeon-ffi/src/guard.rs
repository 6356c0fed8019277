//! What every entry point shares: panic catching, argument checks, owned output strings and
//! the last-error slots.
//!
//! Each exported function is a thin shell around [`call`] (or [`call_out`] and [`call_db_out`]
//! for those with a string result): its body is a closure run under `catch_unwind`, so a panic
//! anywhere below becomes `SCOPEON_E_PANIC` instead of unwinding into C (which since Rust 1.81
//! aborts the host), and a failure becomes a status plus a last-error message.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use scopeon_core::Error;
use scopeon_core::Scopeon;

use crate::{
    SCOPEON_E_BUSY, SCOPEON_E_CONFIG, SCOPEON_E_DATABASE, SCOPEON_E_INTERNAL,
    SCOPEON_E_INVALID_ARGUMENT, SCOPEON_E_IO, SCOPEON_E_NO_HOME, SCOPEON_E_NULL, SCOPEON_E_PANIC,
    SCOPEON_E_UNKNOWN_MODEL, SCOPEON_E_UNSAFE_DATABASE, SCOPEON_E_UTF8, SCOPEON_OK, ScopeonDb,
    ScopeonStatus,
};

/// A failed call: the status it returns and the message its last-error slots get.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: ScopeonStatus,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(status: ScopeonStatus, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// A required pointer argument was NULL.
    pub(crate) fn null(function: &str, argument: &str) -> Failure {
        Failure::new(
            SCOPEON_E_NULL,
            format!("{function}: {argument} must not be NULL"),
        )
    }

    /// An argument (or request field) has a value Scopeon cannot accept.
    pub(crate) fn invalid(message: impl Into<String>) -> Failure {
        Failure::new(SCOPEON_E_INVALID_ARGUMENT, message)
    }

    /// The handle is in use by another thread.
    pub(crate) fn busy(function: &str) -> Failure {
        Failure::new(
            SCOPEON_E_BUSY,
            format!(
                "{function}: the database handle is in use by another thread; use one handle per thread"
            ),
        )
    }

    fn panic(function: &str, payload: &(dyn Any + Send)) -> Failure {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a non-string payload");
        Failure::new(
            SCOPEON_E_PANIC,
            format!("{function}: internal panic: {what} (please report this bug)"),
        )
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let status = match &e {
            Error::Io { .. } => SCOPEON_E_IO,
            Error::Db { .. } | Error::NewerSchema { .. } | Error::NotScopeonDb { .. } => {
                SCOPEON_E_DATABASE
            }
            Error::UnsafeDatabase { .. } => SCOPEON_E_UNSAFE_DATABASE,
            Error::Config { .. } => SCOPEON_E_CONFIG,
            Error::InvalidQuery(_) => SCOPEON_E_INVALID_ARGUMENT,
            Error::NonUtf8Path(_) => SCOPEON_E_UTF8,
            Error::NoHome => SCOPEON_E_NO_HOME,
            Error::UnknownModel { .. } => SCOPEON_E_UNKNOWN_MODEL,
            _ => SCOPEON_E_INTERNAL,
        };
        Failure::new(status, e.to_string())
    }
}

thread_local! {
    /// The message of the last failed call on this thread (`scopeon_last_error`).
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// A message as a C string; NUL bytes (which C cannot carry) become U+FFFD.
fn message_cstring(message: &str) -> CString {
    CString::new(message.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

fn set_last_error(message: &str) {
    // `try_with` fails only while the thread is being torn down; the message is then moot.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(message_cstring(message)));
}

/// An owned copy of this thread's last error message, or NULL when no call failed yet.
pub(crate) fn last_error_copy() -> *mut c_char {
    LAST_ERROR
        .try_with(|slot| slot.borrow().clone())
        .ok()
        .flatten()
        .map_or(std::ptr::null_mut(), CString::into_raw)
}

/// Per-handle state besides the store: its last error message.
#[derive(Debug, Default)]
pub(crate) struct ErrorSlot(Mutex<Option<CString>>);

impl ErrorSlot {
    pub(crate) fn set(&self, message: &str) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(message_cstring(message));
    }

    /// An owned copy of the handle's last error message, or NULL when no call on it failed.
    pub(crate) fn copy(&self) -> *mut c_char {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .map_or(std::ptr::null_mut(), CString::into_raw)
    }
}

/// Runs an entry point's body: a panic becomes `SCOPEON_E_PANIC`, a failure is recorded as
/// this thread's last error and its status returned.
pub(crate) fn call(function: &str, body: impl FnOnce() -> Result<(), Failure>) -> ScopeonStatus {
    let outcome = panic::catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(Failure::panic(function, payload.as_ref())));
    match outcome {
        Ok(()) => SCOPEON_OK,
        Err(failure) => {
            set_last_error(&failure.message);
            failure.status
        }
    }
}

/// [`call`] for a function with a string result: `out` is checked and set to NULL before
/// anything else, and receives the body's string (owned by the caller) on success.
///
/// # Safety
///
/// `out` is NULL or valid for writing one pointer.
pub(crate) unsafe fn call_out(
    function: &str,
    out: *mut *mut c_char,
    body: impl FnOnce() -> Result<String, Failure>,
) -> ScopeonStatus {
    call(function, || {
        // SAFETY: the caller guarantees `out` is NULL or valid for writes.
        unsafe { clear_out(function, "out_json", out) }?;
        let text = owned_c_string(body()?)?;
        // SAFETY: `clear_out` checked `out` is not NULL.
        unsafe { out.write(text) };
        Ok(())
    })
}

/// [`call_out`] for a function on a database handle: a NULL handle is `SCOPEON_E_NULL`, and a
/// failure is also recorded as the handle's last error.
///
/// # Safety
///
/// `db` is NULL or a live handle from `scopeon_db_open`, not being closed concurrently; `out`
/// is NULL or valid for writing one pointer.
pub(crate) unsafe fn call_db_out(
    function: &str,
    db: *const ScopeonDb,
    out: *mut *mut c_char,
    body: impl FnOnce(&ScopeonDb) -> Result<String, Failure>,
) -> ScopeonStatus {
    // SAFETY: the caller guarantees `db` is NULL or a live handle; NULL maps to None.
    let handle = unsafe { db.as_ref() };
    // SAFETY: forwarded from the caller's guarantee on `out`.
    let status = unsafe {
        call_out(function, out, || {
            body(handle.ok_or_else(|| Failure::null(function, "db"))?)
        })
    };
    if status != SCOPEON_OK
        && let Some(handle) = handle
    {
        let message = LAST_ERROR
            .try_with(|slot| {
                slot.borrow()
                    .as_ref()
                    .map(|m| m.to_string_lossy().into_owned())
            })
            .ok()
            .flatten()
            .unwrap_or_default();
        handle.last_error.set(&message);
    }
    status
}

/// Locks a handle's store for one call. A handle in use by another thread is
/// `SCOPEON_E_BUSY` (never a wait, never a data race); one whose earlier call panicked
/// mid-operation is `SCOPEON_E_PANIC` until closed.
pub(crate) fn lock_store<'a>(
    function: &str,
    store: &'a Mutex<Scopeon>,
) -> Result<MutexGuard<'a, Scopeon>, Failure> {
    store.try_lock().map_err(|e| match e {
        TryLockError::WouldBlock => Failure::busy(function),
        TryLockError::Poisoned(_) => Failure::new(
            SCOPEON_E_PANIC,
            format!(
                "{function}: an earlier call on this handle panicked; close it and open the database again"
            ),
        ),
    })
}

/// Checks an out-parameter is not NULL and sets it to NULL, so it is NULL on every failure.
///
/// # Safety
///
/// `out` is NULL or valid for writing one pointer.
pub(crate) unsafe fn clear_out<T>(
    function: &str,
    argument: &str,
    out: *mut *mut T,
) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null(function, argument));
    }
    // SAFETY: `out` is not NULL, and the caller guarantees it is valid for writes.
    unsafe { out.write(std::ptr::null_mut()) };
    Ok(())
}

/// A NUL-terminated UTF-8 argument, or NULL as `None`.
///
/// # Safety
///
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for the
/// rest of the call.
pub(crate) unsafe fn optional_str<'a>(
    function: &str,
    argument: &str,
    ptr: *const c_char,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL, and the caller guarantees a NUL-terminated string valid for the call.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map(Some).map_err(|e| {
        Failure::new(
            SCOPEON_E_UTF8,
            format!(
                "{function}: {argument} is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// A required NUL-terminated UTF-8 argument.
///
/// # Safety
///
/// As for [`optional_str`].
pub(crate) unsafe fn required_str<'a>(
    function: &str,
    argument: &str,
    ptr: *const c_char,
) -> Result<&'a str, Failure> {
    // SAFETY: forwarded from the caller's guarantee.
    unsafe { optional_str(function, argument, ptr) }?
        .ok_or_else(|| Failure::null(function, argument))
}

/// Moves a string to C: released by `scopeon_string_free`.
fn owned_c_string(text: String) -> Result<*mut c_char, Failure> {
    CString::new(text).map(CString::into_raw).map_err(|_| {
        Failure::new(
            SCOPEON_E_INTERNAL,
            "output contained a NUL byte (please report this bug)",
        )
    })
}

/// The environment variable that makes an entry point panic, for testing `SCOPEON_E_PANIC`
/// from C and Python: set it to the function's name (e.g. `scopeon_price`). Only the entry
/// points that read the environment anyway check it, and only in a library built with the
/// `test-panics` feature (ci.sh builds the one its C and Python tests load that way).
#[cfg(feature = "test-panics")]
const TEST_PANIC_VAR: &str = "SCOPEON_TEST_FFI_PANIC";

/// Panics when [`TEST_PANIC_VAR`] names `function` (see there).
#[cfg(feature = "test-panics")]
pub(crate) fn test_panic_point(function: &str) {
    if std::env::var_os(TEST_PANIC_VAR).is_some_and(|v| v == function) {
        panic!("{TEST_PANIC_VAR} asked {function} to panic");
    }
}

/// Without the `test-panics` feature (every release library) no entry point can be made to
/// panic on purpose, and the variable is never read.
#[cfg(not(feature = "test-panics"))]
#[inline(always)]
pub(crate) fn test_panic_point(_function: &str) {}

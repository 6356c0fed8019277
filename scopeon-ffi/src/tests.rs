//! Unit tests of the boundary itself: panics, busy and poisoned handles, last-error slots.

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use super::*;

/// Takes an owned string from Scopeon (NULL as `None`).
fn take(s: *mut c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    // SAFETY: a live string Scopeon returned; it is read, then freed once.
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
    // SAFETY: as above.
    assert_eq!(unsafe { scopeon_string_free(s) }, SCOPEON_OK);
    Some(text)
}

fn thread_error() -> Option<String> {
    let mut m = ptr::null_mut();
    // SAFETY: `m` is a valid out-pointer.
    assert_eq!(unsafe { scopeon_last_error(&mut m) }, SCOPEON_OK);
    take(m)
}

fn db_error(db: *const ScopeonDb) -> Option<String> {
    let mut m = ptr::null_mut();
    // SAFETY: `db` is live and `m` a valid out-pointer.
    assert_eq!(unsafe { scopeon_db_last_error(db, &mut m) }, SCOPEON_OK);
    take(m)
}

fn open_memory() -> *mut ScopeonDb {
    let mut db = ptr::null_mut();
    // SAFETY: a static C string and a valid out-pointer.
    let status = unsafe { scopeon_db_open(c":memory:".as_ptr(), &mut db) };
    assert_eq!(status, SCOPEON_OK, "{:?}", thread_error());
    assert!(!db.is_null());
    db
}

#[test]
fn a_panic_becomes_a_status_and_a_message() {
    let status = guard::call("scopeon_test", || panic!("boom {}", 42));
    assert_eq!(status, SCOPEON_E_PANIC);
    let message = thread_error().unwrap();
    assert!(
        message.contains("scopeon_test") && message.contains("boom 42"),
        "{message}"
    );
    let status = guard::call("scopeon_test", || std::panic::panic_any(7_u8));
    assert_eq!(status, SCOPEON_E_PANIC);
    assert!(thread_error().unwrap().contains("non-string payload"));
}

#[test]
fn a_panic_on_a_handle_is_recorded_on_the_handle() {
    let db = open_memory();
    let mut out = ptr::null_mut();
    // SAFETY: `db` is live and `out` a valid out-pointer.
    let status = unsafe { guard::call_db_out("scopeon_test", db, &mut out, |_| panic!("inside")) };
    assert_eq!(status, SCOPEON_E_PANIC);
    assert!(out.is_null());
    assert!(db_error(db).unwrap().contains("inside"));
    // The panic happened outside the store's lock: the handle still works.
    // SAFETY: live handle, static request, valid out-pointer.
    let status = unsafe { scopeon_query(db, c"{}".as_ptr(), &mut out) };
    assert_eq!(status, SCOPEON_OK);
    take(out).unwrap();
    // SAFETY: `db` is live and not used again.
    assert_eq!(unsafe { scopeon_db_close(db) }, SCOPEON_OK);
}

#[test]
fn messages_never_carry_a_nul() {
    assert_eq!(
        guard::call("scopeon_test", || Err(guard::Failure::invalid("a\0b"))),
        SCOPEON_E_INVALID_ARGUMENT
    );
    assert_eq!(thread_error().unwrap(), "a\u{FFFD}b");
}

#[test]
fn last_errors_start_empty_and_survive_success() {
    std::thread::spawn(|| {
        assert_eq!(thread_error(), None);
        let db = open_memory();
        assert_eq!(db_error(db), None);
        let mut out = ptr::null_mut();
        // SAFETY: live handle, static request, valid out-pointer.
        let status = unsafe { scopeon_query(db, c"{".as_ptr(), &mut out) };
        assert_eq!(status, SCOPEON_E_JSON);
        assert!(out.is_null());
        // SAFETY: as above.
        let status = unsafe { scopeon_query(db, c"{}".as_ptr(), &mut out) };
        assert_eq!(status, SCOPEON_OK);
        take(out).unwrap();
        // Like errno: success does not clear the message.
        assert!(db_error(db).unwrap().contains("invalid query request"));
        assert!(thread_error().unwrap().contains("invalid query request"));
        // SAFETY: `db` is live and not used again.
        assert_eq!(unsafe { scopeon_db_close(db) }, SCOPEON_OK);
    })
    .join()
    .unwrap();
}

#[test]
fn a_handle_in_use_by_another_thread_is_busy_not_a_race() {
    let db = open_memory();
    // SAFETY: `db` is live for this whole test.
    let handle = unsafe { &*db };
    let held = handle.store.lock().unwrap();
    let mut out = ptr::null_mut();
    // SAFETY: live handle, static request, valid out-pointer.
    let status = unsafe { scopeon_query(db, c"{}".as_ptr(), &mut out) };
    assert_eq!(status, SCOPEON_E_BUSY);
    assert!(db_error(db).unwrap().contains("in use by another thread"));
    // SAFETY: live handle; closing a busy handle is refused and leaves it open.
    assert_eq!(unsafe { scopeon_db_close(db) }, SCOPEON_E_BUSY);
    drop(held);
    // SAFETY: `db` is still live (the close above was refused) and not used again.
    assert_eq!(unsafe { scopeon_db_close(db) }, SCOPEON_OK);
}

#[test]
fn a_handle_poisoned_by_a_panic_reports_it_until_closed() {
    let db = open_memory();
    let addr = db as usize;
    std::thread::spawn(move || {
        // SAFETY: the handle outlives this thread, which the test joins.
        let handle = unsafe { &*(addr as *const ScopeonDb) };
        let _held = handle.store.lock().unwrap();
        panic!("poison the store");
    })
    .join()
    .unwrap_err();
    let mut out = ptr::null_mut();
    // SAFETY: live handle, valid out-pointer.
    let status = unsafe { scopeon_providers(db, &mut out) };
    assert_eq!(status, SCOPEON_E_PANIC);
    assert!(db_error(db).unwrap().contains("close it"));
    // SAFETY: `db` is live and not used again.
    assert_eq!(unsafe { scopeon_db_close(db) }, SCOPEON_OK);
}

#[test]
fn null_arguments_are_errors_and_frees_of_null_are_no_ops() {
    let mut out = ptr::null_mut();
    // SAFETY: NULL pointers are part of the contract being tested.
    unsafe {
        assert_eq!(scopeon_version(ptr::null_mut()), SCOPEON_E_NULL);
        assert_eq!(scopeon_abi_version(ptr::null_mut()), SCOPEON_E_NULL);
        assert_eq!(
            scopeon_db_open(ptr::null(), ptr::null_mut()),
            SCOPEON_E_NULL
        );
        assert_eq!(
            scopeon_scan(ptr::null_mut(), ptr::null(), &mut out),
            SCOPEON_E_NULL
        );
        assert!(
            thread_error()
                .unwrap()
                .contains("scopeon_scan: db must not be NULL")
        );
        assert_eq!(
            scopeon_query(ptr::null_mut(), c"{}".as_ptr(), &mut out),
            SCOPEON_E_NULL
        );
        assert_eq!(scopeon_providers(ptr::null_mut(), &mut out), SCOPEON_E_NULL);
        assert_eq!(scopeon_price(ptr::null(), &mut out), SCOPEON_E_NULL);
        assert_eq!(
            scopeon_price(c"claude-sonnet-4-5".as_ptr(), ptr::null_mut()),
            SCOPEON_E_NULL
        );
        assert_eq!(scopeon_db_last_error(ptr::null(), &mut out), SCOPEON_E_NULL);
        assert_eq!(scopeon_last_error(ptr::null_mut()), SCOPEON_E_NULL);
        assert!(out.is_null());
        assert_eq!(scopeon_db_close(ptr::null_mut()), SCOPEON_OK);
        assert_eq!(scopeon_string_free(ptr::null_mut()), SCOPEON_OK);
    }
    let db = open_memory();
    // SAFETY: live handle; NULL request/out pointers under test.
    unsafe {
        assert_eq!(scopeon_query(db, ptr::null(), &mut out), SCOPEON_E_NULL);
        assert_eq!(
            scopeon_query(db, c"{}".as_ptr(), ptr::null_mut()),
            SCOPEON_E_NULL
        );
        assert_eq!(
            scopeon_scan(db, ptr::null(), ptr::null_mut()),
            SCOPEON_E_NULL
        );
        assert_eq!(scopeon_providers(db, ptr::null_mut()), SCOPEON_E_NULL);
        assert_eq!(scopeon_db_last_error(db, ptr::null_mut()), SCOPEON_E_NULL);
        assert_eq!(scopeon_db_close(db), SCOPEON_OK);
    }
}

#[test]
fn invalid_utf8_is_an_error() {
    let bad = CString::new(vec![b'a', 0xff, b'b']).unwrap();
    let mut out = ptr::null_mut();
    // SAFETY: a valid C string (not UTF-8) and a valid out-pointer.
    assert_eq!(
        unsafe { scopeon_price(bad.as_ptr(), &mut out) },
        SCOPEON_E_UTF8
    );
    assert!(thread_error().unwrap().contains("offset 1"));
    let mut db = ptr::null_mut();
    // SAFETY: as above.
    assert_eq!(
        unsafe { scopeon_db_open(bad.as_ptr(), &mut db) },
        SCOPEON_E_UTF8
    );
    assert!(db.is_null());
}

#[test]
fn versions() {
    let mut v: *const c_char = ptr::null();
    let mut abi = 0;
    // SAFETY: valid out-pointers; the version string is static.
    unsafe {
        assert_eq!(scopeon_version(&mut v), SCOPEON_OK);
        assert_eq!(
            CStr::from_ptr(v).to_str().unwrap(),
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(scopeon_abi_version(&mut abi), SCOPEON_OK);
    }
    assert_eq!(abi, SCOPEON_ABI_VERSION);
}

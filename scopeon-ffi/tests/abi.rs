//! The C functions called as a C program would, over a fixture log directory: scan, report,
//! blocks, context, providers, price, and the JSON documents they return.
//!
//! The process environment is shared by the tests of this binary, so nothing here sets it:
//! logs are reached through the scan request's `roots` and the zone is named in each query.

use std::ffi::{CStr, CString, c_char};
use std::path::Path;
use std::ptr;

use scopeon::*;
use serde_json::{Value, json};

const LOG: &str = concat!(
    r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"r1","timestamp":"2026-11-20T10:00:00Z","message":{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":20}}}"#,
    "\n",
    // A second copy of the same request: counted once.
    r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"r1","timestamp":"2026-11-20T10:00:01Z","message":{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":20}}}"#,
    "\n",
    r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"r2","timestamp":"2026-11-21T09:00:00Z","message":{"id":"m2","model":"claude-opus-4-1","usage":{"input_tokens":5,"cache_read_input_tokens":100,"output_tokens":7}}}"#,
    "\n",
    "not json\n",
);

struct Fixture {
    dir: tempfile::TempDir,
    db: *mut ScopeonDb,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("claude/projects/-home-dev-app");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(project.join("s1.jsonl"), LOG).unwrap();
        let path = CString::new(dir.path().join("db/scopeon.db").to_str().unwrap()).unwrap();
        let mut db = ptr::null_mut();
        // SAFETY: a valid C string and out-pointer.
        let status = unsafe { scopeon_db_open(path.as_ptr(), &mut db) };
        assert_eq!(status, SCOPEON_OK, "{:?}", last_error());
        Fixture { dir, db }
    }

    fn root(&self) -> String {
        self.dir.path().join("claude").to_str().unwrap().to_owned()
    }

    fn scan(&self) -> Value {
        let request =
            json!({ "providers": ["claude_code"], "roots": { "claude_code": [self.root()] } });
        self.call_json(|db, out| {
            let request = CString::new(request.to_string()).unwrap();
            // SAFETY: live handle, valid C string and out-pointer.
            unsafe { scopeon_scan(db, request.as_ptr(), out) }
        })
        .unwrap()
    }

    fn query(&self, request: &Value) -> Result<Value, (ScopeonStatus, String)> {
        let request = CString::new(request.to_string()).unwrap();
        self.call_json(|db, out| {
            // SAFETY: live handle, valid C string and out-pointer.
            unsafe { scopeon_query(db, request.as_ptr(), out) }
        })
    }

    fn call_json(
        &self,
        f: impl FnOnce(*mut ScopeonDb, *mut *mut c_char) -> ScopeonStatus,
    ) -> Result<Value, (ScopeonStatus, String)> {
        let mut out = ptr::null_mut();
        let status = f(self.db, &mut out);
        if status != SCOPEON_OK {
            assert!(out.is_null());
            return Err((status, db_last_error(self.db).unwrap()));
        }
        Ok(serde_json::from_str(&take(out).unwrap()).unwrap())
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // SAFETY: the handle is live and not used again.
        assert_eq!(unsafe { scopeon_db_close(self.db) }, SCOPEON_OK);
    }
}

fn take(s: *mut c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    // SAFETY: a live string Scopeon returned, read then freed once.
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
    // SAFETY: as above.
    unsafe { scopeon_string_free(s) };
    Some(text)
}

fn last_error() -> Option<String> {
    let mut m = ptr::null_mut();
    // SAFETY: a valid out-pointer.
    assert_eq!(unsafe { scopeon_last_error(&mut m) }, SCOPEON_OK);
    take(m)
}

fn db_last_error(db: *const ScopeonDb) -> Option<String> {
    let mut m = ptr::null_mut();
    // SAFETY: a live handle and a valid out-pointer.
    assert_eq!(unsafe { scopeon_db_last_error(db, &mut m) }, SCOPEON_OK);
    take(m)
}

fn validate_report(doc: &Value) {
    validate(doc, "scopeon.report.v1");
}

/// Validates a document against its committed schema (`schemas/<name>.schema.json`).
fn validate(doc: &Value, name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas")
        .join(format!("{name}.schema.json"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

#[test]
fn scan_then_report_by_day_and_model() {
    let fx = Fixture::new();
    let scan = fx.scan();
    assert_eq!(scan["schema"], "scopeon.scan.v1");
    assert_eq!(scan["files"], 1);
    let provider = &scan["providers"][0];
    assert_eq!(provider["provider"], "claude_code");
    assert_eq!(provider["new_records"], 2);
    assert_eq!(provider["skipped"]["invalid_json"], 1);
    assert_eq!(provider["roots"][0]["exists"], true);

    let doc = fx
        .query(&json!({ "schema": "scopeon.query.v1", "by": ["day", "model"], "tz": "UTC" }))
        .unwrap();
    validate_report(&doc);
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "schema",
            "group_by",
            "timezone",
            "since",
            "until",
            "cost_mode",
            "generated_at",
            "scopeon_version",
            "pricing_version",
            "cost_basis",
            "demo",
            "scan",
            "rows",
            "totals"
        ]
    );
    assert_eq!(doc["scan"], Value::Null);
    assert_eq!(doc["demo"], false);
    assert_eq!(doc["timezone"], "UTC");
    assert_eq!(doc["rows"].as_array().unwrap().len(), 2);
    assert_eq!(
        doc["rows"][0]["key"],
        json!({ "day": "2026-11-20", "model": "claude-sonnet-4-5" })
    );
    assert_eq!(doc["totals"]["requests"], 2);
    assert_eq!(doc["totals"]["total_tokens"], 142);
    assert!(doc["totals"]["cost_usd"].as_f64().unwrap() > 0.0);

    // A second scan finds nothing new; the same report comes back.
    assert_eq!(fx.scan()["providers"][0]["new_records"], 0);
    let again = fx
        .query(&json!({ "by": "day,model", "tz": "UTC" }))
        .unwrap();
    assert_eq!(again["rows"], doc["rows"]);
    assert_eq!(again["totals"], doc["totals"]);
}

/// The same request through the library's front door, on the same database: the C ABI's
/// document is the one `scopeon blocks --json` / `scopeon context --json` print.
fn front_door(fx: &Fixture) -> scopeon_core::Scopeon {
    scopeon_core::Scopeon::builder()
        .db(fx.dir.path().join("db/scopeon.db").to_str().unwrap())
        .open()
        .unwrap()
}

#[test]
fn blocks_and_context_through_scopeon_query() {
    let fx = Fixture::new();
    fx.scan();
    let now = "2026-11-21T09:10:00Z";
    let blocks = fx
        .query(
            &json!({ "schema": "scopeon.blocks_request.v1", "providers": "claude_code",
                        "token_limit": "max", "gaps": true, "now": now }),
        )
        .unwrap();
    validate(&blocks, "scopeon.blocks.v1");
    let direct = front_door(&fx)
        .blocks(
            &scopeon_core::BlocksRequest::new()
                .providers(["claude_code"])
                .token_limit("max")
                .gaps(true)
                .now(now.parse().unwrap()),
        )
        .unwrap()
        .to_document();
    assert_eq!(blocks, direct);
    assert_eq!(blocks["generated_at"], now);
    let list = blocks["blocks"].as_array().unwrap();
    // Two estimated blocks, each starting at its first request, and the gap between them.
    let spans: Vec<(&str, &str, bool)> = list
        .iter()
        .map(|b| {
            (
                b["start"].as_str().unwrap(),
                b["end"].as_str().unwrap(),
                b["is_gap"] == true,
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            ("2026-11-20T10:00:00Z", "2026-11-20T15:00:00Z", false),
            ("2026-11-20T15:00:00Z", "2026-11-21T09:00:00Z", true),
            ("2026-11-21T09:00:00Z", "2026-11-21T14:00:00Z", false),
        ]
    );
    assert_eq!(list[0]["source"], "estimated");
    assert_eq!(list[0]["total_tokens"], 30);
    assert_eq!(list[2]["is_active"], true);
    // `max` is the largest completed block: the first.
    assert_eq!(list[2]["token_limit"]["limit"], 30);
    assert_eq!(list[2]["token_limit"]["status"], "exceeds");

    let active = fx
        .query(&json!({ "schema": "scopeon.blocks_request.v1", "active": true, "now": now }))
        .unwrap();
    assert_eq!(active["blocks"].as_array().unwrap().len(), 1);

    let context = fx
        .query(&json!({ "schema": "scopeon.context_request.v1", "now": now }))
        .unwrap();
    validate(&context, "scopeon.context.v1");
    let direct = front_door(&fx)
        .context(&scopeon_core::ContextRequest::new().now(now.parse().unwrap()))
        .unwrap()
        .to_document();
    assert_eq!(context, direct);
    let session = &context["sessions"][0];
    assert_eq!(session["session"], "s1");
    assert_eq!(session["model"], "claude-opus-4-1");
    assert_eq!(session["context_tokens"], 105);
    assert_eq!(session["last_request"], "2026-11-21T09:00:00Z");
    let narrow = |extra: Value| {
        let mut request = json!({ "schema": "scopeon.context_request.v1", "now": now });
        request
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        fx.query(&request).unwrap()["sessions"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(narrow(json!({ "active_minutes": 5 })), 0);
    assert_eq!(narrow(json!({ "session": "s2" })), 0);
    assert_eq!(narrow(json!({ "provider": "codex" })), 0);
    assert_eq!(
        narrow(json!({ "providers": ["claude_code"], "session": "s1" })),
        1
    );
}

#[test]
fn bad_blocks_and_context_requests_name_the_field() {
    let fx = Fixture::new();
    let cases = [
        (
            json!({ "schema": "scopeon.blocks_request.v1", "active": "yes" }),
            SCOPEON_E_JSON,
            "invalid blocks request: field `active`: invalid type",
        ),
        (
            json!({ "schema": "scopeon.blocks_request.v1", "gap": true }),
            SCOPEON_E_JSON,
            "unknown field `gap`",
        ),
        (
            json!({ "schema": "scopeon.blocks_request.v1", "since": "yesterday" }),
            SCOPEON_E_INVALID_ARGUMENT,
            "field `since`: invalid time \"yesterday\"",
        ),
        (
            json!({ "schema": "scopeon.blocks_request.v1", "token_limit": "lots" }),
            SCOPEON_E_INVALID_ARGUMENT,
            "field `token_limit`: invalid token limit",
        ),
        (
            json!({ "schema": "scopeon.blocks_request.v1", "providers": ["codexx"] }),
            SCOPEON_E_INVALID_ARGUMENT,
            "field `providers`: unknown provider \"codexx\"",
        ),
        (
            json!({ "schema": "scopeon.blocks_request.v1", "now": "noon" }),
            SCOPEON_E_INVALID_ARGUMENT,
            "field `now`",
        ),
        (
            json!({ "schema": "scopeon.context_request.v1", "active_minutes": "30" }),
            SCOPEON_E_JSON,
            "invalid context request: field `active_minutes`",
        ),
        (
            json!({ "schema": "scopeon.context_request.v1", "provider": "nope" }),
            SCOPEON_E_INVALID_ARGUMENT,
            "field `providers`: unknown provider \"nope\"",
        ),
        (
            json!({ "schema": "scopeon.blocks_request.v2" }),
            SCOPEON_E_INVALID_ARGUMENT,
            "scopeon.blocks_request.v1",
        ),
        // Without its schema a blocks request is a report query, which has no `active`.
        (
            json!({ "active": true }),
            SCOPEON_E_JSON,
            "unknown field `active`",
        ),
    ];
    for (request, status, needle) in cases {
        let (got, message) = fx.query(&request).unwrap_err();
        assert_eq!(got, status, "{request}: {message}");
        assert!(message.contains(needle), "{request}: {message}");
        assert_eq!(last_error().unwrap(), message);
    }
}

#[test]
fn report_filters_and_windows_mirror_the_cli_flags() {
    let fx = Fixture::new();
    fx.scan();
    let totals = |request: Value| fx.query(&request).unwrap()["totals"]["requests"].clone();
    assert_eq!(
        totals(json!({ "by": [], "model": "claude-opus-4-1", "tz": "UTC" })),
        1
    );
    assert_eq!(
        totals(json!({ "by": "", "models": ["x", "claude-opus-4-1"], "tz": "UTC" })),
        1
    );
    assert_eq!(
        totals(json!({ "by": [], "provider": "claude_code", "tz": "UTC" })),
        2
    );
    assert_eq!(
        totals(json!({ "by": [], "project": "/elsewhere", "tz": "UTC" })),
        0
    );
    assert_eq!(
        totals(json!({ "since": "2026-11-21", "until": "20261121", "tz": "UTC" })),
        1
    );
    let doc = fx
        .query(&json!({ "since": "2026-11-21", "by": ["week", "provider"], "tz": "Europe/Berlin", "cost": "auto" }))
        .unwrap();
    validate_report(&doc);
    assert_eq!(doc["since"], "2026-11-20T23:00:00Z");
    assert_eq!(doc["cost_mode"], "auto");
    assert_eq!(doc["group_by"], json!(["week", "provider"]));
    assert_eq!(
        doc["rows"][0]["key"],
        json!({ "week": "2026-W47", "provider": "claude_code" })
    );
}

#[test]
fn bad_requests_are_json_or_argument_errors_with_messages() {
    let fx = Fixture::new();
    let cases = [
        (
            json!({ "sinc": "7d" }),
            SCOPEON_E_JSON,
            "unknown field `sinc`",
        ),
        (
            json!({ "by": 3 }),
            SCOPEON_E_JSON,
            "a string, an array of strings",
        ),
        (json!([]), SCOPEON_E_JSON, "invalid query request"),
        (
            json!({ "by": ["dya"] }),
            SCOPEON_E_INVALID_ARGUMENT,
            "unknown grouping key \"dya\"",
        ),
        (
            json!({ "tz": "Mars/Base" }),
            SCOPEON_E_INVALID_ARGUMENT,
            "unknown time zone",
        ),
        (
            json!({ "since": "yesterday" }),
            SCOPEON_E_INVALID_ARGUMENT,
            "invalid time",
        ),
        (
            json!({ "cost": "cheap" }),
            SCOPEON_E_INVALID_ARGUMENT,
            "unknown cost mode",
        ),
        (
            json!({ "provider": "codexx" }),
            SCOPEON_E_INVALID_ARGUMENT,
            "unknown provider",
        ),
        (
            json!({ "schema": "scopeon.query.v9" }),
            SCOPEON_E_INVALID_ARGUMENT,
            "unsupported request schema",
        ),
    ];
    for (request, status, needle) in cases {
        let (got, message) = fx.query(&request).unwrap_err();
        assert_eq!(got, status, "{request}: {message}");
        assert!(message.contains(needle), "{request}: {message}");
        assert_eq!(last_error().unwrap(), message);
    }
    let scan = |request: &str| {
        fx.call_json(|db, out| {
            let request = CString::new(request).unwrap();
            // SAFETY: live handle, valid C string and out-pointer.
            unsafe { scopeon_scan(db, request.as_ptr(), out) }
        })
    };
    assert_eq!(
        scan("{\"providers\": [\"nope\"]}").unwrap_err().0,
        SCOPEON_E_INVALID_ARGUMENT
    );
    assert_eq!(
        scan("{\"roots\": {\"nope\": []}}").unwrap_err().0,
        SCOPEON_E_INVALID_ARGUMENT
    );
    assert_eq!(
        scan("{\"rebuild\": \"yes\"}").unwrap_err().0,
        SCOPEON_E_JSON
    );
    assert_eq!(scan("").unwrap_err().0, SCOPEON_E_JSON);
}

#[test]
fn providers_lists_roots_files_and_records() {
    let fx = Fixture::new();
    fx.scan();
    let doc = fx
        .call_json(|db, out| {
            // SAFETY: live handle and valid out-pointer.
            unsafe { scopeon_providers(db, out) }
        })
        .unwrap();
    assert_eq!(doc["schema"], "scopeon.providers.v1");
    let claude = &doc["providers"][0];
    assert_eq!(claude["provider"], "claude_code");
    assert_eq!(claude["records"], 2);
    assert_eq!(claude["files_tracked"], 1);
    assert!(claude["roots"].is_array());
    assert!(claude["enabled"].is_boolean());
}

#[test]
fn price_resolves_spellings_and_refuses_unknown_models() {
    let price = |model: &str| {
        let model = CString::new(model).unwrap();
        let mut out = ptr::null_mut();
        // SAFETY: valid C string and out-pointer.
        let status = unsafe { scopeon_price(model.as_ptr(), &mut out) };
        (
            status,
            take(out).map(|s| serde_json::from_str::<Value>(&s).unwrap()),
        )
    };
    let (status, doc) = price("claude-sonnet-4-5-20250929");
    assert_eq!(status, SCOPEON_OK);
    let doc = doc.unwrap();
    assert_eq!(doc["schema"], "scopeon.price.v1");
    assert_eq!(doc["canonical"], "claude-sonnet-4-5");
    assert_eq!(doc["regional_uplift"], false);
    assert_eq!(doc["rates"]["input"], "3");
    assert_eq!(doc["rates"]["cache_read"], "0.3");
    assert_eq!(doc["long_context"]["above_tokens"], 200_000);

    let (status, doc) = price("us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert_eq!(status, SCOPEON_OK);
    let doc = doc.unwrap();
    assert_eq!(doc["regional_uplift"], true);
    assert_eq!(doc["rates"]["input"], "3.3");

    let (status, doc) = price("gpt-nonexistent");
    assert_eq!((status, doc), (SCOPEON_E_UNKNOWN_MODEL, None));
    assert!(
        last_error()
            .unwrap()
            .contains("unknown model \"gpt-nonexistent\"")
    );
}

#[test]
fn open_errors() {
    let dir = tempfile::tempdir().unwrap();
    let open = |path: &str| {
        let path = CString::new(path).unwrap();
        let mut db = ptr::null_mut();
        // SAFETY: valid C string and out-pointer.
        let status = unsafe { scopeon_db_open(path.as_ptr(), &mut db) };
        assert!(db.is_null() || status == SCOPEON_OK);
        if !db.is_null() {
            // SAFETY: live handle, not used again.
            unsafe { scopeon_db_close(db) };
        }
        (status, last_error().unwrap_or_default())
    };
    assert_eq!(open("").0, SCOPEON_E_INVALID_ARGUMENT);
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    // A path below a regular file cannot be created.
    assert_eq!(open(&format!("{}/db", file.display())).0, SCOPEON_E_IO);
    // Not a database at all.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 4096]).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&garbage, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(open(garbage.to_str().unwrap()).0, SCOPEON_E_DATABASE);
        let shared = dir.path().join("shared.db");
        std::fs::write(&shared, "").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o666)).unwrap();
        let (status, message) = open(shared.to_str().unwrap());
        assert_eq!(status, SCOPEON_E_UNSAFE_DATABASE, "{message}");
    }
}

//! A provider defined outside Scopeon, for a tiny line format made up here, registered and
//! scanned like a built-in one: checkpointed, resumed after an append, deduplicated across
//! files, reported and filtered by its id, listed by the providers document, forgotten for
//! good; and the registry refusing ids it must not take.

use camino::Utf8PathBuf;
use scopeon_core::env::Env;
use scopeon_core::provider::{
    LineOutcome, LineParser, Provider, Providers, RegisterError, SkipReason, SourceContext,
    StateError,
};
use scopeon_core::record::{ProviderId, TokenCounts, UsageRecord};
use scopeon_core::scan::{ScanOptions, ScanSummary, providers_document, scan};
use scopeon_core::store::{ForgetFilter, GroupKey, ReportQuery, Store};

const ACME: ProviderId = ProviderId::custom("acme_agent");

/// The made-up format: `#` comments, a `session <id>` line, then one line per request,
/// `<timestamp ms> <request id> <model> <input tokens> <output tokens>`. The session is named
/// once per file, so resuming mid-file needs the parser's state.
#[derive(Debug)]
struct Acme;

impl Provider for Acme {
    fn id(&self) -> ProviderId {
        ACME
    }

    fn parser_version(&self) -> u32 {
        1
    }

    fn default_roots(&self, env: &Env) -> Vec<Utf8PathBuf> {
        env.home()
            .map(|h| vec![h.join(".acme")])
            .unwrap_or_default()
    }

    fn file_patterns(&self) -> &'static [&'static str] {
        &["logs/*.log"]
    }

    fn parser(
        &self,
        _ctx: &SourceContext,
        state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        let session = match state {
            None | Some([]) => None,
            Some(bytes) => {
                Some(String::from_utf8(bytes.to_vec()).map_err(|_| StateError { provider: ACME })?)
            }
        };
        Ok(Box::new(AcmeParser { session }))
    }
}

struct AcmeParser {
    session: Option<String>,
}

impl LineParser for AcmeParser {
    fn parse_line(&mut self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome {
        let Ok(line) = std::str::from_utf8(line) else {
            return LineOutcome::Skipped(SkipReason::InvalidJson);
        };
        if line.starts_with('#') {
            return LineOutcome::Ignored;
        }
        if let Some(session) = line.strip_prefix("session ") {
            self.session = Some(session.to_owned());
            return LineOutcome::Ignored;
        }
        let fields: Vec<&str> = line.split(' ').collect();
        let [ts, id, model, input, output] = fields[..] else {
            return LineOutcome::Skipped(SkipReason::MissingField);
        };
        let (Ok(ts), Ok(input), Ok(output)) = (ts.parse(), input.parse(), output.parse()) else {
            return LineOutcome::Skipped(SkipReason::MissingField);
        };
        out.push(UsageRecord {
            provider: ACME,
            session: self.session.clone().unwrap_or_else(|| "no-session".into()),
            project: None,
            model: Some(model.to_owned()),
            timestamp_ms: ts,
            dedup_key: id.to_owned(),
            message_id: None,
            flags: Default::default(),
            tokens: TokenCounts {
                input,
                output,
                ..TokenCounts::default()
            },
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        });
        LineOutcome::Records(1)
    }

    fn state(&self) -> Vec<u8> {
        self.session.clone().unwrap_or_default().into_bytes()
    }
}

// 2026-11-20T10:00:00Z and a day later.
const DAY1: i64 = 1_795_168_800_000;
const DAY2: i64 = DAY1 + 86_400_000;

struct Home {
    _dir: tempfile::TempDir,
    home: Utf8PathBuf,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        Home { _dir: dir, home }
    }

    fn env(&self) -> Env {
        Env::isolated(self.home.as_str())
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn append(&self, rel: &str, text: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.home.join(rel))
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }
}

fn acme_options() -> ScanOptions {
    ScanOptions::new().register(Acme).unwrap().only([ACME])
}

fn run(store: &mut Store, env: &Env, options: &ScanOptions) -> ScanSummary {
    let summary = scan(store, env, options, &mut |_| {}).unwrap();
    assert_eq!(summary.providers.len(), 1);
    assert_eq!(summary.providers[0].provider, ACME);
    summary
}

fn usage(ts: i64, id: &str, input: u64, output: u64) -> String {
    format!("{ts} {id} claude-sonnet-4-5 {input} {output}\n")
}

/// (key, requests, input, output) per group of a report over `providers`.
fn report(
    store: &Store,
    by: Vec<GroupKey>,
    providers: Vec<ProviderId>,
) -> Vec<(String, u64, u64, u64)> {
    let report = store
        .report(&ReportQuery::new().group_by(by).providers(providers))
        .unwrap();
    report
        .rows
        .iter()
        .map(|r| {
            let key: Vec<String> = r.key.iter().map(|(_, v)| v.clone().unwrap()).collect();
            (
                key.join(" "),
                r.totals.requests,
                r.totals.input_tokens,
                r.totals.output_tokens,
            )
        })
        .collect()
}

/// (requests, input, output) over the stored requests of `providers` (all when empty).
fn totals(store: &Store, providers: Vec<ProviderId>) -> (u64, u64, u64) {
    let t = store
        .report(&ReportQuery::new().group_by(Vec::new()).providers(providers))
        .unwrap()
        .totals;
    (t.requests, t.input_tokens, t.output_tokens)
}

#[test]
fn a_registered_provider_is_scanned_resumed_deduplicated_and_reported() {
    let h = Home::new();
    let env = h.env();
    let options = acme_options();
    // The session is named like the mark older Scopeons stored for a document skipped for
    // its size: the scanner keeps its own mark apart, so this state must come back as it is.
    h.write(
        ".acme/logs/a.log",
        &format!(
            "# acme-agent log\nsession too_long:42\n{}{}not a usage line\n",
            usage(DAY1, "r1", 100, 10),
            usage(DAY1 + 1, "r2", 200, 20),
        ),
    );
    let mut store = Store::open(&h.home.join("db/scopeon.db")).unwrap();
    let first = run(&mut store, &env, &options);
    let p = &first.providers[0];
    assert_eq!((p.files, p.files_read, p.new_records), (1, 1, 2));
    assert_eq!(p.skipped.get(SkipReason::MissingField), 1);
    assert_eq!(p.roots[0].path, h.home.join(".acme"));

    // Nothing changed: the file is not even opened, nothing is added.
    let second = run(&mut store, &env, &options);
    let p = &second.providers[0];
    assert_eq!((p.files_unchanged, p.files_read, p.new_records), (1, 0, 0));
    assert_eq!(p.skipped.total(), 0);

    // Appended lines are read from the checkpoint, with the session from the parser's state.
    h.append(".acme/logs/a.log", &usage(DAY2, "r3", 300, 30));
    let resumed = run(&mut store, &env, &options);
    let p = &resumed.providers[0];
    assert_eq!((p.files_read, p.files_restarted), (1, 0));
    assert_eq!((p.lines, p.records_read, p.new_records), (1, 1, 1));
    assert_eq!(
        report(&store, vec![GroupKey::Session], vec![]),
        [("too_long:42".to_owned(), 3, 600, 60)]
    );

    // Another file replaying r2 (and its own r4): one request each, the copy read last wins.
    h.write(
        ".acme/logs/b.log",
        &format!(
            "session too_long:42\n{}{}",
            usage(DAY1 + 1, "r2", 200, 25),
            usage(DAY2, "r4", 5, 5)
        ),
    );
    let dedup = run(&mut store, &env, &options);
    let p = &dedup.providers[0];
    assert_eq!((p.files_read, p.records_read, p.new_records), (1, 2, 1));

    // Reported by its id: grouped by provider and day, and filtered by it.
    assert_eq!(
        report(&store, vec![GroupKey::Provider, GroupKey::Day], vec![]),
        [
            ("acme_agent 2026-11-20".to_owned(), 2, 300, 35),
            ("acme_agent 2026-11-21".to_owned(), 2, 305, 35),
        ]
    );
    assert_eq!(totals(&store, vec![ACME]), (4, 605, 70));
    assert_eq!(totals(&store, vec![ProviderId::Codex]), (0, 0, 0));

    // The providers document lists it after the built-in ones, with what is stored.
    let doc = providers_document(&store, &env, &options).unwrap();
    let listed = doc["providers"].as_array().unwrap();
    assert_eq!(listed.len(), ProviderId::ALL.len() + 1);
    let acme = listed.last().unwrap();
    assert_eq!(acme["provider"], "acme_agent");
    assert_eq!(acme["enabled"], true);
    assert_eq!(acme["detected"], true);
    assert_eq!(
        (acme["files"].as_u64(), acme["records"].as_u64()),
        (Some(2), Some(4))
    );
    assert_eq!(acme["skipped_lines"]["missing_field"], 1);
    // Built-in ones are not enabled by an options value that names only it.
    assert_eq!(listed[0]["enabled"], false);
}

#[test]
fn a_forgotten_request_of_a_registered_provider_stays_forgotten() {
    let h = Home::new();
    let env = h.env();
    let options = acme_options();
    h.write(
        ".acme/logs/a.log",
        &format!(
            "session s\n{}{}",
            usage(DAY1, "r1", 1, 1),
            usage(DAY2, "r2", 2, 2)
        ),
    );
    let mut store = Store::open(&h.home.join("db/scopeon.db")).unwrap();
    run(&mut store, &env, &options);
    let stats = store
        .forget(&ForgetFilter {
            providers: vec![ACME],
            before_ms: Some(DAY2),
            ..ForgetFilter::default()
        })
        .unwrap();
    assert_eq!((stats.forgotten, stats.remaining), (1, 1));
    // Re-reading the log from its start stores nothing it had forgotten.
    let rebuilt = run(&mut store, &env, &options.clone().rebuild(true));
    assert_eq!(rebuilt.providers[0].records_read, 2);
    assert_eq!(totals(&store, vec![ACME]), (1, 2, 2));
}

#[test]
fn the_registry_refuses_builtin_and_duplicate_ids() {
    #[derive(Debug)]
    struct Impostor;
    impl Provider for Impostor {
        fn id(&self) -> ProviderId {
            ProviderId::ClaudeCode
        }
        fn parser_version(&self) -> u32 {
            1
        }
        fn default_roots(&self, _env: &Env) -> Vec<Utf8PathBuf> {
            Vec::new()
        }
        fn file_patterns(&self) -> &'static [&'static str] {
            &[]
        }
        fn parser(
            &self,
            ctx: &SourceContext,
            state: Option<&[u8]>,
        ) -> Result<Box<dyn LineParser>, StateError> {
            Acme.parser(ctx, state)
        }
    }

    let e = ScanOptions::new().register(Impostor).unwrap_err();
    assert_eq!(e, RegisterError::Builtin(ProviderId::ClaudeCode));
    let e = acme_options().register(Acme).unwrap_err();
    assert_eq!(e, RegisterError::Duplicate(ACME));
    let mut registry = Providers::builtin();
    registry.register(Acme).unwrap();
    assert_eq!(registry.register(Acme), Err(RegisterError::Duplicate(ACME)));
    assert_eq!(registry.parse("acme_agent"), Some(ACME));
    // A built-in id cannot even be made into a custom one.
    assert!(ProviderId::try_custom("claude_code").is_err());
    assert!(ProviderId::try_custom("Acme-Agent").is_err());

    // Scanning a provider that was never registered is an error, not a silent no-op.
    let h = Home::new();
    let mut store = Store::open_in_memory().unwrap();
    let err = scan(
        &mut store,
        &h.env(),
        &ScanOptions::new().only([ACME]),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("acme_agent is not registered"),
        "{err}"
    );
    // A registry kept by the application can be handed to the options whole.
    let options = ScanOptions::new().registry(registry).only([ACME]);
    assert!(options.enabled(ACME));
}

//! The usage counters for a team's monitoring (docs/teams.md): the Prometheus exposition of
//! `scopeon serve`'s `/metrics`, and OTLP pushes (`scopeon export otlp`, `scopeon serve
//! --otlp-endpoint`).
//!
//! The numbers come from the front door (`Scopeon::metrics`); this module only writes them
//! down. One job per file: `prometheus.rs` (the text exposition), `otlp.rs` (the OTLP
//! messages and their encodings), `target.rs` (endpoint, headers and protocol from flags
//! and `OTEL_EXPORTER_OTLP_*`), `push.rs` (the HTTP POST through curl, with retries).

pub mod otlp;
pub mod prometheus;
pub mod push;
pub mod target;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use scopeon_core::Scopeon;
use scopeon_core::env::Env;
use scopeon_core::metrics::{MetricsRequest, MetricsSnapshot, MonotonicCounters};

use crate::Failure;
use crate::args::{Global, OtlpExportArgs, ServeArgs};
use otlp::ResourceInfo;
use target::{Given, Target};

/// What a long-running server keeps for its metrics: whether series carry projects, and the
/// counters it has served (so they never go down while it runs).
#[derive(Debug)]
pub struct Served {
    pub projects: bool,
    counters: Mutex<MonotonicCounters>,
}

impl Served {
    pub fn new(projects: bool) -> Served {
        Served {
            projects,
            counters: Mutex::new(MonotonicCounters::new()),
        }
    }

    /// A snapshot from `scopeon`, held up by the counters served before.
    pub fn snapshot(&self, scopeon: &Scopeon) -> scopeon_core::Result<MetricsSnapshot> {
        let snapshot = scopeon.metrics(&MetricsRequest::new().projects(self.projects))?;
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        Ok(counters.hold(snapshot))
    }
}

/// The machine's name for `host.name`: the one given, else the kernel's.
fn host_name(given: &str) -> Result<String, Failure> {
    if !given.is_empty() {
        return Ok(given.to_owned());
    }
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        })
        .ok_or_else(|| {
            Failure::usage("cannot tell this machine's name; give it: --resource-host-name NAME")
        })
}

fn resource(host: Option<&str>) -> Result<ResourceInfo, Failure> {
    Ok(ResourceInfo {
        host_name: host.map(host_name).transpose()?,
    })
}

/// Nanoseconds since the Unix epoch of a millisecond time (0 before it).
fn unix_nano(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0).saturating_mul(1_000_000)
}

/// The body of one push: encoded and gzipped.
fn body(snapshot: &MetricsSnapshot, start_ms: i64, target: &Target, res: &ResourceInfo) -> Vec<u8> {
    let request = otlp::request(snapshot, unix_nano(start_ms), res);
    otlp::gzip(&otlp::encode(&request, target.protocol))
}

/// `scopeon export otlp`: scans (unless `--no-scan`), takes a snapshot and pushes it once.
///
/// The points' start time is the earliest stored request's: the same from one run to the
/// next, so a collector or backend sees pushes from cron as one series rather than a reset
/// each time (docs/teams.md, "Start time").
pub fn export_otlp(global: &Global, args: &OtlpExportArgs, env: &Env) -> Result<(), Failure> {
    if global.json || global.csv {
        return Err(Failure::usage(
            "export otlp sends OTLP to a collector; it has no --json or --csv",
        ));
    }
    let given = Given {
        endpoint: args.endpoint.clone(),
        protocol: args.protocol.clone(),
        headers: args.headers.clone(),
    };
    let target = target::resolve(&given, env).map_err(Failure::usage)?;
    let res = resource(args.resource_host_name.as_deref())?;
    let mut scopeon = crate::open(global, env)?;
    if !args.no_scan {
        crate::run_scan(&mut scopeon, &scopeon_core::ScanRequest::new())?;
    }
    let snapshot = scopeon.metrics(&MetricsRequest::new())?;
    let start_ms = snapshot
        .earliest_request_ms
        .unwrap_or_else(|| snapshot.generated_at.as_millisecond());
    let payload = body(&snapshot, start_ms, &target, &res);
    match push::push(&target, &payload, &push::RetryPolicy::default()) {
        Ok(_) => {
            eprintln!(
                "scopeon export otlp: sent {} series to {}",
                snapshot.series.len(),
                target::redacted(&target.url)
            );
            Ok(())
        }
        Err(message) => Err(Failure {
            message: format!("scopeon export otlp: {message}"),
            code: 1,
        }),
    }
}

/// `--otlp-interval`: `90`, `90s`, `5m`, `1h`.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("--otlp-interval {s:?}: use a number of seconds or 60s, 5m, 1h"))?;
    let secs = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => None,
    }
    .filter(|&secs| secs >= 1)
    .ok_or_else(|| format!("--otlp-interval {s:?}: use 1s or more, as 60s, 5m or 1h"))?;
    Ok(Duration::from_secs(secs))
}

/// A periodic pusher for `scopeon serve --otlp-endpoint`, checked before the server listens.
#[derive(Debug)]
pub struct Pusher {
    target: Target,
    interval: Duration,
    resource: ResourceInfo,
}

impl Pusher {
    /// `None` without `--otlp-endpoint`; an error for a bad flag or variable.
    pub fn from_args(args: &ServeArgs, env: &Env) -> Result<Option<Pusher>, Failure> {
        let Some(endpoint) = &args.otlp_endpoint else {
            return Ok(None);
        };
        let given = Given {
            endpoint: Some(endpoint.clone()),
            protocol: args.otlp_protocol.clone(),
            headers: args.otlp_headers.clone(),
        };
        Ok(Some(Pusher {
            target: target::resolve(&given, env).map_err(Failure::usage)?,
            interval: parse_interval(&args.otlp_interval).map_err(Failure::usage)?,
            resource: resource(args.resource_host_name.as_deref())?,
        }))
    }

    /// Pushes every interval, first one interval after the start, on a thread of its own,
    /// until the process ends. The start time is the process's: a restart is a reset, which
    /// is how data forgotten meanwhile shows (docs/teams.md). A failed push is reported on
    /// stderr; the next one sends the same totals and whatever was added since.
    pub fn start(self, db: Arc<Mutex<Scopeon>>, served: Arc<Served>) {
        let started_ms = jiff::Timestamp::now().as_millisecond();
        let spawned = std::thread::Builder::new()
            .name("scopeon-otlp".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(self.interval);
                    let snapshot = {
                        let scopeon = db.lock().unwrap_or_else(|e| e.into_inner());
                        served.snapshot(&scopeon)
                    };
                    let snapshot = match snapshot {
                        Ok(s) => s,
                        Err(e) => {
                            eprintln!("scopeon serve: warning: no OTLP push this time: {e}");
                            continue;
                        }
                    };
                    let payload = body(&snapshot, started_ms, &self.target, &self.resource);
                    if let Err(message) =
                        push::push(&self.target, &payload, &push::RetryPolicy::default())
                    {
                        eprintln!("scopeon serve: warning: OTLP push failed: {message}");
                    }
                }
            });
        if let Err(e) = spawned {
            eprintln!("scopeon serve: warning: cannot start the OTLP pusher: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("60s").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_interval("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_interval("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_interval("1h").unwrap(), Duration::from_secs(3600));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("1d").is_err());
        assert!(parse_interval("s").is_err());
    }
}

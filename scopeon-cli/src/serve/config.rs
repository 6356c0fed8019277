//! What `scopeon serve` was asked to do, checked before anything listens (docs/serve.md,
//! "Starting"): the addresses, the tier, the secret and the extra Host names. A setting that
//! would expose data without a secret is refused here, exit 2.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use camino::Utf8Path;
use scopeon_core::env::Env;

use crate::Failure;
use crate::args::ServeArgs;

/// The environment variable that carries the secret.
pub const SECRET_VAR: &str = "SCOPEON_SECRET";

/// How much the server answers (docs/serve.md, "Tiers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// `/health`, `/openapi.json` and the dashboard page.
    Health = 0,
    /// Aggregates: reports without sessions or projects, blocks, the live stream.
    Aggregate = 1,
    /// Per-session metadata: sessions, projects, context.
    Sessions = 2,
}

impl Tier {
    fn from_number(n: u8) -> Tier {
        match n {
            0 => Tier::Health,
            1 => Tier::Aggregate,
            _ => Tier::Sessions,
        }
    }

    /// The tier as the documents show it.
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// The checked settings.
#[derive(Debug)]
pub struct Settings {
    /// The addresses to listen on (two with `--lan`: IPv6 first, then IPv4).
    pub addrs: Vec<IpAddr>,
    pub port: u16,
    pub tier: Tier,
    /// The secret every tier 1 and 2 request must carry, when one is set.
    pub secret: Option<Secret>,
    /// Host header names accepted besides the loopback names and the connection's own
    /// address (`--allow-host`), lowercase.
    pub allowed_hosts: Vec<String>,
    pub max_connections: usize,
    pub rate_limit: u32,
    /// The time zone of calendar days when a request names none (`--tz`).
    pub tz: Option<String>,
}

/// A secret, kept out of `Debug` output so that no log line can show it.
pub struct Secret(Vec<u8>);

impl Secret {
    /// Whether `given` is the secret. The time taken depends on the secret's length only,
    /// not on where `given` first differs, so a client cannot guess it byte by byte.
    pub fn matches(&self, given: &[u8]) -> bool {
        let mut diff = u8::from(given.len() != self.0.len());
        for (i, b) in self.0.iter().enumerate() {
            diff |= b ^ given.get(i).copied().unwrap_or(!b);
        }
        std::hint::black_box(diff) == 0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Settings {
    /// Checks `args` (and `$SCOPEON_SECRET`); a refusal is a usage failure (exit 2).
    pub fn from_args(args: &ServeArgs, tz: Option<String>, env: &Env) -> Result<Settings, Failure> {
        let addrs = if args.lan {
            vec![
                IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            ]
        } else {
            vec![args.bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))]
        };
        let tier = Tier::from_number(args.tier);
        let secret = secret(args, env)?;
        let exposed = addrs.iter().any(|a| !a.is_loopback());
        if exposed && tier > Tier::Health && secret.is_none() {
            return Err(Failure::usage(format!(
                "refusing to serve tier {} on a non-loopback address without a secret: set ${SECRET_VAR} or --secret-file PATH (a 0600 file), or use --tier 0",
                tier.number()
            )));
        }
        if args.metrics_projects && tier < Tier::Sessions {
            return Err(Failure::usage(
                "--metrics-projects puts project paths on /metrics, which tier 2 guards: add --tier 2",
            ));
        }
        let mut allowed_hosts = Vec::new();
        for name in &args.allow_hosts {
            let name = name.trim().to_ascii_lowercase();
            if name.is_empty() || name.contains([':', '/', ' ', '@']) {
                return Err(Failure::usage(
                    "--allow-host takes a host name without port or scheme, e.g. --allow-host mybox.local",
                ));
            }
            allowed_hosts.push(name);
        }
        Ok(Settings {
            addrs,
            port: args.port,
            tier,
            secret,
            allowed_hosts,
            max_connections: args.max_connections as usize,
            rate_limit: args.rate_limit,
            tz,
        })
    }
}

/// The secret from `--secret-file`, `--secret` (with a warning) or `$SCOPEON_SECRET`, in that
/// order; an empty one is refused.
fn secret(args: &ServeArgs, env: &Env) -> Result<Option<Secret>, Failure> {
    let value = if let Some(path) = &args.secret_file {
        Some(read_secret_file(path)?)
    } else if let Some(value) = &args.secret {
        eprintln!(
            "scopeon serve: warning: --secret puts the secret in the process list, where other local users can read it; prefer ${SECRET_VAR} or --secret-file"
        );
        Some(value.clone())
    } else {
        env.var(SECRET_VAR).map(str::to_owned)
    };
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Err(Failure::usage(
            "the secret is empty: put at least one character in it (16 random ones or more are better)",
        )),
        Some(v) => Ok(Some(Secret(v.trim().as_bytes().to_vec()))),
    }
}

/// The first line of the file, which only its owner may read.
fn read_secret_file(path: &Utf8Path) -> Result<String, Failure> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::usage(format!("cannot read the secret file {path}: {e}")))?;
    if !meta.is_file() {
        return Err(Failure::usage(format!(
            "the secret file {path} is not a regular file"
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Failure::usage(format!(
                "the secret file {path} can be read by other users (mode {mode:03o}): run `chmod 600 {path}`"
            )));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read the secret file {path}: {e}")))?;
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn a_secret_matches_itself_only() {
        let s = Secret(b"correct horse".to_vec());
        assert!(s.matches(b"correct horse"));
        assert!(!s.matches(b"correct hors"));
        assert!(!s.matches(b"correct horsee"));
        assert!(!s.matches(b"Correct horse"));
        assert!(!s.matches(b""));
        assert_eq!(format!("{s:?}"), "Secret(..)");
    }
}

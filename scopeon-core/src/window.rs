//! Time zones, "now", and the `--since` / `--until` window syntax (docs/windows.md).
//!
//! Days are calendar days of the chosen IANA zone, DST included: a day in Europe/Berlin can be
//! 23 or 25 hours long, and its bounds are found by the zone's rules, never by adding 86 400
//! seconds.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::env::Env;
use crate::error::{Error, Result};

/// The environment variable that fixes "now" (RFC 3339) for reproducible tests.
pub const NOW_VAR: &str = "SCOPEON_NOW";

/// A resolved time zone and the name to show for it.
#[derive(Debug, Clone)]
pub struct Zone {
    /// The zone's rules.
    pub tz: TimeZone,
    /// Its IANA name (or `UTC`).
    pub name: String,
    /// Set when the zone had to fall back to UTC; the front-end shows it as a warning.
    pub warning: Option<String>,
}

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone {
            tz: TimeZone::UTC,
            name: "UTC".into(),
            warning: None,
        }
    }

    /// Resolves the zone: `explicit` (`--tz`), else `$TZ`, else the system zone
    /// (`/etc/localtime`), else UTC with a warning.
    pub fn resolve(explicit: Option<&str>, env: &Env) -> Result<Zone> {
        if let Some(name) = explicit {
            return Zone::named(name).ok_or_else(|| {
                Error::InvalidQuery(format!(
                    "unknown time zone {name:?}: use an IANA name such as Europe/Berlin or UTC"
                ))
            });
        }
        let mut warning = None;
        if let Some(name) = env.var("TZ") {
            // POSIX allows a leading ':' before a zone file name.
            if let Some(zone) = Zone::named(name.trim_start_matches(':')) {
                return Ok(zone);
            }
            warning = Some(format!(
                "ignoring TZ={name:?}, which is not an IANA time zone name; using the system zone"
            ));
        }
        if let Ok(tz) = TimeZone::try_system() {
            // A system zone without an IANA name (a copied /etc/localtime) is shown as such.
            let name = tz.iana_name().unwrap_or("localtime").to_owned();
            return Ok(Zone { tz, name, warning });
        }
        Ok(Zone {
            warning: Some(
                "could not determine the local time zone; using UTC (set --tz or $TZ)".into(),
            ),
            ..Zone::utc()
        })
    }

    /// The zone with this IANA name, if the tz database knows it.
    pub fn named(name: &str) -> Option<Zone> {
        let tz = TimeZone::get(name).ok()?;
        Some(Zone {
            name: tz.iana_name().unwrap_or(name).to_owned(),
            tz,
            warning: None,
        })
    }
}

/// "Now": `$SCOPEON_NOW` when set (RFC 3339), else the system clock.
pub fn now(env: &Env) -> Result<Timestamp> {
    match env.var(NOW_VAR) {
        Some(s) => s.parse::<Timestamp>().map_err(|_| {
            Error::InvalidQuery(format!(
                "{NOW_VAR}={s:?} is not an RFC 3339 time such as 2026-11-27T12:00:00Z"
            ))
        }),
        None => Ok(Timestamp::now()),
    }
}

/// Which end of a window a bound is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// `--since`: the instant the window starts (inclusive).
    Since,
    /// `--until`: the instant the window ends (exclusive; a date includes its whole day).
    Until,
}

/// Parses a window bound: `YYYY-MM-DD`, `YYYYMMDD`, `Nd` (N calendar days including today),
/// `Nw` (7N days likewise), `Nh` (rolling hours), or an RFC 3339 instant.
///
/// Dates are local days in `zone`, both ends inclusive: `--until 2026-11-21` ends at the start
/// of 2026-11-22, and `--until 1d` at the end of today.
pub(crate) fn parse_bound(
    spec: &str,
    bound: Bound,
    zone: &Zone,
    now: Timestamp,
) -> Result<Timestamp> {
    let s = spec.trim();
    let bad = || {
        Error::InvalidQuery(format!(
            "invalid time {spec:?}: use YYYY-MM-DD, YYYYMMDD, Nd (days), Nw (weeks), Nh (hours) or an RFC 3339 time"
        ))
    };
    if let Some(n) = s.strip_suffix('h') {
        let hours: i64 = n.parse().map_err(|_| bad())?;
        if !(0..=24 * 366 * 100).contains(&hours) {
            return Err(bad());
        }
        return now.checked_sub(hours.hours()).map_err(|_| bad());
    }
    let days_back = if let Some(n) = s.strip_suffix('d') {
        Some(n.parse::<i64>().map_err(|_| bad())?)
    } else if let Some(n) = s.strip_suffix('w') {
        Some(n.parse::<i64>().map_err(|_| bad())?.saturating_mul(7))
    } else {
        None
    };
    let date = if let Some(days) = days_back {
        if !(1..=366 * 100).contains(&days) {
            return Err(bad());
        }
        let today = now.to_zoned_datetime(zone.tz.clone()).date();
        today.checked_sub((days - 1).days()).map_err(|_| bad())?
    } else if let Ok(d) = s.parse::<Date>() {
        d
    } else if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let y: i16 = s[..4].parse().map_err(|_| bad())?;
        let m: i8 = s[4..6].parse().map_err(|_| bad())?;
        let d: i8 = s[6..].parse().map_err(|_| bad())?;
        Date::new(y, m, d).map_err(|_| bad())?
    } else if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(ts);
    } else {
        return Err(bad());
    };
    let day = match bound {
        Bound::Since => date,
        Bound::Until => date.tomorrow().map_err(|_| bad())?,
    };
    start_of_day(day, zone).ok_or_else(bad)
}

/// The instant a local calendar day starts in `zone` (the first instant of the day, even when a
/// DST change skips midnight).
pub(crate) fn start_of_day(date: Date, zone: &Zone) -> Option<Timestamp> {
    date.to_zoned_datetime(zone.tz.clone())
        .and_then(|z| z.start_of_day())
        .ok()
        .map(|z| z.timestamp())
}

/// Spans of constant UTC offset covering `[from_ms, to_ms)`: `(start_ms, end_ms, offset_ms)`.
///
/// Queries join records against these few rows to turn instants into local days, weeks and
/// months inside SQL, so no record is loaded into memory to be bucketed.
pub(crate) fn offset_spans(tz: &TimeZone, from_ms: i64, to_ms: i64) -> Vec<(i64, i64, i64)> {
    let clamp = |ms: i64| {
        Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
    };
    let from = clamp(from_ms);
    let offset_ms = |ts: Timestamp| i64::from(tz.to_offset(ts).seconds()) * 1000;
    let mut spans = Vec::new();
    let mut start = from_ms;
    let mut offset = offset_ms(from);
    for transition in tz.following(from) {
        let at = transition.timestamp().as_millisecond();
        if at >= to_ms {
            break;
        }
        spans.push((start, at, offset));
        start = at;
        offset = i64::from(transition.offset().seconds()) * 1000;
    }
    spans.push((start, to_ms, offset));
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Zone {
        Zone::named("Europe/Berlin").unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn dates_are_local_day_bounds() {
        let now = ts("2026-11-27T10:00:00Z");
        let z = berlin();
        assert_eq!(
            parse_bound("2026-11-21", Bound::Since, &z, now).unwrap(),
            ts("2026-11-20T23:00:00Z")
        );
        assert_eq!(
            parse_bound("20261121", Bound::Until, &z, now).unwrap(),
            ts("2026-11-21T23:00:00Z")
        );
        // 7d = today and the six days before it, from local midnight.
        assert_eq!(
            parse_bound("7d", Bound::Since, &z, now).unwrap(),
            ts("2026-11-20T23:00:00Z")
        );
        assert_eq!(
            parse_bound("1w", Bound::Since, &z, now).unwrap(),
            ts("2026-11-20T23:00:00Z")
        );
        assert_eq!(
            parse_bound("1d", Bound::Until, &z, now).unwrap(),
            ts("2026-11-27T23:00:00Z")
        );
        assert_eq!(
            parse_bound("5h", Bound::Since, &z, now).unwrap(),
            ts("2026-11-27T05:00:00Z")
        );
        for bad in ["", "0d", "xd", "2026-13-01", "yesterday", "-3h", "20261341"] {
            assert!(parse_bound(bad, Bound::Since, &z, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn dst_days_are_23_and_25_hours() {
        let z = berlin();
        let day = |d: &str| start_of_day(d.parse().unwrap(), &z).unwrap();
        let len = |a: &str, b: &str| (day(b).as_second() - day(a).as_second()) / 3600;
        assert_eq!(len("2026-03-29", "2026-03-30"), 23);
        assert_eq!(len("2026-10-25", "2026-10-26"), 25);
        assert_eq!(len("2026-11-25", "2026-11-26"), 24);
    }

    #[test]
    fn offset_spans_follow_transitions() {
        let z = berlin();
        let from = ts("2026-03-01T00:00:00Z").as_millisecond();
        let to = ts("2026-12-01T00:00:00Z").as_millisecond();
        let spans = offset_spans(&z.tz, from, to);
        assert_eq!(spans.len(), 3);
        assert_eq!(spans[0].2, 3_600_000);
        assert_eq!(spans[1].2, 7_200_000);
        assert_eq!(spans[1].0, ts("2026-03-29T01:00:00Z").as_millisecond());
        assert_eq!(spans[2].0, ts("2026-10-25T01:00:00Z").as_millisecond());
        assert_eq!(spans[2].1, to);
        assert_eq!(offset_spans(&TimeZone::UTC, 0, 10), vec![(0, 10, 0)]);
    }

    #[test]
    fn zone_resolution_order() {
        let env = Env::isolated("/h").with_vars(&[("TZ", "Asia/Tokyo")]);
        assert_eq!(Zone::resolve(Some("UTC"), &env).unwrap().name, "UTC");
        assert_eq!(Zone::resolve(None, &env).unwrap().name, "Asia/Tokyo");
        assert!(Zone::resolve(Some("Mars/Base"), &env).is_err());
        let bad = Env::isolated("/h").with_vars(&[("TZ", "Mars/Base")]);
        assert!(Zone::resolve(None, &bad).unwrap().warning.is_some());
        let env = Env::isolated("/h").with_vars(&[("SCOPEON_NOW", "2026-01-02T03:04:05Z")]);
        assert_eq!(now(&env).unwrap(), ts("2026-01-02T03:04:05Z"));
    }
}

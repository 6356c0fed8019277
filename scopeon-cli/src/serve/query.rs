//! Query strings into the front door's requests, with the CLI's names and meanings
//! (docs/serve.md, "Endpoints"): `by` and `provider` take comma lists, `project` and `model`
//! repeat, booleans are `true` or `false`. Unknown or repeated single parameters are refused
//! by name (a name from the list, never the client's text); values are checked by the core.

use scopeon_core::{BlocksRequest, ContextRequest, ReportRequest};

use super::config::Tier;
use super::error::Problem;

/// Report parameters (`/api/v1/report`), as `scopeon report`'s flags.
pub const REPORT: &[&str] = &[
    "since", "until", "by", "provider", "project", "model", "tz", "cost",
];
/// Block parameters (`/api/v1/blocks`), as `scopeon blocks`'s flags.
pub const BLOCKS: &[&str] = &[
    "since",
    "until",
    "provider",
    "active",
    "recent",
    "token_limit",
    "floor_hour",
    "gaps",
    "tz",
];
/// Session list parameters (`/api/v1/sessions`).
pub const SESSIONS: &[&str] = &["since", "until", "provider", "project", "tz"];
/// Context parameters (`/api/v1/context`), as `scopeon context`'s.
pub const CONTEXT: &[&str] = &["provider"];
/// Grouping keys that name sessions or projects: tier 2 only.
pub const PRIVATE_KEYS: &[&str] = &["project", "session"];

/// A parsed query string, every pair in order.
#[derive(Debug)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `raw`, refusing names outside `accepted`.
    pub fn parse(raw: Option<&str>, accepted: &'static [&'static str]) -> Result<Params, Problem> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if pairs.iter().any(|(k, _)| !accepted.contains(&k.as_str())) {
            return Err(Problem::BadQuery(format!(
                "unknown query parameter; this endpoint takes {}",
                accepted.join(", ")
            )));
        }
        Ok(Params(pairs))
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The values of a comma-list parameter such as `provider`; an empty item is refused (an
    /// empty list would silently mean "all").
    fn ids(&self, name: &'static str) -> Result<Vec<String>, Problem> {
        let values = self.all(name);
        if values
            .iter()
            .any(|v| v.split(',').any(|id| id.trim().is_empty()))
        {
            return Err(Problem::BadQuery(format!(
                "the query parameter {name} is a comma list without empty items"
            )));
        }
        Ok(values)
    }

    fn one(&self, name: &'static str) -> Result<Option<String>, Problem> {
        let mut values = self.all(name);
        if values.len() > 1 {
            return Err(Problem::BadQuery(format!(
                "the query parameter {name} is given more than once"
            )));
        }
        Ok(values.pop())
    }

    fn flag(&self, name: &'static str) -> Result<bool, Problem> {
        match self.one(name)?.as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(Problem::BadQuery(format!(
                "the query parameter {name} is true or false"
            ))),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// `/api/v1/report`: `scopeon report`'s request. Below tier 2, no grouping or filtering by
/// project or session.
pub fn report(p: &Params, tier: Tier, tz: Option<&str>) -> Result<ReportRequest, Problem> {
    let mut r = ReportRequest::new()
        .providers(p.ids("provider")?)
        .projects(p.all("project"))
        .models(p.all("model"));
    if let Some(by) = p.one("by")? {
        r = r.by([by]);
    }
    if tier < Tier::Sessions
        && (p.has("project")
            || r.by
                .iter()
                .any(|k| PRIVATE_KEYS.contains(&k.trim().to_ascii_lowercase().as_str())))
    {
        return Err(Problem::AboveTier(
            "projects and sessions need tier 2 (scopeon serve --tier 2)",
        ));
    }
    r.cost = p.one("cost")?;
    r.since = p.one("since")?;
    r.until = p.one("until")?;
    r.tz = p.one("tz")?.or_else(|| tz.map(str::to_owned));
    Ok(r)
}

/// `/api/v1/sessions`: one row per session, with its provider and project.
pub fn sessions(p: &Params, tz: Option<&str>) -> Result<ReportRequest, Problem> {
    let mut r = ReportRequest::new()
        .by(["session", "provider", "project"])
        .providers(p.ids("provider")?)
        .projects(p.all("project"));
    r.since = p.one("since")?;
    r.until = p.one("until")?;
    r.tz = p.one("tz")?.or_else(|| tz.map(str::to_owned));
    Ok(r)
}

/// `/api/v1/blocks`: `scopeon blocks`'s request.
pub fn blocks(p: &Params, tz: Option<&str>) -> Result<BlocksRequest, Problem> {
    let mut r = BlocksRequest::new()
        .providers(p.ids("provider")?)
        .active(p.flag("active")?)
        .recent(p.flag("recent")?)
        .floor_hour(p.flag("floor_hour")?)
        .gaps(p.flag("gaps")?);
    r.since = p.one("since")?;
    r.until = p.one("until")?;
    r.token_limit = p.one("token_limit")?;
    r.tz = p.one("tz")?.or_else(|| tz.map(str::to_owned));
    Ok(r)
}

/// `/api/v1/context`: `scopeon context`'s request.
pub fn context(p: &Params) -> Result<ContextRequest, Problem> {
    Ok(ContextRequest::new().providers(p.ids("provider")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_parameters_read_as_the_cli_flags() {
        let p = Params::parse(
            Some("by=model,day&provider=codex,claude_code&model=a&model=b&since=7d"),
            REPORT,
        )
        .unwrap();
        let r = report(&p, Tier::Aggregate, Some("UTC")).unwrap();
        assert_eq!(r.by, ["model", "day"]);
        assert_eq!(r.providers, ["codex", "claude_code"]);
        assert_eq!(r.models, ["a", "b"]);
        assert_eq!(r.since.as_deref(), Some("7d"));
        assert_eq!(r.tz.as_deref(), Some("UTC"));
        let defaults =
            report(&Params::parse(None, REPORT).unwrap(), Tier::Aggregate, None).unwrap();
        assert_eq!(defaults, ReportRequest::new());
        let totals = report(
            &Params::parse(Some("by="), REPORT).unwrap(),
            Tier::Aggregate,
            None,
        );
        assert!(totals.unwrap().by.is_empty());
    }

    #[test]
    fn unknown_and_repeated_parameters_are_refused_without_echo() {
        let Err(Problem::BadQuery(m)) = Params::parse(Some("<script>=1"), REPORT) else {
            panic!("accepted")
        };
        assert!(!m.contains("script"));
        let p = Params::parse(Some("since=1d&since=2d"), REPORT).unwrap();
        assert!(matches!(
            report(&p, Tier::Sessions, None),
            Err(Problem::BadQuery(_))
        ));
        let p = Params::parse(Some("provider="), CONTEXT).unwrap();
        assert!(matches!(context(&p), Err(Problem::BadQuery(_))));
        let p = Params::parse(Some("active=yes"), BLOCKS).unwrap();
        assert!(matches!(blocks(&p, None), Err(Problem::BadQuery(_))));
    }

    #[test]
    fn projects_and_sessions_need_tier_2() {
        for q in ["by=project", "by=day,Session", "project=x"] {
            let p = Params::parse(Some(q), REPORT).unwrap();
            assert!(
                matches!(
                    report(&p, Tier::Aggregate, None),
                    Err(Problem::AboveTier(_))
                ),
                "{q}"
            );
            assert!(report(&p, Tier::Sessions, None).is_ok(), "{q}");
        }
    }
}

//! What every handler shares: the settings, the database handle that answers, the ingestion
//! thread's freshness, the rate limiter and the route table's tiers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use scopeon_core::Scopeon;
use serde_json::Value;
use tokio::sync::watch;

use super::config::{Settings, Tier};
use super::error::Problem;
use super::limits::RateLimiter;
use crate::ingest::Freshness;

/// The handlers' state (cheap to clone).
pub type AppState = Arc<Shared>;

#[derive(Debug)]
pub struct Shared {
    pub settings: Settings,
    /// Queries take turns on it in blocking threads; the ingestion thread has its own.
    pub db: Arc<Mutex<Scopeon>>,
    pub freshness: Freshness,
    pub limiter: RateLimiter,
    pub routes: RouteTiers,
    /// `/metrics` and the OTLP pusher: the counters served so far (`crate::metrics`).
    pub metrics: Arc<crate::metrics::Served>,
    /// Becomes true when the server is asked to stop: live streams close.
    pub stopping: watch::Receiver<bool>,
}

/// Each path's tier, from the route table (`routes.rs`).
#[derive(Debug)]
pub struct RouteTiers(pub HashMap<&'static str, Tier>);

impl RouteTiers {
    /// The tier of `path`; `None`: no such endpoint.
    pub fn tier_of(&self, path: &str) -> Option<Tier> {
        self.0.get(path).copied()
    }
}

impl Shared {
    /// Runs `query` on the database in a blocking thread (SQLite does not yield).
    pub async fn query<T, F>(&self, query: F) -> Result<T, Problem>
    where
        T: Send + 'static,
        F: FnOnce(&Scopeon) -> Result<T, Problem> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || {
            let scopeon = db.lock().unwrap_or_else(|e| e.into_inner());
            query(&scopeon)
        })
        .await
        .unwrap_or_else(|e| {
            eprintln!("scopeon serve: warning: a query did not complete: {e}");
            Err(Problem::Internal)
        })
    }

    /// When the stored data was last brought up to date, as documents say it.
    pub fn data_as_of(&self) -> Value {
        self.freshness
            .data_as_of()
            .as_ref()
            .map_or(Value::Null, |t: &Timestamp| Value::from(t.to_string()))
    }
}

//! The store side of alerts (docs/alerts.md, "Firing once" and "Delivery"): what fired, the
//! delivery queue, and each webhook's last outcome.
//!
//! An alert is recorded as fired and queued for its webhooks in one transaction, with
//! `INSERT OR IGNORE` on (event, subject, period): of two processes that see the same crossing
//! at once, one inserts it and queues it, the other changes nothing. A delivery is claimed
//! (its next attempt pushed past a lease) before it is sent, so two processes never send it
//! at once; a process that dies after sending and before recording the answer leaves the
//! claim to expire, and the next attempt carries the same `webhook-id`.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::Store;
use crate::error::Result;

/// An alert found due by the evaluation.
#[derive(Debug, Clone)]
pub(crate) struct DueAlert {
    pub event: &'static str,
    pub subject: String,
    pub period: String,
    /// Figures only (docs/alerts.md, "Payloads").
    pub payload: serde_json::Value,
    /// Whether it is sent; `false` remembers it as fired without sending it (a warning
    /// passed over by the budget's exceeded alert).
    pub send: bool,
}

/// A queued delivery claimed for sending.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub alert: i64,
    pub endpoint: String,
    pub attempts: u32,
    pub message_id: String,
    pub payload: serde_json::Value,
}

/// A webhook's last outcome.
#[derive(Debug, Clone, Default)]
pub(crate) struct EndpointState {
    pub last_attempt_ms: Option<i64>,
    pub last_status: Option<String>,
    pub last_delivered_ms: Option<i64>,
    pub disabled_config: Option<String>,
}

/// One delivery of a fired alert.
#[derive(Debug, Clone)]
pub(crate) struct QueueRow {
    pub webhook: i64,
    pub state: String,
    pub attempts: u32,
    pub next_attempt_ms: i64,
    pub last_status: Option<String>,
    pub delivered_ms: Option<i64>,
}

/// An alert that fired, with its deliveries.
#[derive(Debug, Clone)]
pub(crate) struct FiredAlert {
    pub event: String,
    pub subject: String,
    pub period: String,
    pub fired_ms: i64,
    pub message_id: String,
    pub payload: serde_json::Value,
    pub deliveries: Vec<QueueRow>,
}

impl Store {
    /// Records each due alert that has not fired yet and queues it for `endpoints` (webhook
    /// position and endpoint hash, already filtered by event) in one transaction. Returns how
    /// many were new and queued.
    pub(crate) fn fire_alerts(
        &mut self,
        due: &[DueAlert],
        endpoints: &dyn Fn(&str) -> Vec<(usize, String)>,
        now_ms: i64,
    ) -> Result<usize> {
        if due.is_empty() {
            return Ok(0);
        }
        let path = self.path.clone();
        let err = |e| crate::error::Error::db(path.clone(), e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut queued = 0;
        {
            let mut fire = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO alerts_fired (event, subject, period, fired_ms, message_id, payload)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            let mut queue = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO alert_queue (alert, endpoint, webhook, state, next_attempt_ms)
                     VALUES (?1, ?2, ?3, 'queued', ?4)",
                )
                .map_err(err)?;
            for d in due {
                let message_id = message_id(d, now_ms);
                let inserted = fire
                    .execute(params![
                        d.event,
                        d.subject,
                        d.period,
                        now_ms,
                        message_id,
                        d.payload.to_string()
                    ])
                    .map_err(err)?;
                if inserted == 0 || !d.send {
                    continue;
                }
                let alert = tx.last_insert_rowid();
                for (webhook, endpoint) in endpoints(d.event) {
                    queue
                        .execute(params![alert, endpoint, webhook as i64, now_ms])
                        .map_err(err)?;
                }
                queued += 1;
            }
        }
        tx.commit().map_err(err)?;
        Ok(queued)
    }

    /// Claims the oldest delivery due at `now_ms` to one of the endpoints in `usable`: its
    /// next attempt moves `lease_ms` ahead and its attempt count up, so no other process
    /// sends it meanwhile.
    pub(crate) fn claim_delivery(
        &mut self,
        usable: &[String],
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<Claimed>> {
        let path = self.path.clone();
        let err = |e| crate::error::Error::db(path.clone(), e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut claimed = None;
        {
            let mut due = tx
                .prepare_cached(
                    "SELECT q.alert, q.endpoint, q.attempts, f.message_id, f.payload
                     FROM alert_queue q JOIN alerts_fired f ON f.id = q.alert
                     WHERE q.state = 'queued' AND q.next_attempt_ms <= ?1
                     ORDER BY q.next_attempt_ms, q.alert",
                )
                .map_err(err)?;
            let rows = due
                .query_map([now_ms], |r| {
                    Ok(Claimed {
                        alert: r.get(0)?,
                        endpoint: r.get(1)?,
                        attempts: r.get(2)?,
                        message_id: r.get(3)?,
                        payload: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
                    })
                })
                .map_err(err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(err)?;
            let mut claim = tx
                .prepare_cached(
                    "UPDATE alert_queue SET next_attempt_ms = ?3, attempts = attempts + 1
                     WHERE alert = ?1 AND endpoint = ?2 AND state = 'queued'",
                )
                .map_err(err)?;
            for mut c in rows {
                if !usable.contains(&c.endpoint) {
                    continue;
                }
                claim
                    .execute(params![c.alert, c.endpoint, now_ms + lease_ms])
                    .map_err(err)?;
                c.attempts += 1;
                claimed = Some(c);
                break;
            }
        }
        tx.commit().map_err(err)?;
        Ok(claimed)
    }

    /// Records how a claimed delivery went: `state` is `delivered`, `queued` (again at
    /// `next_attempt_ms`), `failed` (given up) or `disabled` (the endpoint answered 404/410).
    pub(crate) fn finish_delivery(
        &mut self,
        c: &Claimed,
        state: &str,
        status: &str,
        next_attempt_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        let delivered = (state == "delivered").then_some(now_ms);
        self.conn
            .execute(
                "UPDATE alert_queue SET state = ?3, last_status = ?4, last_attempt_ms = ?5,
                        next_attempt_ms = ?6, delivered_ms = ?7
                 WHERE alert = ?1 AND endpoint = ?2",
                params![
                    c.alert,
                    c.endpoint,
                    state,
                    status,
                    now_ms,
                    next_attempt_ms,
                    delivered
                ],
            )
            .map_err(|e| self.db_err(e))?;
        Ok(())
    }

    /// Records a webhook's latest outcome; `disable_under` marks it disabled for the
    /// configuration with that fingerprint (a 404 or 410).
    pub(crate) fn record_endpoint(
        &mut self,
        endpoint: &str,
        status: &str,
        delivered: bool,
        disable_under: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO alert_endpoints (endpoint, last_attempt_ms, last_status, last_delivered_ms, disabled_config)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (endpoint) DO UPDATE SET
                    last_attempt_ms = excluded.last_attempt_ms,
                    last_status = excluded.last_status,
                    last_delivered_ms = coalesce(excluded.last_delivered_ms, last_delivered_ms),
                    disabled_config = excluded.disabled_config",
                params![
                    endpoint,
                    now_ms,
                    status,
                    delivered.then_some(now_ms),
                    disable_under
                ],
            )
            .map_err(|e| self.db_err(e))?;
        if disable_under.is_some() {
            // What was queued for it is dropped too: sent once the configuration changes, it
            // would report periods that are over.
            self.conn
                .execute(
                    "UPDATE alert_queue SET state = 'disabled'
                     WHERE endpoint = ?1 AND state = 'queued'",
                    [endpoint],
                )
                .map_err(|e| self.db_err(e))?;
        }
        Ok(())
    }

    /// A webhook's last outcome (default when it was never tried).
    pub(crate) fn endpoint_state(&self, endpoint: &str) -> Result<EndpointState> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_attempt_ms, last_status, last_delivered_ms, disabled_config
                 FROM alert_endpoints WHERE endpoint = ?1",
                [endpoint],
                |r| {
                    Ok(EndpointState {
                        last_attempt_ms: r.get(0)?,
                        last_status: r.get(1)?,
                        last_delivered_ms: r.get(2)?,
                        disabled_config: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.db_err(e))?
            .unwrap_or_default())
    }

    /// Whether anything is queued and due by `now_ms` (cheap: one index probe).
    pub(crate) fn deliveries_due(&self, now_ms: i64) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM alert_queue WHERE state = 'queued' AND next_attempt_ms <= ?1)",
                [now_ms],
                |r| r.get(0),
            )
            .map_err(|e| self.db_err(e))
    }

    /// The latest `limit` alerts that fired, newest first, with their deliveries.
    pub(crate) fn fired_alerts(&self, limit: u32) -> Result<Vec<FiredAlert>> {
        let err = |e| self.db_err(e);
        let mut st = self
            .conn
            .prepare(
                "SELECT id, event, subject, period, fired_ms, message_id, payload FROM alerts_fired
                 ORDER BY fired_ms DESC, id DESC LIMIT ?1",
            )
            .map_err(err)?;
        let alerts = st
            .query_map([limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    FiredAlert {
                        event: r.get(1)?,
                        subject: r.get(2)?,
                        period: r.get(3)?,
                        fired_ms: r.get(4)?,
                        message_id: r.get(5)?,
                        payload: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
                        deliveries: Vec::new(),
                    },
                ))
            })
            .map_err(err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err)?;
        let mut q = self
            .conn
            .prepare(
                "SELECT webhook, state, attempts, next_attempt_ms, last_status, delivered_ms
                 FROM alert_queue WHERE alert = ?1 ORDER BY webhook",
            )
            .map_err(err)?;
        let mut out = Vec::with_capacity(alerts.len());
        for (id, mut alert) in alerts {
            alert.deliveries = q
                .query_map([id], |r| {
                    Ok(QueueRow {
                        webhook: r.get(0)?,
                        state: r.get(1)?,
                        attempts: r.get(2)?,
                        next_attempt_ms: r.get(3)?,
                        last_status: r.get(4)?,
                        delivered_ms: r.get(5)?,
                    })
                })
                .map_err(err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(err)?;
            out.push(alert);
        }
        Ok(out)
    }
}

/// The `webhook-id` of an alert: the same for every attempt and every webhook, so a receiver
/// can drop a repeated delivery.
fn message_id(d: &DueAlert, now_ms: i64) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(
        format!(
            "{}\u{0}{}\u{0}{}\u{0}{now_ms}",
            d.event, d.subject, d.period
        )
        .as_bytes(),
    );
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("msg_{hex}")
}

/// The last outcome of each of `endpoints` in the database at `path`, read as `scopeon
/// doctor` reads a database: never created, migrated or written. A database from before
/// alerts existed has no outcome for any.
pub(crate) fn endpoint_states_at(
    path: &camino::Utf8Path,
    endpoints: &[String],
) -> Result<std::collections::HashMap<String, EndpointState>> {
    use rusqlite::{Connection, OpenFlags};
    let db_err = |e| crate::error::Error::db(path.to_owned(), e);
    // As `inspect` opens it: writable only when Scopeon would use the file (so closing
    // removes the -wal and -shm files), never through a symlink, never creating it.
    let safe =
        std::fs::symlink_metadata(path).is_ok_and(|m| super::check_existing(path, &m).is_ok());
    let access = if safe {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    };
    super::check_surroundings(path)?;
    let conn = Connection::open_with_flags(
        super::nofollow_name(path)?,
        access | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )
    .map_err(db_err)?;
    conn.busy_timeout(super::BUSY_TIMEOUT).map_err(db_err)?;
    let exists: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'alert_endpoints')",
            [],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    let mut out = std::collections::HashMap::new();
    if !exists {
        return Ok(out);
    }
    let mut st = conn
        .prepare(
            "SELECT last_attempt_ms, last_status, last_delivered_ms, disabled_config
             FROM alert_endpoints WHERE endpoint = ?1",
        )
        .map_err(db_err)?;
    for e in endpoints {
        let state = st
            .query_row([e], |r| {
                Ok(EndpointState {
                    last_attempt_ms: r.get(0)?,
                    last_status: r.get(1)?,
                    last_delivered_ms: r.get(2)?,
                    disabled_config: r.get(3)?,
                })
            })
            .optional()
            .map_err(db_err)?;
        if let Some(state) = state {
            out.insert(e.clone(), state);
        }
    }
    Ok(out)
}

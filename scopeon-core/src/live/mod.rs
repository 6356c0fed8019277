//! The live layer: how much of an agent's usage window is used and left, and how full each
//! active session's context is (docs/live.md).
//!
//! - [`rate_limits`]: what agents report about their windows, stored as numbers only.
//! - [`blocks`]: five-hour blocks, official where a report covers the time, else estimated.
//! - `blocks_cache`: all-history blocks cached for one data generation.
//! - `provider_blocks`: one provider's blocks over a span, from the cache or a fold.
//! - [`blocks_answer`]: `scopeon blocks` as a request and its `scopeon.blocks.v1` answer.
//! - [`context`]: how full each active session's context is (`scopeon.context.v1`).
//! - [`follow`]: keeping the database fresh while a viewer is open (watch, poll, scan).
//!
//! Everything here is computed from the store with narrow, time-indexed reads: its cost grows
//! with the time range asked about, not with all the history stored.

pub mod blocks;
pub mod blocks_answer;
mod blocks_cache;
pub mod context;
pub mod follow;
mod provider_blocks;
pub mod rate_limits;

pub use blocks::{Block, BlockSource, BurnRate, LongWindow, Projection, TokenLimit};
pub use blocks_answer::{BlocksAnswer, BlocksRequest};
pub use context::{ContextAnswer, ContextRequest, SessionContext};
pub use follow::{FollowOptions, FollowUpdate, Follower};
pub use rate_limits::{FIVE_HOURS_MINUTES, RateLimitSnapshot};

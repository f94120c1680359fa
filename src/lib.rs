//! authsift: finds every HTTP 401 in HAR captures and access logs, decides
//! why each one failed, and summarises the patterns.
//!
//! Data flow (one direction): `input` (paths → bytes) → `har`/`logs`
//! (records) → `exchange::Exchange` → `classify` (cause + evidence) →
//! `summary::State` (a mergeable monoid) → `output`.

#![deny(unsafe_code)]

pub mod analyzer;
pub mod classify;
pub mod cli;
pub mod config;
pub mod error;
pub mod exchange;
pub mod fingerprint;
pub mod har;
pub mod host;
pub mod input;
pub mod logs;
pub mod output;
pub mod partial;
pub mod path;
pub mod progress;
pub mod provenance;
pub mod run;
pub mod runs;
pub mod summary;
pub mod time;
pub mod verdict;

pub use error::{Error, Result};

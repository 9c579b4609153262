//! AllyDB: a Redis-compatible in-memory database server.
//! This file only lists the modules and sets the crate-wide lints; see docs/ARCHITECTURE.md.
#![deny(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod clock;
pub mod commands;
pub mod config;
pub mod config_file;
pub mod fuzzing;
pub mod healthcheck;
pub mod journal;
pub mod limits;
pub mod memory;
pub mod protocol;
pub mod server;
pub mod sha256;
pub mod store;
pub mod sync;

/// The Redis version AllyDB reports (INFO `redis_version`, HELLO `version`): the Redis release
/// whose semantics and reply texts it follows.
pub const REDIS_COMPAT_VERSION: &str = "7.2.6";
/// AllyDB's own version (INFO `allydb_version`).
pub const ALLYDB_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What `allydb --version` prints after the name: AllyDB's version and the Redis release it
/// follows, the two versions INFO `server` reports (`allydb_version`, `redis_version`).
pub fn version_text() -> &'static str {
    static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("{ALLYDB_VERSION} (Redis {REDIS_COMPAT_VERSION} compatible)")
    });
    TEXT.as_str()
}

//! The `allydb` server binary: parse the configuration, start logging, run the server.
use std::process::ExitCode;

use allydb::config::{Config, ParseOutcome};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Counts allocated bytes for INFO `used_memory` and `maxmemory` (allydb::memory).
#[global_allocator]
static ALLOCATOR: allydb::memory::CountingAllocator = allydb::memory::CountingAllocator;

fn main() -> ExitCode {
    let config = match Config::from_args(std::env::args_os()) {
        Ok(ParseOutcome::Run(config)) => *config,
        Ok(ParseOutcome::Print(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("allydb: {error}");
            return ExitCode::from(1);
        }
    };
    let filter = match tracing_subscriber::EnvFilter::try_new(&config.log_level) {
        Ok(filter) => filter,
        Err(_) => {
            eprintln!(
                "allydb: invalid value '{}' for --log-level (ALLYDB_LOG_LEVEL)",
                config.log_level
            );
            return ExitCode::from(1);
        }
    };
    let (filter, reload) = tracing_subscriber::reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout())),
        )
        .init();
    let log_filter: allydb::server::settings::LogFilterHook = Box::new(move |directive: &str| {
        if let Ok(filter) = tracing_subscriber::EnvFilter::try_new(directive) {
            let _ = reload.reload(filter);
        }
    });
    let threads = config.worker_threads();
    let mut builder = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("allydb: cannot start the runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(allydb::server::run(config, Some(log_filter))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("allydb: {error}");
            ExitCode::from(1)
        }
    }
}

//! The `allydb` server binary: parse the configuration, start logging, run the server.
use std::process::ExitCode;

use allydb::config::{Config, ParseOutcome};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Counts allocated bytes for INFO `used_memory` and `maxmemory` (allydb::memory).
#[global_allocator]
static ALLOCATOR: allydb::memory::CountingAllocator = allydb::memory::CountingAllocator;

fn main() -> ExitCode {
    tune_malloc();
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
    if config.ping {
        return ping(&config);
    }
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
    // The command timer measures its rate (about 10 ms) before the first client, not on the
    // first command.
    allydb::clock::start_timer();
    let threads = config.worker_threads();
    let mut builder = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    };
    // A serving thread that runs out of work ends its turn: in `always` mode it syncs the
    // turn's journal records then, as redis-server does before it sleeps.
    let turn_end = allydb::journal::TurnEnd::default();
    let hook = turn_end.clone();
    builder.on_thread_park(move || hook.run());
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("allydb: cannot start the runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(allydb::server::run(config, Some(log_filter), turn_end)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("allydb: {error}");
            ExitCode::from(1)
        }
    }
}

/// `allydb --ping`: the health check (the Dockerfile's HEALTHCHECK) instead of a server.
fn ping(config: &Config) -> ExitCode {
    match allydb::healthcheck::ping(config) {
        Ok(()) => {
            println!("PONG");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("allydb: health check failed: {error}");
            ExitCode::from(1)
        }
    }
}

/// glibc's default mmap threshold is dynamic: after a large buffer is freed, buffers up to that
/// size (up to 32 MiB) come from the heap instead. The journal's group-commit batches and the
/// snapshot's shard blocks are such buffers; in the heap they leave holes between long-lived
/// keys that the heap can never return (memory.sh, 1 M small-hash fields: 70.0 B/field with the
/// dynamic threshold, 44.5 with a fixed 128 KiB one; strings 97.0 -> 85.0 B/key). Fixing the
/// threshold at glibc's initial value keeps every buffer above it in its own mapping. An
/// operator's own `MALLOC_MMAP_THRESHOLD_` or `GLIBC_TUNABLES` setting wins (docs/CONFIGURATION.md).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    const MMAP_THRESHOLD_BYTES: libc::c_int = 128 * 1024;
    let tuned_by_operator = std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("mmap_threshold"));
    if tuned_by_operator {
        return;
    }
    // SAFETY: mallopt only changes allocator parameters; it is called before any other thread
    // exists, and M_MMAP_THRESHOLD with a value in glibc's documented range has no other effect.
    #[expect(unsafe_code, reason = "glibc's mallopt has no safe wrapper")]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}

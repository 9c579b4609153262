//! SLOWLOG (the commands that ran longer than `slowlog-log-slower-than`; entries kept by
//! `server::slowlog`) and LATENCY, Redis's latency monitor. AllyDB records no latency events
//! (Redis's `command`, `fork`, `aof-fsync-always`, ... spikes): LATENCY answers as a Redis
//! whose monitor has seen none, so tools that poll it work (docs/COMMANDS.md). LATENCY
//! HISTOGRAM reports the per-command histograms of `server::histogram`.
use super::errors::{CommandError, CommandResult};
use super::server::{container, reply_help};
use super::table::{self, flags::*, spec, tips, CommandSpec, KeySpan};
use super::Context;
use crate::protocol::number::parse_i64;
use crate::protocol::Args;
use crate::server::histogram;

const G: &str = "server";
const DIAGNOSTICS: u32 = ADMIN | LOADING | STALE;

pub static COMMANDS: &[CommandSpec] = &[
    spec("slowlog", -2, 0, KeySpan::NONE, G, container)
        .doc("2.2.12", "A container for slow log commands.", "Depends on subcommand.", "")
        .subs(SLOWLOG_SUBCOMMANDS),
    spec("latency", -2, 0, KeySpan::NONE, G, container)
        .doc(
            "2.8.13",
            "A container for latency diagnostics commands.",
            "Depends on subcommand.",
            "",
        )
        .subs(LATENCY_SUBCOMMANDS),
];

static SLOWLOG_SUBCOMMANDS: &[CommandSpec] = &[
    spec("slowlog|get", -2, DIAGNOSTICS, KeySpan::NONE, G, slowlog_get)
        .tips(&[tips::REQUEST_ALL_NODES, tips::NONDETERMINISTIC_OUTPUT])
        .doc(
            "2.2.12",
            "Returns the slow log's entries.",
            "O(N) where N is the number of entries returned",
            "[count]",
        ),
    spec("slowlog|len", 2, DIAGNOSTICS, KeySpan::NONE, G, slowlog_len)
        .tips(&[tips::REQUEST_ALL_NODES, tips::RESPONSE_AGG_SUM, tips::NONDETERMINISTIC_OUTPUT])
        .doc("2.2.12", "Returns the number of entries in the slow log.", "O(1)", ""),
    spec("slowlog|reset", 2, DIAGNOSTICS, KeySpan::NONE, G, slowlog_reset)
        .tips(tips::ALL_NODES_ALL_SUCCEEDED)
        .doc(
            "2.2.12",
            "Clears all entries from the slow log.",
            "O(N) where N is the number of entries in the slowlog",
            "",
        ),
    spec("slowlog|help", 2, LOADING | STALE, KeySpan::NONE, G, slowlog_help).doc(
        "6.2.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        "",
    ),
];

static LATENCY_SUBCOMMANDS: &[CommandSpec] = &[
    spec("latency|doctor", 2, DIAGNOSTICS | NOSCRIPT, KeySpan::NONE, G, latency_doctor)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT, tips::REQUEST_ALL_NODES, tips::RESPONSE_SPECIAL])
        .doc("2.8.13", "Returns a human-readable latency analysis report.", "O(1)", ""),
    spec("latency|graph", 3, DIAGNOSTICS | NOSCRIPT, KeySpan::NONE, G, latency_graph)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT, tips::REQUEST_ALL_NODES, tips::RESPONSE_SPECIAL])
        .doc("2.8.13", "Returns a latency graph for an event.", "O(1)", "event"),
    spec("latency|history", 3, DIAGNOSTICS | NOSCRIPT, KeySpan::NONE, G, no_samples)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT, tips::REQUEST_ALL_NODES, tips::RESPONSE_SPECIAL])
        .doc("2.8.13", "Returns timestamp-latency samples for an event.", "O(1)", "event"),
    spec("latency|latest", 2, DIAGNOSTICS | NOSCRIPT, KeySpan::NONE, G, no_samples)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT, tips::REQUEST_ALL_NODES, tips::RESPONSE_SPECIAL])
        .doc("2.8.13", "Returns the latest latency samples for all events.", "O(1)", ""),
    spec("latency|reset", -2, DIAGNOSTICS | NOSCRIPT, KeySpan::NONE, G, latency_reset)
        .tips(&[tips::REQUEST_ALL_NODES, tips::RESPONSE_AGG_SUM])
        .doc(
            "2.8.13",
            "Resets the latency data for one or more events.",
            "O(1)",
            "[event [event ...]]",
        ),
    spec("latency|histogram", -2, DIAGNOSTICS | NOSCRIPT, KeySpan::NONE, G, latency_histogram)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT, tips::REQUEST_ALL_NODES, tips::RESPONSE_SPECIAL])
        .doc(
            "7.0.0",
            "Returns the cumulative distribution of latencies of a subset or all commands.",
            "O(N) where N is the number of commands with latency information being retrieved.",
            "[command [command ...]]",
        ),
    spec("latency|help", 2, LOADING | STALE, KeySpan::NONE, G, latency_help).doc(
        "2.8.13",
        "Returns helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
];

// ------------------------------------------------------------------------------------ SLOWLOG

/// Entries SLOWLOG GET returns without a count (Redis's).
const SLOWLOG_GET_DEFAULT: usize = 10;

/// SLOWLOG GET [count]: newest first, each `[id, unix time, microseconds, arguments, client
/// address, client name]`; a count of -1 returns them all.
fn slowlog_get(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::subcommand_syntax(args.get(0), args.get(1)));
    }
    let count = match args.len() {
        3 => match parse_i64(args.get(2)) {
            Some(-1) => usize::MAX,
            Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
            _ => {
                return Err(CommandError::Static("ERR count should be greater than or equal to -1"))
            }
        },
        _ => SLOWLOG_GET_DEFAULT,
    };
    let entries = ctx.server.slowlog.newest(count);
    ctx.reply.array(entries.len());
    for entry in entries {
        ctx.reply.array(6);
        ctx.reply.integer(i64::try_from(entry.id).unwrap_or(i64::MAX));
        ctx.reply.integer(i64::try_from(entry.unix_s).unwrap_or(i64::MAX));
        ctx.reply.integer(i64::try_from(entry.duration_us).unwrap_or(i64::MAX));
        ctx.reply.array(entry.args.len());
        for arg in &entry.args {
            ctx.reply.bulk(arg);
        }
        ctx.reply.bulk(entry.peer.as_bytes());
        ctx.reply.bulk(&entry.name);
    }
    Ok(())
}

fn slowlog_len(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.reply.integer(i64::try_from(ctx.server.slowlog.len()).unwrap_or(i64::MAX));
    Ok(())
}

fn slowlog_reset(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.server.slowlog.reset();
    ctx.reply.ok();
    Ok(())
}

fn slowlog_help(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    reply_help(
        ctx,
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
    Ok(())
}

// ------------------------------------------------------------------------------------ LATENCY

/// LATENCY DOCTOR: Redis's report when monitoring is off (`latency-monitor-threshold` 0), or
/// when it is on and no event was recorded, which is always the case here.
fn latency_doctor(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let threshold = ctx.server.settings.get("latency-monitor-threshold").unwrap_or_default();
    let report: &[u8] = if parse_i64(threshold.as_bytes()).unwrap_or(0) == 0 {
        b"I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis \
          instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in \
          order to enable it. If we weren't in a deep space mission I'd suggest to take a look \
          at https://redis.io/topics/latency-monitor.\n"
    } else {
        b"Dave, no latency spike was observed during the lifetime of this Redis instance, not \
          in the slightest bit. I honestly think you ought to sit down calmly, take a stress \
          pill, and think things over.\n"
    };
    ctx.reply.verbatim(report);
    Ok(())
}

/// LATENCY GRAPH event: no event has samples.
fn latency_graph(_ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    Err(CommandError::Text(format!(
        "ERR No samples available for event '{}'",
        String::from_utf8_lossy(args.get(2))
    )))
}

/// LATENCY LATEST and LATENCY HISTORY event: no samples.
fn no_samples(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.reply.array(0);
    Ok(())
}

/// LATENCY RESET [event ...]: the number of event series reset, none.
fn latency_reset(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.reply.integer(0);
    Ok(())
}

/// LATENCY HISTOGRAM [command ...]: for each named command (or container: its subcommands
/// too; unknown names are skipped), or every command without names, that recorded a latency:
/// `{calls, histogram_usec: {bucket µs: running count}}` (Redis's `fillCommandCDF`).
fn latency_histogram(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let stats = &ctx.server.stats;
    let histograms: Vec<(&str, Vec<u64>)> = if args.len() == 2 {
        stats.command_histograms()
    } else {
        let mut found = Vec::new();
        for name in args.iter().skip(2) {
            let Some(spec) = table::lookup_full(name) else { continue };
            for row in std::iter::once(spec).chain(spec.subcommands.iter()) {
                if let Some(counts) = stats.command_histogram(row) {
                    found.push((row.name, counts));
                }
            }
        }
        found
    };
    ctx.reply.map(histograms.len());
    for (name, counts) in histograms {
        ctx.reply.bulk(name.as_bytes());
        ctx.reply.map(2);
        ctx.reply.bulk(b"calls");
        ctx.reply.integer(i64::try_from(counts.iter().sum::<u64>()).unwrap_or(i64::MAX));
        ctx.reply.bulk(b"histogram_usec");
        let buckets = histogram::cumulative_usec(&counts);
        ctx.reply.map(buckets.len());
        for (usec, running) in buckets {
            ctx.reply.integer(i64::try_from(usec).unwrap_or(i64::MAX));
            ctx.reply.integer(i64::try_from(running).unwrap_or(i64::MAX));
        }
    }
    Ok(())
}

fn latency_help(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    reply_help(
        ctx,
        "LATENCY",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
    Ok(())
}

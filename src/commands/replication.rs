//! Replication commands: REPLICAOF (and SLAVEOF), REPLCONF, PSYNC and SYNC. The links
//! themselves are `server::replication`; ROLE, INFO replication and WAIT read them.
use super::arguments::{self, is};
use super::errors::{CommandError, CommandResult};
use super::table::{flags::*, spec, CommandSpec, KeySpan};
use super::{Action, Context};
use crate::config::PrimaryAddress;
use crate::protocol::Args;
use crate::server::replication::{PsyncRequest, CAPABILITY};

const G: &str = "server";

pub static COMMANDS: &[CommandSpec] = &[
    // EXCLUSIVE: the role changes between two records a replica applies, never inside one.
    spec(
        "replicaof",
        3,
        ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING | EXCLUSIVE,
        KeySpan::NONE,
        G,
        replicaof,
    )
    .doc(
        "5.0.0",
        "Configures a server as replica of another, or promotes it to a master.",
        "O(1)",
        "<host port | NO ONE>",
    ),
    spec(
        "slaveof",
        3,
        ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING | EXCLUSIVE,
        KeySpan::NONE,
        G,
        replicaof,
    )
    .doc(
        "1.0.0",
        "Sets a Redis server as a replica of another, or promotes it to being a master.",
        "O(1)",
        "<host port | NO ONE>",
    ),
    spec(
        "replconf",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY,
        KeySpan::NONE,
        G,
        replconf,
    )
    .doc("3.0.0", "An internal command for configuring the replication stream.", "O(1)", ""),
    spec("psync", -3, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, KeySpan::NONE, G, psync).doc(
        "2.8.0",
        "An internal command used in replication.",
        "O(1)",
        "replicationid offset",
    ),
    spec("sync", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, KeySpan::NONE, G, sync).doc(
        "1.0.0",
        "An internal command used in replication.",
        "O(1)",
        "",
    ),
];

const NEEDS_JOURNAL: &str =
    "ERR replication needs the journal (--appendonly yes): records are shipped from it";

/// REPLICAOF host port | REPLICAOF NO ONE (and SLAVEOF): Redis's replies. The link starts in
/// the background; `+OK` comes at once.
pub fn replicaof(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let replication = &ctx.server.replication;
    if is(args.get(1), "no") && is(args.get(2), "one") {
        replication.promote(ctx.server.journal());
        ctx.reply.ok();
        return Ok(());
    }
    // Redis's strict integer (no sign, space or leading zero), 0 to 65535.
    let port = arguments::integer(args.get(2)).ok().and_then(|p| u16::try_from(p).ok());
    let Some(port) = port else {
        return Err(CommandError::Static("ERR Invalid master port"));
    };
    if ctx.server.journal().is_none() {
        return Err(CommandError::Static(NEEDS_JOURNAL));
    }
    let host = String::from_utf8_lossy(args.get(1)).into_owned();
    if replication.replicate(PrimaryAddress { host, port }) {
        ctx.reply.ok();
    } else {
        ctx.reply.simple("OK Already connected to specified master");
    }
    Ok(())
}

/// REPLCONF <option> <value> [<option> <value> ...]: what a replica tells its primary before
/// PSYNC (listening-port, ip-address, capa). ACK, FACK and GETACK come on a replica's link
/// and get no reply elsewhere, as in Redis.
pub fn replconf(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len().is_multiple_of(2) {
        return Err(CommandError::Syntax);
    }
    let mut i = 1;
    while i + 1 < args.len() {
        let (option, value) = (args.get(i), args.get(i + 1));
        if is(option, "listening-port") {
            let port = arguments::integer(value)?;
            ctx.client.replconf.listening_port = u16::try_from(port).unwrap_or(0);
        } else if is(option, "ip-address") {
            ctx.client.replconf.ip_address = Some(String::from_utf8_lossy(value).into_owned());
        } else if is(option, "capa") {
            if value == CAPABILITY.as_bytes() {
                ctx.client.replconf.journal_capable = true;
            }
        } else if is(option, "ack") || is(option, "fack") || is(option, "getack") {
            return Ok(());
        } else if !(is(option, "rdb-only") || is(option, "rdb-filter-only")) {
            return Err(CommandError::Text(format!(
                "ERR Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(option)
            )));
        }
        i += 2;
    }
    ctx.reply.ok();
    Ok(())
}

/// PSYNC replid seq: an AllyDB replica asks for the records after `seq` of history `replid`
/// (`?` and -1: everything). The connection then carries the stream.
pub fn psync(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let seq = arguments::integer(args.get(2))?;
    let replid = String::from_utf8_lossy(args.get(1)).into_owned();
    start_feed(ctx, replid, seq)
}

/// SYNC: the old full resynchronisation; an AllyDB replica never sends it.
pub fn sync(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    start_feed(ctx, "?".into(), -1)
}

fn start_feed(ctx: &mut Context<'_>, replid: String, seq: i64) -> CommandResult {
    let server = ctx.server;
    if server.replication.is_replica()
        && server.replication.link().state != crate::server::replication::LinkState::Connected
    {
        return Err(CommandError::Static("ERR Can't SYNC while not connected with my master"));
    }
    if server.journal().is_none() {
        return Err(CommandError::Static(NEEDS_JOURNAL));
    }
    if !ctx.client.replconf.journal_capable {
        return Err(CommandError::Static(
            "ERR AllyDB replicates to AllyDB replicas only (journal shipping, REPLCONF capa \
             allydb-journal-1); a redis-server replica cannot follow it",
        ));
    }
    let handshake = ctx.client.replconf.clone();
    ctx.client.action = Some(Action::Replicate(Box::new(PsyncRequest { replid, seq, handshake })));
    Ok(())
}

//! CLIENT and its subcommands: identity (ID, SETNAME, GETNAME, SETINFO), introspection (LIST,
//! INFO), KILL, PAUSE and UNPAUSE, and per-connection modes (REPLY, NO-EVICT, NO-TOUCH). The shared per-client
//! fields live in `server::clients`; this file only reads and changes them.
use std::sync::Arc;

use super::arguments::{self, is};
use super::connection::is_valid_name;
use super::errors::{CommandError, CommandResult};
use super::server::reply_help;
use super::table::{acl, flags::*, spec, tips, CommandSpec, KeySpan};
use super::{Action, Context};
use crate::limits::CLIENT_NAME_BYTES_MAX;
use crate::protocol::Args;
use crate::server::blocking::Outcome;
use crate::server::clients::{format_addr, ClientHandle, ReplyMode};
use crate::server::pause::PauseMode;
use crate::server::tracking::bits as tracking_bits;

const G: &str = "connection";
const CONNECTION: u32 = acl::CONNECTION;

pub static COMMANDS: &[CommandSpec] = &[spec("client", -2, 0, KeySpan::NONE, G, client)
    .doc("2.4.0", "A container for client connection commands.", "Depends on subcommand.", "")
    .subs(SUBCOMMANDS)];

static SUBCOMMANDS: &[CommandSpec] = &[
    spec("client|id", 2, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, id).acl(CONNECTION).doc(
        "5.0.0",
        "Returns the unique client ID of the connection.",
        "O(1)",
        "",
    ),
    spec("client|setname", 3, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, setname)
        .tips(tips::ALL_NODES_ALL_SUCCEEDED)
        .acl(CONNECTION)
        .doc("2.6.9", "Sets the connection name.", "O(1)", "connection-name"),
    spec("client|getname", 2, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, getname)
        .acl(CONNECTION)
        .doc("2.6.9", "Returns the name of the connection.", "O(1)", ""),
    spec("client|list", -2, ADMIN | NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, list)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .acl(CONNECTION)
        .doc(
            "2.4.0",
            "Lists open connections.",
            "O(N) where N is the number of client connections",
            "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]",
        ),
    spec("client|info", 2, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, info)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT])
        .acl(CONNECTION)
        .doc("6.2.0", "Returns information about the connection.", "O(1)", ""),
    spec("client|kill", -3, ADMIN | NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, kill)
        .acl(CONNECTION)
        .doc(
            "2.4.0",
            "Terminates open connections.",
            "O(N) where N is the number of client connections",
            "<ip:port | [ID client-id] [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] \
             [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME <YES | NO>]>",
        ),
    spec("client|setinfo", 4, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, setinfo)
        .tips(tips::ALL_NODES_ALL_SUCCEEDED)
        .acl(CONNECTION)
        .doc(
            "7.2.0",
            "Sets information specific to the client or connection.",
            "O(1)",
            "<LIB-NAME libname | LIB-VER libver>",
        ),
    spec("client|no-evict", 3, ADMIN | NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, no_evict)
        .acl(CONNECTION)
        .doc("7.0.0", "Sets the client eviction mode of the connection.", "O(1)", "<ON | OFF>"),
    spec("client|no-touch", 3, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, no_touch)
        .acl(CONNECTION)
        .doc(
            "7.2.0",
            "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
            "O(1)",
            "<ON | OFF>",
        ),
    spec("client|reply", 3, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, reply)
        .acl(CONNECTION)
        .doc(
            "3.2.0",
            "Instructs the server whether to reply to commands.",
            "O(1)",
            "<ON | OFF | SKIP>",
        ),
    spec("client|unblock", -3, ADMIN | NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, unblock)
        .acl(CONNECTION)
        .doc(
            "5.0.0",
            "Unblocks a client blocked by a blocking command from a different connection.",
            "O(log N) where N is the number of client connections",
            "client-id [TIMEOUT | ERROR]",
        ),
    spec("client|tracking", -3, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, tracking)
        .acl(CONNECTION)
        .doc(
            "6.0.0",
            "Controls server-assisted client-side caching for the connection.",
            "O(1). Some options may introduce additional complexity.",
            "<ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] \
                 [OPTIN] [OPTOUT] [NOLOOP]",
        ),
    spec("client|caching", 3, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, caching)
        .acl(CONNECTION)
        .doc(
            "6.0.0",
            "Instructs the server whether to track the keys in the next request.",
            "O(1)",
            "<YES | NO>",
        ),
    spec("client|getredir", 2, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, getredir)
        .acl(CONNECTION)
        .doc(
            "6.0.0",
            "Returns the client ID to which the connection's tracking notifications are \
                 redirected.",
            "O(1)",
            "",
        ),
    spec("client|trackinginfo", 2, NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, trackinginfo)
        .acl(CONNECTION)
        .doc(
            "6.2.0",
            "Returns information about server-assisted client-side caching for the \
                 connection.",
            "O(1)",
            "",
        ),
    spec("client|pause", -3, ADMIN | NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, pause)
        .acl(CONNECTION)
        .doc("3.0.0", "Suspends commands processing.", "O(1)", "timeout [WRITE | ALL]"),
    spec("client|unpause", 2, ADMIN | NOSCRIPT | LOADING | STALE, KeySpan::NONE, G, unpause)
        .acl(CONNECTION)
        .doc(
            "6.2.0",
            "Resumes processing commands from paused clients.",
            "O(N) Where N is the number of paused clients",
            "",
        ),
    spec("client|help", 2, LOADING | STALE, KeySpan::NONE, G, help).acl(CONNECTION).doc(
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
];

/// The container itself: reached only with a subcommand the table routed elsewhere.
fn client(_ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    Err(CommandError::subcommand_syntax(args.get(0), args.get(1)))
}

/// Publishes this connection's current state to its shared handle, so that CLIENT LIST and
/// CLIENT INFO show the command being run now (`cmd=client|info`), as Redis does.
fn publish_self(ctx: &Context<'_>, fullname: &'static str) {
    let mut info = ctx.client.handle.info.lock();
    info.db = ctx.client.db;
    info.protocol = ctx.client.protocol;
    // Inside EXEC the command being run is EXEC, as Redis shows it.
    info.last_command = if ctx.client.transaction.is_executing() { "exec" } else { fullname };
    info.last_interaction = std::time::Instant::now();
}

/// CLIENT ID
pub fn id(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.reply.integer(i64::try_from(ctx.client.id).unwrap_or(i64::MAX));
    Ok(())
}

/// Checks a client name or library attribute: Redis's character rule, and our length bound.
fn check_attribute(value: &[u8], invalid: impl FnOnce() -> CommandError) -> CommandResult {
    if !is_valid_name(value) {
        return Err(invalid());
    }
    if value.len() > CLIENT_NAME_BYTES_MAX {
        return Err(CommandError::err(format_args!(
            "client names and library attributes are limited to {CLIENT_NAME_BYTES_MAX} bytes"
        )));
    }
    Ok(())
}

/// CLIENT SETNAME connection-name (an empty name removes it)
pub fn setname(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let name = args.get(2);
    check_attribute(name, || {
        CommandError::Static(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        )
    })?;
    ctx.client.handle.info.lock().name = name.to_vec();
    ctx.reply.ok();
    Ok(())
}

/// CLIENT GETNAME
pub fn getname(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let name = ctx.client.handle.info.lock().name.clone();
    if name.is_empty() {
        ctx.reply.null();
    } else {
        ctx.reply.bulk(&name);
    }
    Ok(())
}

/// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
pub fn setinfo(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let attribute = args.get(2);
    let value = args.get(3);
    let is_name = is(attribute, "lib-name");
    if !is_name && !is(attribute, "lib-ver") {
        return Err(CommandError::err(format_args!(
            "Unrecognized option '{}'",
            String::from_utf8_lossy(attribute)
        )));
    }
    check_attribute(value, || {
        CommandError::err(format_args!(
            "{} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(attribute)
        ))
    })?;
    let mut info = ctx.client.handle.info.lock();
    if is_name {
        info.lib_name = value.to_vec();
    } else {
        info.lib_ver = value.to_vec();
    }
    drop(info);
    ctx.reply.ok();
    Ok(())
}

/// A client class for TYPE filters: `replica` for a replica's feed (PSYNC), `pubsub` while a
/// client has a subscription, `normal` otherwise. A replica's link with its primary is no
/// client here, so `master` matches none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientType {
    Normal,
    Master,
    Replica,
    PubSub,
}

impl ClientType {
    fn parse(bytes: &[u8]) -> Result<Self, CommandError> {
        let lower = arguments::lowercase(bytes);
        match lower.as_str() {
            "normal" => Ok(Self::Normal),
            "master" => Ok(Self::Master),
            "replica" | "slave" => Ok(Self::Replica),
            "pubsub" => Ok(Self::PubSub),
            _ => Err(CommandError::err(format_args!(
                "Unknown client type '{}'",
                String::from_utf8_lossy(bytes)
            ))),
        }
    }

    fn matches(self, client: &ClientHandle) -> bool {
        match self {
            Self::Normal => !client.mailbox.is_subscribed() && !client.info.lock().replica,
            Self::PubSub => client.mailbox.is_subscribed(),
            Self::Replica => client.info.lock().replica,
            Self::Master => false,
        }
    }
}

/// A positive client ID argument, or the given error text.
fn client_id(bytes: &[u8], error: &'static str) -> Result<u64, CommandError> {
    arguments::integer(bytes)
        .ok()
        .filter(|&n| n >= 1)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or(CommandError::Static(error))
}

/// The text CLIENT LIST replies with for `clients`: one line each, each ended by `\n`.
fn list_text<'a>(clients: impl Iterator<Item = &'a Arc<ClientHandle>>) -> Vec<u8> {
    let mut text = Vec::new();
    for client in clients {
        text.extend_from_slice(client.list_line().as_bytes());
        text.push(b'\n');
    }
    text
}

/// CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]
pub fn list(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let clients = ctx.server.clients.all();
    let selected: Vec<&Arc<ClientHandle>> = if args.len() == 4 && is(args.get(2), "type") {
        let wanted = ClientType::parse(args.get(3))?;
        clients.iter().filter(|c| wanted.matches(c)).collect()
    } else if args.len() > 3 && is(args.get(2), "id") {
        // As Redis: any integer is a valid ID (unknown ones list nothing), and clients are
        // listed in argument order, repeats included.
        let mut selected = Vec::new();
        for arg in args.iter().skip(3) {
            let id = arguments::integer(arg)
                .map_err(|_| CommandError::Static("ERR Invalid client ID"))?;
            selected.extend(clients.iter().filter(|c| i64::try_from(c.id) == Ok(id)));
        }
        selected
    } else if args.len() != 2 {
        return Err(CommandError::Syntax);
    } else {
        clients.iter().collect()
    };
    publish_self(ctx, "client|list");
    let text = list_text(selected.into_iter());
    ctx.reply.verbatim(&text);
    Ok(())
}

/// CLIENT INFO
pub fn info(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    publish_self(ctx, "client|info");
    let text = list_text(std::iter::once(&ctx.client.handle));
    ctx.reply.verbatim(&text);
    Ok(())
}

/// The filters of CLIENT KILL's new form; every given one must match.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    client_type: Option<ClientType>,
    addr: Option<Vec<u8>>,
    local_addr: Option<Vec<u8>>,
    skip_me: bool,
}

impl KillFilter {
    fn parse(ctx: &Context<'_>, args: Args<'_>) -> Result<Self, CommandError> {
        let mut filter = Self { skip_me: true, ..Self::default() };
        // Options are read in order, as Redis does: an option without a value is a syntax
        // error only once every option before it has been checked.
        let mut i = 2;
        while i < args.len() {
            let (option, value) = (args.get(i), args.get(i + 1));
            if i + 1 >= args.len() {
                return Err(CommandError::Syntax);
            }
            if is(option, "id") {
                filter.id = Some(client_id(value, "ERR client-id should be greater than 0")?);
            } else if is(option, "type") {
                filter.client_type = Some(ClientType::parse(value)?);
            } else if is(option, "addr") {
                filter.addr = Some(value.to_vec());
            } else if is(option, "laddr") {
                filter.local_addr = Some(value.to_vec());
            } else if is(option, "user") {
                // The one user is `default` until ACLs arrive.
                if value != b"default" {
                    return Err(CommandError::err(format_args!(
                        "No such user '{}'",
                        String::from_utf8_lossy(value)
                    )));
                }
            } else if is(option, "skipme") {
                filter.skip_me = if is(value, "yes") {
                    true
                } else if is(value, "no") {
                    false
                } else {
                    return Err(CommandError::Syntax);
                };
            } else {
                return Err(CommandError::Syntax);
            }
            i += 2;
        }
        let _ = ctx;
        Ok(filter)
    }

    fn matches(&self, client: &ClientHandle, own_id: u64) -> bool {
        if self.skip_me && client.id == own_id {
            return false;
        }
        if self.id.is_some_and(|id| id != client.id) {
            return false;
        }
        if self.client_type.is_some_and(|t| !t.matches(client)) {
            return false;
        }
        if self.addr.as_ref().is_some_and(|a| a[..] != *format_addr(&client.addr).as_bytes()) {
            return false;
        }
        if self
            .local_addr
            .as_ref()
            .is_some_and(|a| a[..] != *format_addr(&client.local_addr).as_bytes())
        {
            return false;
        }
        true
    }
}

/// CLIENT KILL ip:port, or CLIENT KILL <filter value> ... (replies with the count killed).
/// Another killed client runs no further command and is sent none of its replies not yet
/// sent (`Server::kill_client`); the caller killing itself stops at this command and closes
/// after its reply (`kill_client`).
pub fn kill(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    // Another client killed already is as good as gone (Redis frees it at once): a kill
    // takes it out of the registry (`Server::kill_client`), and one killed another way while
    // still listed (over its output buffer limit, at shutdown) is neither found nor counted
    // either.
    let own_id = ctx.client.id;
    let killable = |c: &Arc<ClientHandle>| c.id == own_id || !c.is_killed();
    if args.len() == 3 {
        let wanted = args.get(2);
        let target = ctx
            .server
            .clients
            .all()
            .into_iter()
            .filter(killable)
            .find(|c| format_addr(&c.addr).as_bytes() == wanted);
        // Gone as well if another client killed it just now.
        if !target.is_some_and(|target| kill_client(ctx, &target)) {
            return Err(CommandError::Static("ERR No such client"));
        }
        ctx.reply.ok();
        return Ok(());
    }
    let filter = KillFilter::parse(ctx, args)?;
    let mut killed = 0i64;
    for client in ctx.server.clients.all().into_iter().filter(killable) {
        if filter.matches(&client, own_id) && kill_client(ctx, &client) {
            killed += 1;
        }
    }
    ctx.reply.integer(killed);
    Ok(())
}

/// Kills `client`; false if another client's kill was first (two at once count it once).
/// The caller itself (SKIPME no, or its own address) closes after this reply, or after
/// EXEC's, and runs nothing it pipelined behind: Redis's close-after-reply.
fn kill_client(ctx: &mut Context<'_>, client: &ClientHandle) -> bool {
    if client.id == ctx.client.id {
        // Listed until it closes, as Redis lists a client closing after its reply. Marked
        // only: a wake-up would stop the write of a reply sent in several turns.
        client.mark_killed();
        ctx.client.action = Some(Action::Close);
        return true;
    }
    ctx.server.kill_client(client)
}

/// Parses ON or OFF (any case); anything else is a syntax error.
fn on_off(bytes: &[u8]) -> Result<bool, CommandError> {
    if is(bytes, "on") {
        Ok(true)
    } else if is(bytes, "off") {
        Ok(false)
    } else {
        Err(CommandError::Syntax)
    }
}

/// CLIENT NO-EVICT <ON | OFF>
pub fn no_evict(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let on = on_off(args.get(2))?;
    ctx.client.handle.info.lock().no_evict = on;
    ctx.reply.ok();
    Ok(())
}

/// CLIENT NO-TOUCH <ON | OFF>
pub fn no_touch(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let on = on_off(args.get(2))?;
    ctx.client.handle.info.lock().no_touch = on;
    ctx.client.no_touch = on;
    ctx.reply.ok();
    Ok(())
}

/// CLIENT REPLY <ON | OFF | SKIP>: ON answers `+OK`; OFF and SKIP answer nothing.
pub fn reply(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let mode = args.get(2);
    if is(mode, "on") {
        ctx.client.reply_mode = ReplyMode::On;
        // Unmute now so that `execute` keeps this very reply.
        ctx.reply.muted = false;
        ctx.reply.ok();
    } else if is(mode, "off") {
        ctx.client.reply_mode = ReplyMode::Off;
        ctx.reply.muted = true;
    } else if is(mode, "skip") {
        // `after_command` turns SkipNext into Skip, which mutes exactly the next command.
        if ctx.client.reply_mode != ReplyMode::Off {
            ctx.client.reply_mode = ReplyMode::SkipNext;
        }
        ctx.reply.muted = true;
    } else {
        return Err(CommandError::Syntax);
    }
    Ok(())
}

const HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "    * ID <client-id>",
    "      Kill connections by client id.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "    * ID <client-id> [<client-id> ...]",
    "      Return clients of specified IDs only.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <option> <value>",
    "    Set client meta attr. Options are:",
    "    * LIB-NAME: the client lib name.",
    "    * LIB-VER: the client lib version.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)",
    "    Will not touch LRU/LFU stats when this mode is on.",
];

/// CLIENT HELP
pub fn help(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    reply_help(ctx, "CLIENT", HELP);
    Ok(())
}

/// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]: ends another client's blocking command, as if
/// it timed out (the default) or with an error. Replies 1 if the client was blocked, else 0.
pub fn unblock(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() > 4 {
        return Err(CommandError::subcommand_syntax(args.get(0), args.get(1)));
    }
    let id = arguments::integer(args.get(2))?;
    let outcome = match args.len() {
        4 if is(args.get(3), "timeout") => Outcome::TimedOut,
        4 if is(args.get(3), "error") => {
            Outcome::Error("UNBLOCKED client unblocked via CLIENT UNBLOCK".to_string())
        }
        4 => {
            return Err(CommandError::Static(
                "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
        _ => Outcome::TimedOut,
    };
    let unblocked = u64::try_from(id).is_ok_and(|id| ctx.server.blocking.unblock(id, outcome));
    ctx.reply.integer(i64::from(unblocked));
    Ok(())
}

// ------------------------------------------------------------------ client-side caching

/// CLIENT TRACKING's options, as parsed.
struct TrackingOptions<'a> {
    redirect: u64,
    flags: u32,
    prefixes: Vec<&'a [u8]>,
}

/// Parses the options after ON|OFF, with Redis's errors in its order (a REDIRECT is checked as
/// it is read: an integer, only one, naming a connected client).
fn tracking_options<'a>(
    ctx: &Context<'_>,
    args: Args<'a>,
) -> Result<TrackingOptions<'a>, CommandError> {
    let mut options = TrackingOptions { redirect: 0, flags: 0, prefixes: Vec::new() };
    let mut i = 3;
    while i < args.len() {
        let more = i + 1 < args.len();
        let option = args.get(i);
        if is(option, "redirect") && more {
            i += 1;
            if options.redirect != 0 {
                return Err(CommandError::Static(
                    "ERR A client can only redirect to a single other client",
                ));
            }
            let id = arguments::integer(args.get(i))?;
            let id = u64::try_from(id).ok().filter(|id| ctx.server.clients.get(*id).is_some());
            options.redirect = id.ok_or(CommandError::Static(
                "ERR The client ID you want redirect to does not exist",
            ))?;
        } else if is(option, "bcast") {
            options.flags |= tracking_bits::BCAST;
        } else if is(option, "optin") {
            options.flags |= tracking_bits::OPTIN;
        } else if is(option, "optout") {
            options.flags |= tracking_bits::OPTOUT;
        } else if is(option, "noloop") {
            options.flags |= tracking_bits::NOLOOP;
        } else if is(option, "prefix") && more {
            i += 1;
            options.prefixes.push(args.get(i));
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    Ok(options)
}

/// CLIENT TRACKING <ON | OFF> [REDIRECT client-id] [PREFIX prefix ...] [BCAST] [OPTIN]
/// [OPTOUT] [NOLOOP]
pub fn tracking(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let options = tracking_options(ctx, args)?;
    let mode = args.get(2);
    if is(mode, "off") {
        stop_tracking(ctx);
        ctx.reply.ok();
        return Ok(());
    }
    if !is(mode, "on") {
        return Err(CommandError::Syntax);
    }
    let (new, old) = (options.flags, ctx.client.tracking);
    let has = |flags: u32, bit: u32| flags & bit != 0;
    if !has(new, tracking_bits::BCAST) && !options.prefixes.is_empty() {
        return Err(CommandError::Static("ERR PREFIX option requires BCAST mode to be enabled"));
    }
    if has(old, tracking_bits::ON)
        && has(old, tracking_bits::BCAST) != has(new, tracking_bits::BCAST)
    {
        return Err(CommandError::Static(
            "ERR You can't switch BCAST mode on/off before disabling tracking for this client, \
             and then re-enabling it with a different mode.",
        ));
    }
    let opt_in_out = tracking_bits::OPTIN | tracking_bits::OPTOUT;
    if has(new, tracking_bits::BCAST) && has(new, opt_in_out) {
        return Err(CommandError::Static("ERR OPTIN and OPTOUT are not compatible with BCAST"));
    }
    if new & opt_in_out == opt_in_out {
        return Err(CommandError::Static("ERR You can't specify both OPTIN mode and OPTOUT mode"));
    }
    let switched = has(new, tracking_bits::OPTIN) && has(old, tracking_bits::OPTOUT)
        || has(new, tracking_bits::OPTOUT) && has(old, tracking_bits::OPTIN);
    if switched {
        return Err(CommandError::Static(
            "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, \
             and then re-enabling it with a different mode.",
        ));
    }
    if has(new, tracking_bits::BCAST) {
        ctx.server
            .tracking
            .check_prefixes(ctx.client.id, &options.prefixes)
            .map_err(CommandError::Text)?;
    }
    let handle = ctx.client.handle.clone();
    ctx.server.tracking.enable(&handle, new, options.redirect, &options.prefixes);
    // Re-enabling resets the modes, CLIENT CACHING's included (Redis's enableTracking).
    ctx.client.tracking = new | tracking_bits::ON;
    ctx.client.tracking_caching = false;
    ctx.reply.ok();
    Ok(())
}

/// Turns tracking off (CLIENT TRACKING OFF, RESET); the client's keys leave the table.
pub fn stop_tracking(ctx: &mut Context<'_>) {
    ctx.server.tracking.disable(&ctx.client.handle);
    ctx.client.tracking = 0;
    ctx.client.tracking_caching = false;
}

/// CLIENT CACHING <YES | NO>
pub fn caching(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let mode = ctx.client.tracking;
    if mode & tracking_bits::ON == 0 {
        return Err(CommandError::Static(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with \
             OPTIN or OPTOUT mode enabled",
        ));
    }
    let answer = args.get(2);
    if is(answer, "yes") {
        if mode & tracking_bits::OPTIN == 0 {
            return Err(CommandError::Static(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            ));
        }
    } else if is(answer, "no") {
        if mode & tracking_bits::OPTOUT == 0 {
            return Err(CommandError::Static(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            ));
        }
    } else {
        return Err(CommandError::Syntax);
    }
    ctx.client.tracking_caching = true;
    ctx.reply.ok();
    Ok(())
}

/// The redirect as CLIENT GETREDIR and TRACKINGINFO show it: the client ID, 0 without a
/// redirect, -1 when not tracking.
fn shown_redirect(ctx: &Context<'_>) -> i64 {
    if ctx.client.tracking & tracking_bits::ON == 0 {
        return -1;
    }
    i64::try_from(ctx.client.handle.tracking.redirect()).unwrap_or(i64::MAX)
}

/// CLIENT GETREDIR
pub fn getredir(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.reply.integer(shown_redirect(ctx));
    Ok(())
}

/// CLIENT TRACKINGINFO: a map of `flags` (a set), `redirect` and `prefixes`.
pub fn trackinginfo(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let mode = ctx.client.tracking;
    let broken = ctx.client.handle.tracking.bits() & tracking_bits::BROKEN_REDIRECT != 0;
    let caching = ctx.client.tracking_caching;
    let mut flags: Vec<&[u8]> = Vec::with_capacity(5);
    flags.push(if mode & tracking_bits::ON != 0 { b"on" } else { b"off" });
    if mode & tracking_bits::BCAST != 0 {
        flags.push(b"bcast");
    }
    if mode & tracking_bits::OPTIN != 0 {
        flags.push(b"optin");
        if caching {
            flags.push(b"caching-yes");
        }
    }
    if mode & tracking_bits::OPTOUT != 0 {
        flags.push(b"optout");
        if caching {
            flags.push(b"caching-no");
        }
    }
    if mode & tracking_bits::NOLOOP != 0 {
        flags.push(b"noloop");
    }
    if broken && mode & tracking_bits::ON != 0 {
        flags.push(b"broken_redirect");
    }
    let redirect = shown_redirect(ctx);
    let prefixes = ctx.server.tracking.prefixes_of(ctx.client.id);
    let reply = &mut *ctx.reply;
    reply.map(3);
    reply.bulk(b"flags");
    reply.set(flags.len());
    for flag in flags {
        reply.bulk(flag);
    }
    reply.bulk(b"redirect");
    reply.integer(redirect);
    reply.bulk(b"prefixes");
    reply.array(prefixes.len());
    for prefix in prefixes {
        reply.bulk(&prefix);
    }
    Ok(())
}

/// CLIENT PAUSE timeout [WRITE | ALL]: holds every command of normal clients (ALL, the
/// default) or those that write (WRITE) for `timeout` milliseconds. A pause in force is only
/// extended or made stricter. The mode is checked before the timeout, as in Redis.
pub fn pause(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() > 4 {
        return Err(CommandError::subcommand_syntax(args.get(0), args.get(1)));
    }
    let mode = match args.len() {
        4 if is(args.get(3), "write") => PauseMode::Write,
        4 if is(args.get(3), "all") => PauseMode::All,
        4 => return Err(CommandError::Static("ERR CLIENT PAUSE mode must be WRITE or ALL")),
        _ => PauseMode::All,
    };
    let timeout_ms = arguments::integer(args.get(2))
        .map_err(|_| CommandError::Static("ERR timeout is not an integer or out of range"))?;
    if timeout_ms < 0 {
        return Err(CommandError::Static("ERR timeout is negative"));
    }
    let now_ms = i64::try_from(crate::clock::unix_ms_now()).unwrap_or(i64::MAX);
    // Redis keeps a 0 timeout as an end of 0 (already past), not now + 0.
    let end_ms = if timeout_ms == 0 {
        0
    } else {
        timeout_ms.checked_add(now_ms).ok_or(CommandError::Static("ERR timeout is out of range"))?
    };
    ctx.server.pause.pause(mode, u64::try_from(end_ms).unwrap_or(0));
    ctx.reply.ok();
    Ok(())
}

/// CLIENT UNPAUSE: ends the pause now; waiting clients run in the order they arrived.
pub fn unpause(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.server.pause.unpause();
    ctx.reply.ok();
    Ok(())
}

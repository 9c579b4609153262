//! Connection commands: PING, ECHO, SELECT, AUTH, HELLO, QUIT (and EXIT), RESET.
use super::arguments::{self, is};
use super::errors::{CommandError, CommandResult};
use super::table::{acl, flags::*, spec, tips, CommandSpec, KeySpan};
use super::{Action, Context};
use crate::protocol::{Args, Protocol};
use crate::server::clients::ReplyMode;

const G: &str = "connection";

pub static COMMANDS: &[CommandSpec] = &[
    spec("ping", -1, FAST, KeySpan::NONE, G, ping)
        .tips(&[tips::REQUEST_ALL_SHARDS, tips::RESPONSE_ALL_SUCCEEDED])
        .acl(acl::CONNECTION)
        .doc("1.0.0", "Returns the server's liveliness response.", "O(1)", "[message]"),
    spec("echo", 2, FAST | STALE | LOADING, KeySpan::NONE, G, echo).acl(acl::CONNECTION).doc(
        "1.0.0",
        "Returns the given string.",
        "O(1)",
        "message",
    ),
    spec("select", 2, LOADING | STALE | FAST, KeySpan::NONE, G, select).acl(acl::CONNECTION).doc(
        "1.0.0",
        "Changes the selected database.",
        "O(1)",
        "index",
    ),
    spec(
        "auth",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        KeySpan::NONE,
        G,
        auth,
    )
    .acl(acl::CONNECTION)
    .doc(
        "1.0.0",
        "Authenticates the connection.",
        "O(N) where N is the number of passwords defined for the user",
        "[username] password",
    ),
    spec(
        "hello",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        KeySpan::NONE,
        G,
        hello,
    )
    .acl(acl::CONNECTION)
    .doc(
        "6.0.0",
        "Handshakes with the Redis server.",
        "O(1)",
        "[protover [AUTH username password] [SETNAME clientname]]",
    ),
    spec(
        "quit",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        KeySpan::NONE,
        G,
        quit,
    )
    .acl(acl::CONNECTION)
    .doc("1.0.0", "Closes the connection.", "O(1)", ""),
    spec(
        "exit",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        KeySpan::NONE,
        G,
        quit,
    )
    .acl(acl::CONNECTION)
    .doc("1.0.0", "Closes the connection (the original AllyDB's name for QUIT).", "O(1)", ""),
    spec(
        "reset",
        1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        KeySpan::NONE,
        G,
        reset,
    )
    .acl(acl::CONNECTION)
    .doc("6.2.0", "Resets the connection.", "O(1)", ""),
];

/// PING [message]
pub fn ping(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if ctx.client.is_subscribed() && ctx.client.protocol == Protocol::Resp2 {
        // Subscribed RESP2 clients get PING's answer as a push-like array: [pong, message].
        if args.len() > 2 {
            return Err(CommandError::WrongArity { fullname: "ping".into() });
        }
        ctx.reply.array(2);
        ctx.reply.bulk(b"pong");
        ctx.reply.bulk(if args.len() == 2 { args.get(1) } else { b"" });
        return Ok(());
    }
    match args.len() {
        1 => ctx.reply.simple("PONG"),
        2 => ctx.reply.bulk(args.get(1)),
        _ => return Err(CommandError::WrongArity { fullname: "ping".into() }),
    }
    Ok(())
}

/// ECHO message
pub fn echo(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    ctx.reply.bulk(args.get(1));
    Ok(())
}

/// SELECT index
pub fn select(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    ctx.client.db = arguments::db_index(args.get(1), ctx.server.keyspace.db_count())?;
    ctx.reply.ok();
    Ok(())
}

/// Checks a username/password pair against the one user, `default` (which, without a
/// password, takes any).
fn check_credentials(ctx: &Context<'_>, username: &[u8], password: &[u8]) -> bool {
    if username != b"default" {
        return false;
    }
    match &*ctx.server.settings.hot.requirepass.read() {
        None => true,
        Some(expected) => password_matches(expected, password),
    }
}

/// Compares the SHA-256 digests of the two passwords, as Redis's ACL does: both are 32 bytes
/// whatever the lengths, so the time taken reveals neither a matching prefix nor the length.
pub fn password_matches(expected: &[u8], given: &[u8]) -> bool {
    constant_time_eq(&crate::sha256::digest(expected), &crate::sha256::digest(given))
}

/// Compares two digests without an early exit; `black_box` keeps the compiler from turning
/// the fold back into one.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| std::hint::black_box(acc | (x ^ y)));
    difference == 0
}

const WRONGPASS: CommandError =
    CommandError::Static("WRONGPASS invalid username-password pair or user is disabled.");

/// AUTH [username] password
pub fn auth(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::Syntax);
    }
    let (username, password): (&[u8], &[u8]) =
        if args.len() == 2 { (b"default", args.get(1)) } else { (args.get(1), args.get(2)) };
    if args.len() == 2 && !ctx.server.requires_auth() {
        return Err(CommandError::Static(
            "ERR AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?",
        ));
    }
    if !check_credentials(ctx, username, password) {
        tracing::debug!("AUTH failed for client id={}", ctx.client.id);
        ctx.server.stats.auth_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(WRONGPASS);
    }
    ctx.client.authenticated = true;
    ctx.reply.ok();
    Ok(())
}

/// Redis's rule for client names and library attributes: printable ASCII without spaces.
pub fn is_valid_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
pub fn hello(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let mut version = None;
    if args.len() >= 2 {
        let v = arguments::integer(args.get(1)).map_err(|_| {
            CommandError::Static("ERR Protocol version is not an integer or out of range")
        })?;
        if !(2..=3).contains(&v) {
            return Err(CommandError::Static("NOPROTO unsupported protocol version"));
        }
        version = Some(if v == 2 { Protocol::Resp2 } else { Protocol::Resp3 });
    }
    let mut credentials = None;
    let mut name = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let option = args.get(i);
        if is(option, "auth") && more >= 2 {
            credentials = Some((args.get(i + 1), args.get(i + 2)));
            i += 3;
        } else if is(option, "setname") && more >= 1 {
            let candidate = args.get(i + 1);
            if !is_valid_name(candidate) {
                return Err(CommandError::Static(
                    "ERR Client names cannot contain spaces, newlines or special characters.",
                ));
            }
            name = Some(candidate);
            i += 2;
        } else {
            return Err(CommandError::err(format_args!(
                "Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(option)
            )));
        }
    }
    if let Some((username, password)) = credentials {
        if !check_credentials(ctx, username, password) {
            ctx.server.stats.auth_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(WRONGPASS);
        }
        ctx.client.authenticated = true;
    }
    if !ctx.client.authenticated {
        return Err(CommandError::Static(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and \
             select the RESP protocol version at the same time",
        ));
    }
    if let Some(name) = name {
        ctx.client.handle.info.lock().name = name.to_vec();
    }
    if let Some(version) = version {
        ctx.client.protocol = version;
        ctx.reply.protocol = version;
        // At once, not after the batch: invalidations are shaped by the receiver's protocol.
        ctx.client.handle.info.lock().protocol = version;
    }
    let reply = &mut *ctx.reply;
    reply.map(7);
    reply.bulk(b"server");
    reply.bulk(b"redis");
    reply.bulk(b"version");
    reply.bulk(crate::REDIS_COMPAT_VERSION.as_bytes());
    reply.bulk(b"proto");
    reply.integer(ctx.client.protocol.number());
    reply.bulk(b"id");
    reply.integer(i64::try_from(ctx.client.id).unwrap_or(i64::MAX));
    reply.bulk(b"mode");
    reply.bulk(b"standalone");
    reply.bulk(b"role");
    reply.bulk(b"master");
    reply.bulk(b"modules");
    reply.array(0);
    Ok(())
}

/// QUIT (and EXIT): reply OK, then close.
pub fn quit(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.reply.ok();
    ctx.client.action = Some(Action::Close);
    Ok(())
}

/// RESET: back to a fresh connection's state (every subscription dropped, without
/// unsubscribe confirmations).
pub fn reset(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    super::transactions::discard_state(ctx);
    ctx.server.pubsub.remove_all(&mut ctx.client.subscriptions, &ctx.client.handle);
    if ctx.client.monitor {
        ctx.client.monitor = false;
        ctx.server.monitors.remove(ctx.client.id);
    }
    super::client::stop_tracking(ctx);
    ctx.client.db = 0;
    ctx.client.protocol = Protocol::Resp2;
    ctx.reply.protocol = Protocol::Resp2;
    // Redis clears CLIENT REPLY OFF and a pending SKIP, not the SKIP that mutes this very
    // command: RESET's own `+RESET` then stays unsent.
    if ctx.client.reply_mode != ReplyMode::Skip {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.reply.muted = false;
    }
    ctx.client.authenticated = !ctx.server.requires_auth();
    {
        let mut info = ctx.client.handle.info.lock();
        info.name.clear();
        info.protocol = Protocol::Resp2;
        info.no_evict = false;
        info.no_touch = false;
        info.monitor = false;
    }
    ctx.client.no_touch = false;
    ctx.reply.simple("RESET");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::password_matches;

    #[test]
    fn passwords_match_only_exactly() {
        assert!(password_matches(b"secret", b"secret"));
        for wrong in [&b""[..], b"secre", b"secret ", b"Secret", b"secreu", &[0u8; 64]] {
            assert!(!password_matches(b"secret", wrong), "{wrong:?}");
        }
    }
}

//! Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB. The
//! registry and delivery live in `server::pubsub`; the connection writes queued messages.
use std::sync::atomic::Ordering::Relaxed;

use super::errors::{CommandError, CommandResult};
use super::server::container;
use super::table::{flags::*, spec, CommandSpec, KeySpan};
use super::Context;
use crate::protocol::Args;
use crate::server::pubsub::{self, Namespace};

const G: &str = "pubsub";
const SUBSCRIBING: u32 = PUBSUB | NOSCRIPT | LOADING | STALE;
const INTROSPECTING: u32 = PUBSUB | LOADING | STALE;

pub static COMMANDS: &[CommandSpec] = &[
    spec("subscribe", -2, SUBSCRIBING, KeySpan::NONE, G, subscribe).doc(
        "2.0.0",
        "Listens for messages published to channels.",
        "O(N) where N is the number of channels to subscribe to.",
        "channel [channel ...]",
    ),
    spec("unsubscribe", -1, SUBSCRIBING, KeySpan::NONE, G, unsubscribe).doc(
        "2.0.0",
        "Stops listening to messages posted to channels.",
        "O(N) where N is the number of channels to unsubscribe.",
        "[channel [channel ...]]",
    ),
    spec("psubscribe", -2, SUBSCRIBING, KeySpan::NONE, G, psubscribe).doc(
        "2.0.0",
        "Listens for messages published to channels that match one or more patterns.",
        "O(N) where N is the number of patterns to subscribe to.",
        "pattern [pattern ...]",
    ),
    spec("punsubscribe", -1, SUBSCRIBING, KeySpan::NONE, G, punsubscribe).doc(
        "2.0.0",
        "Stops listening to messages published to channels that match one or more patterns.",
        "O(N) where N is the number of patterns to unsubscribe.",
        "[pattern [pattern ...]]",
    ),
    spec("publish", 3, INTROSPECTING | FAST | MAY_REPLICATE, KeySpan::NONE, G, publish).doc(
        "2.0.0",
        "Posts a message to a channel.",
        "O(N+M) where N is the number of clients subscribed to the receiving channel and M is \
         the total number of subscribed patterns (by any client).",
        "channel message",
    ),
    spec("ssubscribe", -2, SUBSCRIBING, KeySpan::ALL, G, ssubscribe).doc(
        "7.0.0",
        "Listens for messages published to shard channels.",
        "O(N) where N is the number of shard channels to subscribe to.",
        "shardchannel [shardchannel ...]",
    ),
    spec("sunsubscribe", -1, SUBSCRIBING, KeySpan::ALL, G, sunsubscribe).doc(
        "7.0.0",
        "Stops listening to messages posted to shard channels.",
        "O(N) where N is the number of shard channels to unsubscribe.",
        "[shardchannel [shardchannel ...]]",
    ),
    spec("spublish", 3, INTROSPECTING | FAST | MAY_REPLICATE, KeySpan::ONE, G, spublish).doc(
        "7.0.0",
        "Post a message to a shard channel",
        "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        "shardchannel message",
    ),
    spec("pubsub", -2, 0, KeySpan::NONE, G, container)
        .doc("2.8.0", "A container for Pub/Sub commands.", "Depends on subcommand.", "")
        .subs(PUBSUB_SUBCOMMANDS),
];

static PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    spec("pubsub|channels", -2, INTROSPECTING, KeySpan::NONE, G, channels).doc(
        "2.8.0",
        "Returns the active channels.",
        "O(N) where N is the number of active channels, and assuming constant time pattern \
         matching (relatively short channels and patterns)",
        "[pattern]",
    ),
    spec("pubsub|numpat", 2, INTROSPECTING, KeySpan::NONE, G, numpat).doc(
        "2.8.0",
        "Returns a count of unique pattern subscriptions.",
        "O(1)",
        "",
    ),
    spec("pubsub|numsub", -2, INTROSPECTING, KeySpan::NONE, G, numsub).doc(
        "2.8.0",
        "Returns a count of subscribers to channels.",
        "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        "[channel [channel ...]]",
    ),
    spec("pubsub|shardchannels", -2, INTROSPECTING, KeySpan::NONE, G, shardchannels).doc(
        "7.0.0",
        "Returns the active shard channels.",
        "O(N) where N is the number of active shard channels, and assuming constant time \
         pattern matching (relatively short shard channels).",
        "[pattern]",
    ),
    spec("pubsub|shardnumsub", -2, INTROSPECTING, KeySpan::NONE, G, shardnumsub).doc(
        "7.0.0",
        "Returns the count of subscribers of shard channels.",
        "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
        "[shardchannel [shardchannel ...]]",
    ),
    spec("pubsub|help", 2, LOADING | STALE, KeySpan::NONE, G, help).doc(
        "6.2.0",
        "Returns helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
];

/// The confirmation's kind for each namespace, subscribing or not.
fn kind(namespace: Namespace, subscribing: bool) -> &'static [u8] {
    match (namespace, subscribing) {
        (Namespace::Channel, true) => b"subscribe",
        (Namespace::Channel, false) => b"unsubscribe",
        (Namespace::Pattern, true) => b"psubscribe",
        (Namespace::Pattern, false) => b"punsubscribe",
        (Namespace::Shard, true) => b"ssubscribe",
        (Namespace::Shard, false) => b"sunsubscribe",
    }
}

/// Publishes this client's subscription counts for CLIENT LIST.
fn publish_counts(ctx: &Context<'_>) {
    let subscriptions = &ctx.client.subscriptions;
    let mailbox = &ctx.client.handle.mailbox;
    mailbox.channels.store(subscriptions.channels.len(), Relaxed);
    mailbox.patterns.store(subscriptions.patterns.len(), Relaxed);
    mailbox.shard_channels.store(subscriptions.shard_channels.len(), Relaxed);
}

/// A push frame `[kind, name, count]` (`*3` in RESP2, `>3` in RESP3); no name is a null.
/// Sent even under CLIENT REPLY OFF or SKIP, as Redis pushes it (CLIENT_PUSHING).
fn confirm(ctx: &mut Context<'_>, namespace: Namespace, subscribing: bool, name: Option<&[u8]>) {
    let count = ctx.client.subscriptions.count(namespace);
    let reply = &mut *ctx.reply;
    let start = reply.out.len();
    reply.push(3);
    reply.bulk(kind(namespace, subscribing));
    match name {
        Some(name) => reply.bulk(name),
        None => reply.null(),
    }
    reply.integer(i64::try_from(count).unwrap_or(i64::MAX));
    if reply.muted {
        ctx.client.pushed.extend(reply.out.drain(start..));
    }
}

fn subscribe_to(ctx: &mut Context<'_>, args: Args<'_>, namespace: Namespace) -> CommandResult {
    for name in args.iter().skip(1) {
        if ctx.client.subscriptions.set_mut(namespace).insert(name) {
            ctx.server.pubsub.add(namespace, name, &ctx.client.handle);
        }
        publish_counts(ctx);
        confirm(ctx, namespace, true, Some(name));
    }
    Ok(())
}

fn unsubscribe_from(ctx: &mut Context<'_>, args: Args<'_>, namespace: Namespace) -> CommandResult {
    if args.len() == 1 {
        let names = ctx.client.subscriptions.set(namespace).names();
        if names.is_empty() {
            confirm(ctx, namespace, false, None);
        }
        for name in names {
            unsubscribe_one(ctx, namespace, &name);
        }
    } else {
        for name in args.iter().skip(1) {
            unsubscribe_one(ctx, namespace, name);
        }
    }
    Ok(())
}

fn unsubscribe_one(ctx: &mut Context<'_>, namespace: Namespace, name: &[u8]) {
    if ctx.client.subscriptions.set_mut(namespace).remove(name) {
        ctx.server.pubsub.remove(namespace, name, ctx.client.id);
    }
    publish_counts(ctx);
    confirm(ctx, namespace, false, Some(name));
}

/// SUBSCRIBE channel [channel ...]
pub fn subscribe(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    subscribe_to(ctx, args, Namespace::Channel)
}

/// UNSUBSCRIBE [channel [channel ...]]
pub fn unsubscribe(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    unsubscribe_from(ctx, args, Namespace::Channel)
}

/// PSUBSCRIBE pattern [pattern ...]
pub fn psubscribe(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    subscribe_to(ctx, args, Namespace::Pattern)
}

/// PUNSUBSCRIBE [pattern [pattern ...]]
pub fn punsubscribe(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    unsubscribe_from(ctx, args, Namespace::Pattern)
}

/// SSUBSCRIBE shardchannel [shardchannel ...]
pub fn ssubscribe(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    subscribe_to(ctx, args, Namespace::Shard)
}

/// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
pub fn sunsubscribe(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    unsubscribe_from(ctx, args, Namespace::Shard)
}

/// Delivers a message and replies with the number of receivers. Messages to the publisher
/// itself (a RESP3 subscriber) come before its reply, after anything already queued for it.
fn publish_to(ctx: &mut Context<'_>, args: Args<'_>, shard: bool) -> CommandResult {
    let limit = ctx.server.settings.hot.pubsub_limit();
    let mut own = Vec::new();
    let receivers =
        ctx.server.pubsub.publish(shard, args.get(1), args.get(2), limit, ctx.client.id, &mut own);
    write_own(ctx, &own);
    ctx.reply.integer(i64::try_from(receivers).unwrap_or(i64::MAX));
    Ok(())
}

/// Writes messages a client published to itself (a RESP3 subscriber) into its reply, after
/// anything already queued for it; a muted reply (inside EXEC) queues them instead.
pub fn write_own(ctx: &mut Context<'_>, own: &[bytes::Bytes]) {
    if own.is_empty() {
        return;
    }
    let limit = ctx.server.settings.hot.pubsub_limit();
    let handle = &ctx.client.handle;
    if ctx.reply.muted {
        for frame in own {
            pubsub::deliver(handle, frame, limit);
        }
    } else {
        handle.mailbox.take_into(&mut ctx.reply.out, ctx.client.protocol, usize::MAX);
        for frame in own {
            pubsub::write_frame(&mut ctx.reply.out, ctx.client.protocol, frame);
        }
    }
}

/// PUBLISH channel message
pub fn publish(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    publish_to(ctx, args, false)
}

/// SPUBLISH shardchannel message
pub fn spublish(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    publish_to(ctx, args, true)
}

fn list_names(ctx: &mut Context<'_>, args: Args<'_>, namespace: Namespace) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::subcommand_syntax(args.get(0), args.get(1)));
    }
    let pattern = (args.len() == 3).then(|| args.get(2));
    let names = ctx.server.pubsub.names(namespace, pattern);
    ctx.reply.bulk_array(names.iter().map(|n| &n[..]));
    Ok(())
}

fn count_subscribers(ctx: &mut Context<'_>, args: Args<'_>, namespace: Namespace) -> CommandResult {
    ctx.reply.array((args.len() - 2) * 2);
    for name in args.iter().skip(2) {
        let count = ctx.server.pubsub.subscriber_count(namespace, name);
        ctx.reply.bulk(name);
        ctx.reply.integer(i64::try_from(count).unwrap_or(i64::MAX));
    }
    Ok(())
}

/// PUBSUB CHANNELS [pattern]
pub fn channels(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    list_names(ctx, args, Namespace::Channel)
}

/// PUBSUB SHARDCHANNELS [pattern]
pub fn shardchannels(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    list_names(ctx, args, Namespace::Shard)
}

/// PUBSUB NUMSUB [channel [channel ...]]
pub fn numsub(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    count_subscribers(ctx, args, Namespace::Channel)
}

/// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
pub fn shardnumsub(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    count_subscribers(ctx, args, Namespace::Shard)
}

/// PUBSUB NUMPAT: distinct patterns subscribed to, by any client.
pub fn numpat(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let count = ctx.server.pubsub.len(Namespace::Pattern);
    ctx.reply.integer(i64::try_from(count).unwrap_or(i64::MAX));
    Ok(())
}

/// PUBSUB HELP
pub fn help(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    super::server::reply_help(
        ctx,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> \
             (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
    Ok(())
}

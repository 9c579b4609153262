//! ACL for the one user AllyDB has, `default`: on, every key, channel and command, and the
//! password `requirepass` sets (none: `nopass`). What reads it (WHOAMI, CAT, LIST, USERS,
//! GETUSER, DRYRUN) answers as Redis does for that user; what would add users or an ACL file
//! is refused with a reason. Categories come from the command table (`introspection`).
use super::errors::{CommandError, CommandResult};
use super::server::{container, reply_help};
use super::table::{self, flags::*, spec, tips, CommandSpec, KeySpan};
use super::Context;
use crate::protocol::Args;

const G: &str = "server";
const ADMIN_ONLY: u32 = ADMIN | NOSCRIPT | LOADING | STALE;
const PLAIN: u32 = NOSCRIPT | LOADING | STALE;

/// The only user.
const DEFAULT_USER: &str = "default";

pub static COMMANDS: &[CommandSpec] = &[spec("acl", -2, 0, KeySpan::NONE, G, container)
    .doc("6.0.0", "A container for Access List Control commands.", "Depends on subcommand.", "")
    .subs(SUBCOMMANDS)];

static SUBCOMMANDS: &[CommandSpec] = &[
    spec("acl|cat", -2, PLAIN, KeySpan::NONE, G, cat).doc(
        "6.0.0",
        "Lists the ACL categories, or the commands inside a category.",
        "O(1) since the categories and commands are a fixed set.",
        "[category]",
    ),
    spec("acl|deluser", -3, ADMIN_ONLY, KeySpan::NONE, G, deluser)
        .tips(tips::ALL_NODES_ALL_SUCCEEDED)
        .doc(
            "6.0.0",
            "Deletes ACL users, and terminates their connections.",
            "O(1) amortized time considering the typical user.",
            "username [username ...]",
        ),
    spec("acl|dryrun", -4, ADMIN_ONLY, KeySpan::NONE, G, dryrun).doc(
        "7.0.0",
        "Simulates the execution of a command by a user, without executing the command.",
        "O(1).",
        "username command [arg [arg ...]]",
    ),
    spec("acl|genpass", -2, PLAIN, KeySpan::NONE, G, unsupported).doc(
        "6.0.0",
        "Generates a pseudorandom, secure password that can be used to identify ACL users.",
        "O(1)",
        "[bits]",
    ),
    spec("acl|getuser", 3, ADMIN_ONLY, KeySpan::NONE, G, getuser).doc(
        "6.0.0",
        "Lists the ACL rules of a user.",
        "O(N). Where N is the number of password, command and pattern rules that the user has.",
        "username",
    ),
    spec("acl|help", 2, LOADING | STALE, KeySpan::NONE, G, help).doc(
        "6.0.0",
        "Returns helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
    spec("acl|list", 2, ADMIN_ONLY, KeySpan::NONE, G, list).doc(
        "6.0.0",
        "Dumps the effective rules in ACL file format.",
        "O(N). Where N is the number of configured users.",
        "",
    ),
    spec("acl|load", 2, ADMIN_ONLY, KeySpan::NONE, G, no_acl_file).doc(
        "6.0.0",
        "Reloads the rules from the configured ACL file.",
        "O(N). Where N is the number of configured users.",
        "",
    ),
    spec("acl|log", -2, ADMIN_ONLY, KeySpan::NONE, G, unsupported).doc(
        "6.0.0",
        "Lists recent security events generated due to ACL rules.",
        "O(N) with N being the number of entries shown.",
        "[count | RESET]",
    ),
    spec("acl|save", 2, ADMIN_ONLY, KeySpan::NONE, G, no_acl_file)
        .tips(tips::ALL_NODES_ALL_SUCCEEDED)
        .doc(
            "6.0.0",
            "Saves the effective ACL rules in the configured ACL file.",
            "O(N). Where N is the number of configured users.",
            "",
        ),
    spec("acl|setuser", -3, ADMIN_ONLY, KeySpan::NONE, G, unsupported)
        .tips(tips::ALL_NODES_ALL_SUCCEEDED)
        .doc(
            "6.0.0",
            "Creates and modifies an ACL user and its rules.",
            "O(N). Where N is the number of rules provided.",
            "username [rule [rule ...]]",
        ),
    spec("acl|users", 2, ADMIN_ONLY, KeySpan::NONE, G, users).doc(
        "6.0.0",
        "Lists all ACL users.",
        "O(N). Where N is the number of configured users.",
        "",
    ),
    spec("acl|whoami", 2, PLAIN, KeySpan::NONE, G, whoami).doc(
        "6.0.0",
        "Returns the authenticated username of the current connection.",
        "O(1)",
        "",
    ),
];

/// The password's hex SHA-256 when `requirepass` is set.
fn password_hash(ctx: &Context<'_>) -> Option<String> {
    ctx.server.settings.hot.requirepass.read().as_deref().map(crate::sha256::hex_digest)
}

/// ACL WHOAMI: every connection is the default user's.
pub fn whoami(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.reply.bulk(DEFAULT_USER.as_bytes());
    Ok(())
}

/// ACL USERS
pub fn users(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    ctx.reply.array(1);
    ctx.reply.bulk(DEFAULT_USER.as_bytes());
    Ok(())
}

/// ACL LIST: the default user's rules in ACL file form.
pub fn list(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let password = match password_hash(ctx) {
        Some(hash) => format!("#{hash}"),
        None => "nopass".to_string(),
    };
    ctx.reply.array(1);
    ctx.reply.bulk(format!("user {DEFAULT_USER} on {password} ~* &* +@all").as_bytes());
    Ok(())
}

/// ACL GETUSER username: a map (flags, passwords, commands, keys, channels, selectors), or
/// nil for a user that does not exist.
pub fn getuser(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.get(2) != DEFAULT_USER.as_bytes() {
        ctx.reply.null();
        return Ok(());
    }
    let hash = password_hash(ctx);
    let reply = &mut *ctx.reply;
    reply.map(6);
    reply.bulk(b"flags");
    let flags: &[&[u8]] = if hash.is_some() { &[b"on"] } else { &[b"on", b"nopass"] };
    reply.set(flags.len());
    for flag in flags {
        reply.bulk(flag);
    }
    reply.bulk(b"passwords");
    reply.array(usize::from(hash.is_some()));
    if let Some(hash) = &hash {
        reply.bulk(hash.as_bytes());
    }
    for (field, value) in [("commands", "+@all"), ("keys", "~*"), ("channels", "&*")] {
        reply.bulk(field.as_bytes());
        reply.bulk(value.as_bytes());
    }
    reply.bulk(b"selectors");
    reply.array(0);
    Ok(())
}

/// ACL CAT [category]: the categories, or the commands (subcommands as `container|sub`) in
/// one, as COMMAND INFO assigns them.
pub fn cat(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() > 3 {
        return Err(CommandError::subcommand_syntax(args.get(0), args.get(1)));
    }
    let categories = super::introspection::CATEGORY_ORDER;
    if args.len() == 2 {
        ctx.reply.array(categories.len());
        for category in categories {
            ctx.reply.bulk(category.as_bytes());
        }
        return Ok(());
    }
    let wanted = String::from_utf8_lossy(args.get(2)).to_ascii_lowercase();
    let Some(category) = categories.iter().find(|c| **c == wanted) else {
        return Err(CommandError::err(format_args!(
            "Unknown category '{}'",
            String::from_utf8_lossy(args.get(2))
        )));
    };
    let mut names = Vec::new();
    for spec in table::all() {
        for row in std::iter::once(spec).chain(spec.subcommands) {
            if super::introspection::in_category(row, category) {
                names.push(row.name);
            }
        }
    }
    ctx.reply.array(names.len());
    for name in names {
        ctx.reply.bulk(name.as_bytes());
    }
    Ok(())
}

/// ACL DELUSER username [username ...]: no user but `default` exists, and it stays.
pub fn deluser(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.iter().skip(2).any(|name| name == DEFAULT_USER.as_bytes()) {
        return Err(CommandError::Static("ERR The 'default' user cannot be removed"));
    }
    ctx.reply.integer(0);
    Ok(())
}

/// ACL DRYRUN username command [arg ...]: the default user may run every command.
pub fn dryrun(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.get(2) != DEFAULT_USER.as_bytes() {
        return Err(CommandError::err(format_args!(
            "User '{}' not found",
            String::from_utf8_lossy(args.get(2))
        )));
    }
    let command = table::lookup(args.get(3)).and_then(|spec| {
        if spec.subcommands.is_empty() {
            Some(spec)
        } else if args.len() > 4 {
            spec.subcommand(args.get(4))
        } else {
            // A container alone is the container (its arity check below fails).
            Some(spec)
        }
    });
    let Some(command) = command else {
        return Err(CommandError::err(format_args!(
            "Command '{}' not found",
            String::from_utf8_lossy(args.get(3))
        )));
    };
    if !command.arity_ok(args.len() - 3) {
        return Err(CommandError::err(format_args!(
            "wrong number of arguments for '{}' command",
            command.name
        )));
    }
    ctx.reply.ok();
    Ok(())
}

/// ACL LOAD and ACL SAVE: Redis's answer without an `aclfile`, which AllyDB never has.
pub fn no_acl_file(_ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    Err(CommandError::Static(
        "ERR This Redis instance is not configured to use an ACL file. You may want to specify \
         users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a \
         Redis configuration file set) in order to store users in the Redis configuration.",
    ))
}

/// ACL SETUSER, GENPASS and LOG: not part of AllyDB's single-user ACL.
pub fn unsupported(_ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    Err(CommandError::err(format_args!(
        "ACL {} is not supported: AllyDB has only the 'default' user, whose password is \
         requirepass (CONFIG SET requirepass)",
        String::from_utf8_lossy(args.get(1)).to_ascii_uppercase()
    )))
}

/// ACL HELP
pub fn help(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    reply_help(
        ctx,
        "ACL",
        &[
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
        ],
    );
    Ok(())
}

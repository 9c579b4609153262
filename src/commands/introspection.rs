//! COMMAND and its subcommands: what the command table says about each command, in Redis's
//! shapes (10-element INFO entries, DOCS maps, key extraction). Everything here is derived from
//! `table` rows, so commands other families add appear without changes here.
use super::arguments::{self, is};
use super::errors::{CommandError, CommandResult};
use super::server::reply_help;
use super::table::{self, acl, flags, flags::*, key_flags, spec, CommandSpec, KeySpan};
use super::table::{tips, BeginSearch, FindKeys, KeySpec};
use super::Context;
use crate::protocol::{Args, ReplyWriter};

const G: &str = "server";
const CONNECTION: u32 = acl::CONNECTION;

pub static COMMANDS: &[CommandSpec] =
    &[spec("command", -1, LOADING | STALE, KeySpan::NONE, G, command)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .acl(CONNECTION)
        .doc(
            "2.8.13",
            "Returns detailed information about all commands.",
            "O(N) where N is the total number of Redis commands",
            "",
        )
        .subs(SUBCOMMANDS)];

static SUBCOMMANDS: &[CommandSpec] = &[
    spec("command|count", 2, LOADING | STALE, KeySpan::NONE, G, count).acl(CONNECTION).doc(
        "2.8.13",
        "Returns a count of commands.",
        "O(1)",
        "",
    ),
    spec("command|list", -2, LOADING | STALE, KeySpan::NONE, G, list)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .acl(CONNECTION)
        .doc(
            "7.0.0",
            "Returns a list of command names.",
            "O(N) where N is the total number of Redis commands",
            "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]",
        ),
    spec("command|info", -2, LOADING | STALE, KeySpan::NONE, G, info)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .acl(CONNECTION)
        .doc(
            "2.8.13",
            "Returns information about one, multiple or all commands.",
            "O(N) where N is the number of commands to look up",
            "[command-name [command-name ...]]",
        ),
    spec("command|docs", -2, LOADING | STALE, KeySpan::NONE, G, docs)
        .tips(&[tips::NONDETERMINISTIC_OUTPUT_ORDER])
        .acl(CONNECTION)
        .doc(
            "7.0.0",
            "Returns documentary information about one, multiple or all commands.",
            "O(N) where N is the number of commands to look up",
            "[command-name [command-name ...]]",
        ),
    spec("command|getkeys", -3, LOADING | STALE, KeySpan::NONE, G, getkeys).acl(CONNECTION).doc(
        "2.8.13",
        "Extracts the key names from an arbitrary command.",
        "O(N) where N is the number of arguments to the command",
        "command [arg [arg ...]]",
    ),
    spec("command|getkeysandflags", -3, LOADING | STALE, KeySpan::NONE, G, getkeysandflags)
        .acl(CONNECTION)
        .doc(
            "7.0.0",
            "Extracts the key names and access flags for an arbitrary command.",
            "O(N) where N is the number of arguments to the command",
            "command [arg [arg ...]]",
        ),
    spec("command|help", 2, LOADING | STALE, KeySpan::NONE, G, help).acl(CONNECTION).doc(
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
];

// ------------------------------------------------------------------------------ COMMAND INFO

/// ACL categories in the order COMMAND INFO lists them (and ACL CAT, Redis's
/// `ACLCommandCategories`).
pub const CATEGORY_ORDER: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// Whether `spec` is in ACL category `category`: explicit ones from the row, data-type ones
/// from its group, the rest derived from flags as Redis's `setImplicitACLCategories` does.
pub fn in_category(spec: &CommandSpec, category: &str) -> bool {
    let group = spec.group;
    match category {
        "keyspace" => spec.acl & acl::KEYSPACE != 0,
        "read" => spec.has(READONLY) && group != "scripting",
        "write" => spec.has(WRITE),
        "sortedset" => group == "sorted-set" || spec.acl & acl::COLLECTIONS != 0,
        "set" | "list" => group == category || spec.acl & acl::COLLECTIONS != 0,
        "hash" | "string" | "bitmap" | "hyperloglog" | "geo" | "stream" => group == category,
        "pubsub" => spec.has(PUBSUB),
        "admin" => spec.has(ADMIN) || spec.acl & acl::ADMIN != 0,
        "fast" => spec.has(FAST),
        "slow" => !spec.has(FAST),
        "blocking" => spec.has(BLOCKING),
        "dangerous" => spec.has(ADMIN) || spec.acl & acl::DANGEROUS != 0,
        // Explicit only: Redis's CLIENT container, in group connection, is not @connection.
        "connection" => spec.acl & acl::CONNECTION != 0,
        "transaction" => spec.acl & acl::TRANSACTION != 0 || group == "transactions",
        "scripting" => group == "scripting",
        _ => false,
    }
}

fn categories(spec: &CommandSpec) -> Vec<&'static str> {
    CATEGORY_ORDER.iter().copied().filter(|c| in_category(spec, c)).collect()
}

fn flag_names(spec: &CommandSpec) -> Vec<&'static str> {
    flags::NAMES.iter().filter(|(bit, _)| spec.has(*bit)).map(|(_, name)| *name).collect()
}

fn has_keys(spec: &CommandSpec) -> bool {
    spec.keys.first > 0
}

fn integer(reply: &mut ReplyWriter, n: impl TryInto<i64>) {
    reply.integer(n.try_into().unwrap_or(i64::MAX));
}

fn write_key_flags(reply: &mut ReplyWriter, bits: u32) {
    let names: Vec<&str> =
        key_flags::NAMES.iter().filter(|(bit, _)| bits & bit != 0).map(|(_, name)| *name).collect();
    reply.set(names.len());
    for name in names {
        reply.simple(name);
    }
}

/// One key spec as Redis writes it: `notes` (when there are any), `flags`, `begin_search` and
/// `find_keys`, each search a `type` and its `spec` (empty for `unknown`).
fn write_key_spec(reply: &mut ReplyWriter, key_spec: &KeySpec) {
    reply.map(3 + usize::from(!key_spec.notes.is_empty()));
    if !key_spec.notes.is_empty() {
        reply.bulk(b"notes");
        reply.bulk(key_spec.notes.as_bytes());
    }
    reply.bulk(b"flags");
    write_key_flags(reply, key_spec.flags);
    reply.bulk(b"begin_search");
    reply.map(2);
    reply.bulk(b"type");
    match key_spec.begin_search {
        BeginSearch::Index(index) => {
            reply.bulk(b"index");
            reply.bulk(b"spec");
            reply.map(1);
            reply.bulk(b"index");
            integer(reply, index);
        }
        BeginSearch::Keyword { keyword, start_from } => {
            reply.bulk(b"keyword");
            reply.bulk(b"spec");
            reply.map(2);
            reply.bulk(b"keyword");
            reply.bulk(keyword.as_bytes());
            reply.bulk(b"startfrom");
            integer(reply, start_from);
        }
        BeginSearch::Unknown => {
            reply.bulk(b"unknown");
            reply.bulk(b"spec");
            reply.map(0);
        }
    }
    reply.bulk(b"find_keys");
    reply.map(2);
    reply.bulk(b"type");
    let (kind, fields): (&[u8], [(&[u8], i32); 3]) = match key_spec.find_keys {
        FindKeys::Range { last_key, key_step, limit } => {
            (b"range", [(b"lastkey", last_key), (b"keystep", key_step), (b"limit", limit)])
        }
        FindKeys::KeyNum { key_num_index, first_key, key_step } => (
            b"keynum",
            [(b"keynumidx", key_num_index), (b"firstkey", first_key), (b"keystep", key_step)],
        ),
        FindKeys::Unknown => {
            reply.bulk(b"unknown");
            reply.bulk(b"spec");
            reply.map(0);
            return;
        }
    };
    reply.bulk(kind);
    reply.bulk(b"spec");
    reply.map(fields.len());
    for (name, value) in fields {
        reply.bulk(name);
        integer(reply, value);
    }
}

/// One COMMAND INFO entry: the 10-element array of REDIS-REPLIES.md section 9.
fn write_entry(reply: &mut ReplyWriter, spec: &CommandSpec) {
    reply.array(10);
    reply.bulk(spec.name.as_bytes());
    integer(reply, spec.arity);
    let names = flag_names(spec);
    reply.set(names.len());
    for name in names {
        reply.simple(name);
    }
    let (first, last, step) =
        if has_keys(spec) { (spec.keys.first, spec.keys.last, spec.keys.step) } else { (0, 0, 0) };
    integer(reply, first);
    integer(reply, last);
    integer(reply, step);
    let categories = categories(spec);
    reply.set(categories.len());
    for category in categories {
        reply.simple(&format!("@{category}"));
    }
    // Bulk strings, where flags and categories are simple ones: as Redis writes them.
    reply.set(spec.tips.len());
    for tip in spec.tips {
        reply.bulk(tip.as_bytes());
    }
    let key_specs: Vec<KeySpec> = spec.all_key_specs().collect();
    reply.set(key_specs.len());
    for key_spec in &key_specs {
        write_key_spec(reply, key_spec);
    }
    if spec.subcommands.is_empty() {
        reply.set(0);
    } else {
        reply.array(spec.subcommands.len());
        for sub in spec.subcommands {
            write_entry(reply, sub);
        }
    }
}

/// COMMAND (no subcommand): every command's entry.
pub fn command(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    let all: Vec<&CommandSpec> = table::all().collect();
    ctx.reply.array(all.len());
    for spec in all {
        write_entry(ctx.reply, spec);
    }
    Ok(())
}

/// COMMAND COUNT
pub fn count(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    integer(ctx.reply, table::all().count());
    Ok(())
}

/// COMMAND INFO [command-name [command-name ...]]: null for unknown names.
pub fn info(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    if args.len() == 2 {
        return command(ctx, args);
    }
    ctx.reply.array(args.len() - 2);
    for name in args.iter().skip(2) {
        match table::lookup_full(name) {
            Some(spec) => write_entry(ctx.reply, spec),
            None => ctx.reply.null(),
        }
    }
    Ok(())
}

/// Every command and subcommand, by fullname.
fn every_fullname() -> impl Iterator<Item = &'static CommandSpec> {
    table::all().flat_map(|spec| std::iter::once(spec).chain(spec.subcommands.iter()))
}

/// COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]
pub fn list(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let names: Vec<&'static str> = if args.len() == 2 {
        every_fullname().map(|s| s.name).collect()
    } else if args.len() == 5 && is(args.get(2), "filterby") {
        let (kind, value) = (args.get(3), args.get(4));
        if is(kind, "module") {
            Vec::new()
        } else if is(kind, "aclcat") {
            let category = arguments::lowercase(value);
            every_fullname().filter(|s| in_category(s, &category)).map(|s| s.name).collect()
        } else if is(kind, "pattern") {
            every_fullname()
                .filter(|s| crate::store::glob::matches(value, s.name.as_bytes(), true))
                .map(|s| s.name)
                .collect()
        } else {
            return Err(CommandError::Syntax);
        }
    } else {
        return Err(CommandError::Syntax);
    };
    ctx.reply.array(names.len());
    for name in names {
        ctx.reply.bulk(name.as_bytes());
    }
    Ok(())
}

// ------------------------------------------------------------------------------ COMMAND DOCS

/// An argument's type in COMMAND DOCS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    Key,
    String,
    Integer,
    Double,
    Pattern,
    UnixTime,
    PureToken,
    OneOf,
    Block,
}

impl ArgType {
    fn name(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::String => "string",
            Self::Integer => "integer",
            Self::Double => "double",
            Self::Pattern => "pattern",
            Self::UnixTime => "unix-time",
            Self::PureToken => "pure-token",
            Self::OneOf => "oneof",
            Self::Block => "block",
        }
    }

    /// The type a value argument gets from its documented name.
    fn of_name(name: &str) -> Self {
        const INTEGERS: &[&str] = &[
            "seconds",
            "milliseconds",
            "count",
            "offset",
            "start",
            "end",
            "stop",
            "index",
            "timeout",
            "numkeys",
            "increment",
            "decrement",
            "db",
            "port",
            "limit",
            "protover",
            "client-id",
            "maxage",
            "integer",
            "len",
            "rank",
            "maxlen",
            "samples",
            "bit",
            "cursor",
            "numlocal",
            "numreplicas",
            "destination-db",
            "index1",
            "index2",
            "ttl",
            "frequency",
            "slot",
            "start-slot",
            "end-slot",
            "config-epoch",
            "cluster-bus-port",
        ];
        const DOUBLES: &[&str] =
            &["score", "weight", "longitude", "latitude", "radius", "width", "height"];
        if name.starts_with("unix-time") {
            Self::UnixTime
        } else if name.ends_with("key") || matches!(name, "destination" | "source") {
            Self::Key
        } else if name.ends_with("pattern") {
            Self::Pattern
        } else if INTEGERS.contains(&name) {
            Self::Integer
        } else if DOUBLES.contains(&name) {
            Self::Double
        } else {
            Self::String
        }
    }
}

/// One argument of COMMAND DOCS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocArg {
    pub name: String,
    pub kind: ArgType,
    pub token: Option<String>,
    pub optional: bool,
    pub multiple: bool,
    pub multiple_token: bool,
    pub arguments: Vec<DocArg>,
}

impl DocArg {
    fn new(name: String, kind: ArgType) -> Self {
        Self {
            name,
            kind,
            token: None,
            optional: false,
            multiple: false,
            multiple_token: false,
            arguments: Vec::new(),
        }
    }

    fn word(word: &str) -> Self {
        Self::new(word.to_string(), ArgType::of_name(word))
    }

    fn pure_token(token: &str) -> Self {
        let mut arg = Self::new(token.to_ascii_lowercase(), ArgType::PureToken);
        arg.token = Some(token.to_string());
        arg
    }

    /// A block or oneof over `arguments`, named after its token or its members.
    fn group(kind: ArgType, token: Option<&str>, arguments: Vec<DocArg>) -> Self {
        let name = match token {
            Some(token) => token.to_ascii_lowercase(),
            None => arguments.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join("-"),
        };
        let mut arg = Self::new(name, kind);
        arg.token = token.map(str::to_string);
        arg.arguments = arguments;
        arg
    }

    /// Whether `repeated` names this argument again (`ID client-id [client-id ...]` repeats
    /// the value without its token; `GET pattern [GET pattern ...]` repeats both).
    fn same_shape(&self, repeated: &DocArg) -> bool {
        self.name == repeated.name
            && self.kind == repeated.kind
            && (repeated.token.is_none() || self.token == repeated.token)
    }
}

/// A parsed piece of a syntax string.
#[derive(Debug, Clone)]
enum Node<'a> {
    Word(&'a str),
    Group {
        optional: bool,
        /// The opening bracket: `[`, `(` or `<`.
        open: &'a str,
        alternatives: Vec<Vec<Node<'a>>>,
    },
}

impl Node<'_> {
    /// The node as syntax text again, normalized, to compare a repetition with what it repeats.
    fn render(&self) -> String {
        match self {
            Node::Word(word) => (*word).to_string(),
            Node::Group { open, alternatives, .. } => {
                let close = match *open {
                    "[" => "]",
                    "(" => ")",
                    _ => ">",
                };
                format!("{open}{}{close}", render_alternatives(alternatives))
            }
        }
    }

    /// Whether this is a `[... ...]` group: optional, its last alternative ending in `...`.
    fn is_repetition(&self) -> bool {
        matches!(self, Node::Group { optional: true, alternatives, .. }
            if matches!(alternatives.last().and_then(|a| a.last()), Some(Node::Word("..."))))
    }
}

fn render_alternatives(alternatives: &[Vec<Node<'_>>]) -> String {
    let rendered: Vec<String> = alternatives
        .iter()
        .map(|a| a.iter().map(Node::render).collect::<Vec<_>>().join(" "))
        .collect();
    rendered.join(" | ")
}

/// `alternatives` without the trailing node of the last one.
fn without_last_node<'a>(alternatives: &[Vec<Node<'a>>]) -> Vec<Vec<Node<'a>>> {
    let mut own = alternatives.to_vec();
    if let Some(last) = own.last_mut() {
        last.pop();
    }
    own
}

/// For `[a | b [a | b ...]]` (BITFIELD's notation): the group's own alternatives, when its
/// last alternative ends with a repetition of the whole group.
fn self_repetition<'a>(alternatives: &[Vec<Node<'a>>]) -> Option<Vec<Vec<Node<'a>>>> {
    let repetition = alternatives.last()?.last()?;
    let Node::Group { alternatives: repeated, .. } = repetition else {
        return None;
    };
    if !repetition.is_repetition() {
        return None;
    }
    let own = without_last_node(alternatives);
    (render_alternatives(&own) == render_alternatives(&without_last_node(repeated))).then_some(own)
}

/// Splits a syntax string into words and the punctuation `[ ] ( ) < > |`.
fn tokenize(syntax: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, c) in syntax.char_indices() {
        let is_punctuation = matches!(c, '[' | ']' | '(' | ')' | '<' | '>' | '|');
        if c.is_whitespace() || is_punctuation {
            if let Some(s) = start.take() {
                tokens.extend(syntax.get(s..i));
            }
            if is_punctuation {
                tokens.extend(syntax.get(i..i + c.len_utf8()));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        tokens.extend(syntax.get(s..));
    }
    tokens
}

/// Recursive descent over a table's own static syntax strings (never client input).
struct SyntaxParser<'a> {
    tokens: Vec<&'a str>,
    position: usize,
}

impl<'a> SyntaxParser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.position).copied()
    }

    /// Alternatives separated by `|`, up to (not including) a closer or the end.
    fn alternatives(&mut self) -> Result<Vec<Vec<Node<'a>>>, String> {
        let mut alternatives = vec![self.sequence()?];
        while self.peek() == Some("|") {
            self.position += 1;
            alternatives.push(self.sequence()?);
        }
        if alternatives.iter().any(Vec::is_empty) {
            return Err("empty alternative".into());
        }
        Ok(alternatives)
    }

    fn sequence(&mut self) -> Result<Vec<Node<'a>>, String> {
        let mut nodes = Vec::new();
        while let Some(token) = self.peek() {
            let closer = match token {
                "[" => "]",
                "(" => ")",
                "<" => ">",
                "]" | ")" | ">" | "|" => break,
                word => {
                    nodes.push(Node::Word(word));
                    self.position += 1;
                    continue;
                }
            };
            self.position += 1;
            let alternatives = self.alternatives()?;
            if self.peek() != Some(closer) {
                return Err(format!("expected '{closer}'"));
            }
            self.position += 1;
            nodes.push(Node::Group { optional: token == "[", open: token, alternatives });
        }
        Ok(nodes)
    }
}

fn is_token(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_uppercase()) && !word.chars().any(|c| c.is_ascii_lowercase())
}

fn is_token_node(node: &Node<'_>) -> bool {
    matches!(node, Node::Word(w) if is_token(w))
}

/// Turns a sequence of nodes into arguments: a token followed by a value becomes that value
/// with the token; `[x ...]` marks the preceding argument(s) as repeatable.
fn sequence_arguments(nodes: &[Node<'_>]) -> Result<Vec<DocArg>, String> {
    let mut out: Vec<DocArg> = Vec::new();
    let mut i = 0;
    while let Some(node) = nodes.get(i) {
        i += 1;
        match node {
            Node::Word("...") => return Err("'...' outside a repetition".into()),
            Node::Word(word) if is_token(word) => match nodes.get(i) {
                Some(next) if !is_token_node(next) && !matches!(next, Node::Word("...")) => {
                    let mut arg = node_argument(next)?;
                    if arg.token.is_some() {
                        arg = DocArg::group(ArgType::Block, Some(word), vec![arg]);
                    } else {
                        arg.token = Some(word.to_string());
                    }
                    out.push(arg);
                    i += 1;
                }
                _ => out.push(DocArg::pure_token(word)),
            },
            Node::Word(word) => out.push(DocArg::word(word)),
            Node::Group { alternatives, .. } if node.is_repetition() && alternatives.len() == 1 => {
                let repeated = without_last_node(alternatives);
                let repeated = repeated.first().map(Vec::as_slice).unwrap_or(&[]);
                mark_repeated(&mut out, sequence_arguments(repeated)?)?;
            }
            // `x [a | b ...]`-style: a repeated group of alternatives repeats the node before.
            Node::Group { alternatives, .. } if node.is_repetition() => {
                let repeated = render_alternatives(&without_last_node(alternatives));
                let previous = i.checked_sub(2).and_then(|p| nodes.get(p)).map(Node::render);
                match out.last_mut() {
                    Some(last) if previous.as_deref() == Some(repeated.as_str()) => {
                        last.multiple = true;
                    }
                    _ => return Err("repetition does not follow what it repeats".into()),
                }
            }
            group => out.push(node_argument(group)?),
        }
    }
    Ok(out)
}

/// Applies a `[x ...]` repetition to the arguments it repeats, at the end of `out`.
fn mark_repeated(out: &mut Vec<DocArg>, repeated: Vec<DocArg>) -> Result<(), String> {
    let n = repeated.len();
    let start = out.len().checked_sub(n).ok_or("repetition longer than what precedes it")?;
    let tail = out.get(start..).unwrap_or(&[]);
    if n == 0 || !tail.iter().zip(&repeated).all(|(a, b)| a.same_shape(b)) {
        return Err("repetition does not follow what it repeats".into());
    }
    if n == 1 {
        let token_repeats = repeated.first().is_some_and(|r| r.token.is_some());
        if let Some(last) = out.last_mut() {
            last.multiple = true;
            last.multiple_token = token_repeats;
        }
    } else {
        let members = out.split_off(start);
        let mut block = DocArg::group(ArgType::Block, None, members);
        block.name = "data".into();
        block.multiple = true;
        out.push(block);
    }
    Ok(())
}

/// The one argument a word or group stands for.
fn node_argument(node: &Node<'_>) -> Result<DocArg, String> {
    match node {
        Node::Word(word) if is_token(word) => Ok(DocArg::pure_token(word)),
        Node::Word(word) => Ok(DocArg::word(word)),
        Node::Group { optional, open, alternatives } => {
            if let Some(own) = self_repetition(alternatives) {
                let group = Node::Group { optional: *optional, open, alternatives: own };
                let mut arg = node_argument(&group)?;
                arg.multiple = true;
                arg.multiple_token = arg.token.is_some();
                return Ok(arg);
            }
            let mut choices = Vec::with_capacity(alternatives.len());
            for alternative in alternatives {
                choices.push(alternative_argument(alternative)?);
            }
            let mut arg = if choices.len() == 1 {
                choices.pop().ok_or("empty group")?
            } else {
                DocArg::group(ArgType::OneOf, None, choices)
            };
            arg.optional |= *optional;
            Ok(arg)
        }
    }
}

/// One alternative of a group as a single argument: a block when it holds several.
fn alternative_argument(nodes: &[Node<'_>]) -> Result<DocArg, String> {
    // `AUTH username password`: a token leading two or more values is a block with that token.
    if let [Node::Word(token), rest @ ..] = nodes {
        if is_token(token) && rest.len() >= 2 && !rest.iter().any(is_token_node) {
            // Not when the rest repeats the token (`GET pattern [GET pattern ...]`).
            if let Ok(members) = sequence_arguments(rest) {
                if members.len() >= 2 {
                    return Ok(DocArg::group(ArgType::Block, Some(token), members));
                }
            }
        }
    }
    let mut arguments = sequence_arguments(nodes)?;
    if arguments.len() == 1 {
        return arguments.pop().ok_or_else(|| "empty alternative".into());
    }
    Ok(DocArg::group(ArgType::Block, None, arguments))
}

/// Parses a Redis documentation syntax string (`key value [NX | XX] [GET]`) into arguments.
pub fn parse_syntax(syntax: &str) -> Result<Vec<DocArg>, String> {
    let mut parser = SyntaxParser { tokens: tokenize(syntax), position: 0 };
    let nodes = parser.sequence()?;
    if let Some(rest) = parser.peek() {
        return Err(format!("unexpected '{rest}'"));
    }
    sequence_arguments(&nodes)
}

fn write_doc_arg(reply: &mut ReplyWriter, arg: &DocArg) {
    let is_group = matches!(arg.kind, ArgType::OneOf | ArgType::Block);
    let flags: Vec<&str> = [
        (arg.optional, "optional"),
        (arg.multiple, "multiple"),
        (arg.multiple_token, "multiple_token"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    let pairs = 2
        + usize::from(!is_group)
        + usize::from(arg.kind == ArgType::Key)
        + usize::from(arg.token.is_some())
        + usize::from(!flags.is_empty())
        + usize::from(is_group);
    reply.map(pairs);
    reply.bulk(b"name");
    reply.bulk(arg.name.as_bytes());
    reply.bulk(b"type");
    reply.bulk(arg.kind.name().as_bytes());
    if !is_group {
        reply.bulk(b"display_text");
        reply.bulk(arg.name.as_bytes());
    }
    if arg.kind == ArgType::Key {
        // Every key argument to the first key spec: where Redis numbers a destination's spec
        // apart (LMOVE's is 1), this differs (docs/COMMANDS.md, Known differences).
        reply.bulk(b"key_spec_index");
        reply.integer(0);
    }
    if let Some(token) = &arg.token {
        reply.bulk(b"token");
        reply.bulk(token.as_bytes());
    }
    if !flags.is_empty() {
        reply.bulk(b"flags");
        reply.set(flags.len());
        for flag in flags {
            reply.simple(flag);
        }
    }
    if is_group {
        reply.bulk(b"arguments");
        reply.array(arg.arguments.len());
        for member in &arg.arguments {
            write_doc_arg(reply, member);
        }
    }
}

/// One COMMAND DOCS value: the docs map of `spec` (subcommands nested).
fn write_docs(reply: &mut ReplyWriter, spec: &CommandSpec) {
    let arguments = parse_syntax(spec.syntax).unwrap_or_default();
    let pairs = 3
        + usize::from(!spec.complexity.is_empty())
        + usize::from(!arguments.is_empty())
        + usize::from(!spec.subcommands.is_empty());
    reply.map(pairs);
    reply.bulk(b"summary");
    reply.bulk(spec.summary.as_bytes());
    reply.bulk(b"since");
    reply.bulk(spec.since.as_bytes());
    reply.bulk(b"group");
    reply.bulk(spec.group.as_bytes());
    if !spec.complexity.is_empty() {
        reply.bulk(b"complexity");
        reply.bulk(spec.complexity.as_bytes());
    }
    if !arguments.is_empty() {
        reply.bulk(b"arguments");
        reply.array(arguments.len());
        for arg in &arguments {
            write_doc_arg(reply, arg);
        }
    }
    if !spec.subcommands.is_empty() {
        reply.bulk(b"subcommands");
        reply.map(spec.subcommands.len());
        for sub in spec.subcommands {
            reply.bulk(sub.name.as_bytes());
            write_docs(reply, sub);
        }
    }
}

/// COMMAND DOCS [command-name [command-name ...]]: unknown names are left out.
pub fn docs(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let specs: Vec<&CommandSpec> = if args.len() == 2 {
        table::all().collect()
    } else {
        args.iter().skip(2).filter_map(table::lookup_full).collect()
    };
    ctx.reply.map(specs.len());
    for spec in specs {
        ctx.reply.bulk(spec.name.as_bytes());
        write_docs(ctx.reply, spec);
    }
    Ok(())
}

// --------------------------------------------------------------------------- COMMAND GETKEYS

/// The keys of the command a GETKEYS request names: positions in `args` with their key-spec
/// flags.
fn keys_of(args: Args<'_>) -> Result<Vec<(usize, u32)>, CommandError> {
    const OFFSET: usize = 2;
    let invalid = CommandError::Static("ERR Invalid command specified");
    let mut spec = table::lookup(args.get(OFFSET)).ok_or(invalid.clone())?;
    let argc = args.len() - OFFSET;
    if !spec.subcommands.is_empty() && argc >= 2 {
        spec = spec.subcommand(args.get(OFFSET + 1)).ok_or(invalid)?;
    }
    // As Redis's doesCommandHaveKeys: shard channels (SPUBLISH) are in a key's place, not keys.
    if !spec.all_key_specs().any(|k| k.flags & key_flags::NOT_KEY == 0) {
        return Err(CommandError::Static("ERR The command has no key arguments"));
    }
    if !spec.arity_ok(argc) {
        return Err(CommandError::Static("ERR Invalid number of arguments specified for command"));
    }
    let keys = keys_and_flags(spec, argc, |i| args.get(i + OFFSET));
    if keys.is_empty() {
        return Err(CommandError::Static("ERR Invalid arguments specified for command"));
    }
    Ok(keys.into_iter().map(|(p, flags)| (p + OFFSET, flags)).collect())
}

/// The keys of a command of `argc` words (`arg(i)` is word `i`) with their key-spec flags: the
/// table's positions, each with the flags of the first key spec that finds it, then what only
/// the command's own parsing knows (Redis's `getkeys_proc` for these commands).
fn keys_and_flags<'a>(
    spec: &CommandSpec,
    argc: usize,
    arg: impl Fn(usize) -> &'a [u8] + Copy,
) -> Vec<(usize, u32)> {
    use key_flags::*;
    // Each position's flags are those of the first spec that finds it: one walk over each
    // spec's positions, so a call with many keys costs linear time, not quadratic.
    let key_specs: Vec<KeySpec> = spec.all_key_specs().collect();
    let mut found: Vec<Option<u32>> = vec![None; argc];
    for key_spec in &key_specs {
        for position in key_spec.positions(argc, arg).into_iter().flatten() {
            if let Some(slot @ None) = found.get_mut(position) {
                *slot = Some(key_spec.flags);
            }
        }
    }
    let fallback = key_specs.first().map_or(0, |k| k.flags);
    let flags_at = |position: usize| found.get(position).copied().flatten().unwrap_or(fallback);
    let mut keys: Vec<(usize, u32)> = spec
        .key_positions(argc, arg)
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p, flags_at(p)))
        .collect();
    let words = || (0..argc).map(arg);
    match spec.name {
        // `variable_flags`: GET reads the old value, else the value is overwritten unread.
        "set" => {
            let get = words().skip(3).any(|w| w.eq_ignore_ascii_case(b"get"));
            let flags = if get { RW | ACCESS | UPDATE } else { OW | UPDATE };
            keys.iter_mut().for_each(|(_, f)| *f = flags);
        }
        "bitfield" => {
            let flags =
                if bitfield_is_read_only(argc, arg) { RO | ACCESS } else { RW | ACCESS | UPDATE };
            keys.iter_mut().for_each(|(_, f)| *f = flags);
        }
        // The STORE spec is `unknown`: the last STORE with a word after it names the key.
        "sort" => {
            if let Some(store) = sort_store_position(argc, arg) {
                keys.push((store, OW | UPDATE));
            }
        }
        _ => {}
    }
    // Keys found by keyword (GEORADIUS's STORE and STOREDIST): in spec order, as Redis's
    // `getKeysUsingKeySpecs` lists them.
    for key_spec in &key_specs {
        if matches!(key_spec.begin_search, BeginSearch::Keyword { .. }) {
            for position in key_spec.positions(argc, arg).into_iter().flatten() {
                keys.push((position, key_spec.flags));
            }
        }
    }
    keys
}

/// Whether BITFIELD only reads, as Redis's `bitfieldGetKeys` decides: every operation is a
/// GET or OVERFLOW with its arguments; anything else (SET, INCRBY, a syntax error) writes.
fn bitfield_is_read_only<'a>(argc: usize, arg: impl Fn(usize) -> &'a [u8]) -> bool {
    let mut i = 2;
    while i < argc {
        let remaining = argc - i - 1;
        let word = arg(i);
        if is(word, "get") && remaining >= 2 {
            i += 2;
        } else if is(word, "overflow") && remaining >= 1 {
            i += 1;
        } else {
            return false;
        }
        i += 1;
    }
    true
}

/// SORT's STORE key, as Redis's `sortGetKeys` finds it: LIMIT skips two words, BY and GET
/// one, and the last STORE followed by a word names it.
fn sort_store_position<'a>(argc: usize, arg: impl Fn(usize) -> &'a [u8]) -> Option<usize> {
    let mut store = None;
    let mut i = 2;
    while i < argc {
        let word = arg(i);
        if is(word, "limit") {
            i += 2;
        } else if is(word, "get") || is(word, "by") {
            i += 1;
        } else if is(word, "store") && i + 1 < argc {
            store = Some(i + 1);
        }
        i += 1;
    }
    store
}

/// COMMAND GETKEYS command [arg [arg ...]]
pub fn getkeys(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let keys = keys_of(args)?;
    ctx.reply.array(keys.len());
    for (p, _) in keys {
        ctx.reply.bulk(args.get(p));
    }
    Ok(())
}

/// COMMAND GETKEYSANDFLAGS command [arg [arg ...]]
pub fn getkeysandflags(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let keys = keys_of(args)?;
    ctx.reply.array(keys.len());
    for (p, flags) in keys {
        ctx.reply.array(2);
        ctx.reply.bulk(args.get(p));
        write_key_flags(ctx.reply, flags);
    }
    Ok(())
}

/// COMMAND HELP
pub fn help(ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    reply_help(
        ctx,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {

    use super::*;

    fn names(args: &[DocArg]) -> Vec<&str> {
        args.iter().map(|a| a.name.as_str()).collect()
    }

    #[test]
    fn every_syntax_string_parses() {
        for spec in every_fullname() {
            if let Err(error) = parse_syntax(spec.syntax) {
                panic!("{}: {error} in {:?}", spec.name, spec.syntax);
            }
        }
    }

    #[test]
    fn set_syntax() {
        let args = parse_syntax(
            "key value [NX | XX] [GET] [EX seconds | PX milliseconds | \
             EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
        )
        .unwrap();
        assert_eq!(names(&args), ["key", "value", "nx-xx", "get", args[4].name.as_str()]);
        assert_eq!(args[0].kind, ArgType::Key);
        assert_eq!(args[1].kind, ArgType::String);
        assert_eq!(args[2].kind, ArgType::OneOf);
        assert!(args[2].optional);
        assert_eq!(args[2].arguments[0].token.as_deref(), Some("NX"));
        assert_eq!(args[3].kind, ArgType::PureToken);
        let expiry = &args[4];
        assert_eq!(expiry.kind, ArgType::OneOf);
        assert_eq!(expiry.arguments[0].name, "seconds");
        assert_eq!(expiry.arguments[0].kind, ArgType::Integer);
        assert_eq!(expiry.arguments[0].token.as_deref(), Some("EX"));
        assert_eq!(expiry.arguments[2].kind, ArgType::UnixTime);
        assert_eq!(expiry.arguments[4].kind, ArgType::PureToken);
    }

    #[test]
    fn repetitions_and_blocks() {
        let args = parse_syntax("key [key ...]").unwrap();
        assert_eq!(args.len(), 1);
        assert!(args[0].multiple && !args[0].optional);
        let args = parse_syntax("key value [key value ...]").unwrap();
        assert_eq!(args.len(), 1);
        assert_eq!(args[0].kind, ArgType::Block);
        assert!(args[0].multiple);
        assert_eq!(names(&args[0].arguments), ["key", "value"]);
        let args = parse_syntax("[username] password").unwrap();
        assert_eq!(names(&args), ["username", "password"]);
        assert!(args[0].optional && !args[1].optional);
        let args =
            parse_syntax("[protover [AUTH username password] [SETNAME clientname]]").unwrap();
        assert_eq!(args.len(), 1);
        assert_eq!(args[0].kind, ArgType::Block);
        let auth = &args[0].arguments[1];
        assert_eq!((auth.kind, auth.token.as_deref()), (ArgType::Block, Some("AUTH")));
        assert_eq!(names(&auth.arguments), ["username", "password"]);
        let args = parse_syntax("[GET pattern [GET pattern ...]]").unwrap();
        assert!(args[0].multiple && args[0].multiple_token && args[0].optional);
        assert_eq!(args[0].kind, ArgType::Pattern);
    }

    #[test]
    fn bitfield_style_repeated_alternatives() {
        let args = parse_syntax(
            "key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset \
             value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | \
             SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]",
        )
        .unwrap();
        assert_eq!(args.len(), 2);
        let operation = &args[1];
        assert_eq!(operation.kind, ArgType::OneOf);
        assert!(operation.optional && operation.multiple);
        assert_eq!(operation.arguments.len(), 2);
        assert_eq!(operation.arguments[0].token.as_deref(), Some("GET"));
        let args = parse_syntax("[a | b] [[a | b] ...]").unwrap();
        assert_eq!(args.len(), 1);
        assert!(args[0].multiple);
    }

    #[test]
    fn bad_syntax_is_refused() {
        assert!(parse_syntax("[key").is_err());
        assert!(parse_syntax("key]").is_err());
        assert!(parse_syntax("[a ...]").is_err());
        assert!(parse_syntax("[a | ]").is_err());
    }

    /// Argument lists for `spec` (name, subcommand, then `k3`, `k4`...): each word count its
    /// arity allows, up to four words past the least, with a `numkeys` counting one or two
    /// keys (counts the words cannot hold are left out: the tables agree those have no keys).
    fn sample_args(spec: &CommandSpec) -> Vec<Vec<Vec<u8>>> {
        let least = usize::try_from(spec.arity.unsigned_abs()).unwrap();
        let most = if spec.arity < 0 { least + 4 } else { least };
        let mut samples = Vec::new();
        for argc in least..=most {
            let mut argv: Vec<Vec<u8>> =
                spec.name.split('|').map(|w| w.as_bytes().to_vec()).collect();
            argv.extend((argv.len()..argc).map(|i| format!("k{i}").into_bytes()));
            if spec.numkeys_index != 0 {
                let room = argc.saturating_sub(spec.numkeys_index + 1);
                if room == 0 {
                    continue;
                }
                argv[spec.numkeys_index] = room.min(2).to_string().into_bytes();
            }
            samples.push(argv);
        }
        samples
    }

    /// The key specs COMMAND INFO reports find exactly the keys the table's `KeySpan` and
    /// `numkeys` find (the positions dispatch, tracking and GETKEYS use), so the two cannot
    /// drift apart; an `unknown` spec only where GETKEYS parses the keys itself.
    #[test]
    fn every_key_spec_finds_the_keys_the_table_finds() {
        for spec in every_fullname() {
            let key_specs: Vec<KeySpec> = spec.all_key_specs().collect();
            let has_positions = has_keys(spec) || spec.numkeys_index != 0;
            assert_eq!(has_positions, !key_specs.is_empty(), "{}: key specs", spec.name);
            let mut used = vec![false; key_specs.len()];
            for argv in sample_args(spec) {
                let arg = |i: usize| argv.get(i).map_or(&b""[..], Vec::as_slice);
                let expected = spec.key_positions(argv.len(), arg).unwrap();
                // In spec order, each key once: two specs finding one key would fail here.
                let mut found = Vec::new();
                for (key_spec, used) in key_specs.iter().zip(used.iter_mut()) {
                    for p in key_spec.positions(argv.len(), arg).into_iter().flatten() {
                        found.push(p);
                        *used = true;
                    }
                }
                assert_eq!(
                    found,
                    expected,
                    "{} {:?}",
                    spec.name,
                    String::from_utf8_lossy(&argv.concat())
                );
            }
            for (key_spec, used) in key_specs.iter().zip(used) {
                if key_spec.begin_search == BeginSearch::Unknown {
                    assert!(matches!(spec.name, "sort" | "sort_ro"), "{}: unknown spec", spec.name);
                } else if matches!(key_spec.begin_search, BeginSearch::Keyword { .. }) {
                    // The samples have no keyword; `georadius_keys_follow_redis` covers them.
                    assert!(spec.name.starts_with("georadius"), "{}: keyword spec", spec.name);
                } else {
                    assert!(used, "{}: a key spec that finds no key {key_spec:?}", spec.name);
                }
            }
        }
    }

    #[test]
    fn key_spec_positions_follow_redis() {
        let args = |words: &'static [&'static str]| move |i: usize| words[i].as_bytes();
        let words: &[&str] = &["blpop", "a", "b", "0"];
        let blpop = KeySpec::range(1, -2, 1, 0).positions(4, args(words)).unwrap();
        assert_eq!(blpop.collect::<Vec<_>>(), [1, 2]);
        let words: &[&str] = &["mset", "a", "1", "b"];
        let mset = KeySpec::range(1, -1, 2, 0).positions(4, args(words)).unwrap();
        assert_eq!(mset.collect::<Vec<_>>(), [1, 3]);
        let words: &[&str] = &["zunionstore", "d", "2", "a", "b", "WEIGHTS"];
        let sources = KeySpec::keynum(2, 0).positions(6, args(words)).unwrap();
        assert_eq!(sources.collect::<Vec<_>>(), [3, 4]);
        // A count the arguments cannot hold, or none, finds nothing; so does an unknown spec.
        for count in ["5", "0", "-1", "x"] {
            let words: Vec<&str> = vec!["zunion", count, "a"];
            let words: &'static [&'static str] = Vec::leak(words);
            assert!(KeySpec::keynum(1, 0).positions(3, args(words)).is_none(), "{count}");
        }
        assert!(KeySpec::unknown(0).positions(3, args(&["sort", "a", "b"])).is_none());
        assert!(KeySpec::one(2, 0).positions(2, args(&["get", "a"])).is_none());
    }

    /// The flags of each key of `words` (a whole command), as GETKEYSANDFLAGS gives them.
    fn flags_of(words: &[&str]) -> Vec<(usize, u32)> {
        let spec = table::lookup(words[0].as_bytes()).unwrap();
        keys_and_flags(spec, words.len(), |i| words[i].as_bytes())
    }

    #[test]
    fn keys_carry_their_own_key_specs_flags() {
        use key_flags::*;
        assert_eq!(
            flags_of(&["lmove", "a", "b", "LEFT", "RIGHT"]),
            [(1, RW | ACCESS | DELETE), (2, RW | INSERT)]
        );
        assert_eq!(flags_of(&["zinterstore", "d", "1", "a"]), [(1, OW | UPDATE), (3, RO | ACCESS)]);
        assert_eq!(
            flags_of(&["bitop", "AND", "d", "a", "b"]),
            [(2, OW | UPDATE), (3, RO | ACCESS), (4, RO | ACCESS)]
        );
        assert_eq!(flags_of(&["del", "a", "b"]), [(1, RM | DELETE), (2, RM | DELETE)]);
        // Variable flags: what the arguments say.
        assert_eq!(flags_of(&["set", "k", "v"]), [(1, OW | UPDATE)]);
        assert_eq!(flags_of(&["set", "k", "v", "GET"]), [(1, RW | ACCESS | UPDATE)]);
        assert_eq!(flags_of(&["set", "k", "get"]), [(1, OW | UPDATE)]);
        assert_eq!(
            flags_of(&["bitfield", "k", "OVERFLOW", "SAT", "GET", "u8", "0"]),
            [(1, RO | ACCESS)]
        );
        assert_eq!(
            flags_of(&["bitfield", "k", "GET", "u8", "0", "SET", "u8", "0", "1"]),
            [(1, RW | ACCESS | UPDATE)]
        );
        assert_eq!(flags_of(&["bitfield", "k", "GET", "u8"]), [(1, RW | ACCESS | UPDATE)]);
        assert_eq!(flags_of(&["bitfield", "k"]), [(1, RO | ACCESS)]);
        // SORT's STORE: the last one with a word after it, LIMIT's and GET's words skipped.
        assert_eq!(flags_of(&["sort", "a", "STORE", "d"]), [(1, RO | ACCESS), (3, OW | UPDATE)]);
        assert_eq!(
            flags_of(&["sort", "a", "store", "d", "STORE", "e"]),
            [(1, RO | ACCESS), (5, OW | UPDATE)]
        );
        assert_eq!(
            flags_of(&["sort", "a", "LIMIT", "store", "x", "GET", "store"]),
            [(1, RO | ACCESS)]
        );
        assert_eq!(flags_of(&["sort", "a", "STORE"]), [(1, RO | ACCESS)]);
        assert_eq!(flags_of(&["sort_ro", "a", "BY", "x"]), [(1, RO | ACCESS)]);
    }

    #[test]
    fn categories_follow_redis_order() {
        let get = table::lookup(b"get").unwrap();
        assert_eq!(categories(get), ["read", "string", "fast"]);
        let list = table::lookup_full(b"client|list").unwrap();
        assert_eq!(categories(list), ["admin", "slow", "dangerous", "connection"]);
        // As redis-server's COMMAND INFO lists them.
        let sort = table::lookup(b"sort").unwrap();
        assert_eq!(categories(sort), ["write", "set", "sortedset", "list", "slow", "dangerous"]);
        let sort_ro = table::lookup(b"sort_ro").unwrap();
        assert_eq!(categories(sort_ro), ["read", "set", "sortedset", "list", "slow", "dangerous"]);
        let lastsave = table::lookup(b"lastsave").unwrap();
        assert_eq!(categories(lastsave), ["admin", "fast", "dangerous"]);
    }
}

//! Redis Cluster's commands, as a redis-server with `cluster-enabled no` answers them: CLUSTER
//! (every subcommand of Redis 7.2), READONLY, READWRITE and ASKING all reply
//! `-ERR This instance has cluster support disabled`. Cluster-aware clients and tools send
//! CLUSTER SLOTS, SHARDS or INFO to tell a standalone server from a cluster node, and match
//! that text (redis-rb's cluster client, Lettuce's READONLY, many operators' probes); an
//! unknown-command error would make them fail instead of falling back to one node. The
//! metadata (arity, flags, tips, documentation) is Redis 7.2's, so COMMAND INFO and DOCS
//! describe them as redis-server does.
use super::errors::{CommandError, CommandResult};
use super::server::container;
use super::table::{acl, flags::*, spec, tips, CommandSpec, KeySpan};
use super::Context;
use crate::protocol::Args;

const G: &str = "cluster";
/// The flags of CLUSTER's subcommands that change the cluster's configuration.
const TOPOLOGY: u32 = NO_ASYNC_LOADING | ADMIN | STALE;
const NONDETERMINISTIC: &[&str] = &[tips::NONDETERMINISTIC_OUTPUT];

/// Redis's reply to every cluster command on a server that is not a cluster node.
pub const DISABLED: &str = "ERR This instance has cluster support disabled";

pub static COMMANDS: &[CommandSpec] = &[
    spec("asking", 1, FAST, KeySpan::NONE, G, disabled).acl(acl::CONNECTION).doc(
        "3.0.0",
        "Signals that a cluster client is following an -ASK redirect.",
        "O(1)",
        "",
    ),
    spec("cluster", -2, 0, KeySpan::NONE, G, container)
        .doc("3.0.0", "A container for Redis Cluster commands.", "Depends on subcommand.", "")
        .subs(CLUSTER_SUBCOMMANDS),
    spec("readonly", 1, FAST | LOADING | STALE, KeySpan::NONE, G, disabled)
        .acl(acl::CONNECTION)
        .doc(
            "3.0.0",
            "Enables read-only queries for a connection to a Redis Cluster replica node.",
            "O(1)",
            "",
        ),
    // "Reids" is Redis 7.2's own spelling of this summary.
    spec("readwrite", 1, FAST | LOADING | STALE, KeySpan::NONE, G, disabled)
        .acl(acl::CONNECTION)
        .doc(
            "3.0.0",
            "Enables read-write queries for a connection to a Reids Cluster replica node.",
            "O(1)",
            "",
        ),
];

/// One CLUSTER subcommand: every one replies `DISABLED` here.
const fn sub(name: &'static str, arity: i32, flags: u32) -> CommandSpec {
    spec(name, arity, flags, KeySpan::NONE, G, disabled)
}

static CLUSTER_SUBCOMMANDS: &[CommandSpec] = &[
    sub("cluster|addslots", -3, TOPOLOGY).doc(
        "3.0.0",
        "Assigns new hash slots to a node.",
        "O(N) where N is the total number of hash slot arguments",
        "slot [slot ...]",
    ),
    sub("cluster|addslotsrange", -4, TOPOLOGY).doc(
        "7.0.0",
        "Assigns new hash slot ranges to a node.",
        "O(N) where N is the total number of the slots between the start slot and end slot arguments.",
        "start-slot end-slot [start-slot end-slot ...]",
    ),
    sub("cluster|bumpepoch", 2, TOPOLOGY).tips(NONDETERMINISTIC).doc(
        "3.0.0",
        "Advances the cluster config epoch.",
        "O(1)",
        "",
    ),
    sub("cluster|count-failure-reports", 3, ADMIN | STALE).tips(NONDETERMINISTIC).doc(
        "3.0.0",
        "Returns the number of active failure reports active for a node.",
        "O(N) where N is the number of failure reports",
        "node-id",
    ),
    sub("cluster|countkeysinslot", 3, STALE).doc(
        "3.0.0",
        "Returns the number of keys in a hash slot.",
        "O(1)",
        "slot",
    ),
    sub("cluster|delslots", -3, TOPOLOGY).doc(
        "3.0.0",
        "Sets hash slots as unbound for a node.",
        "O(N) where N is the total number of hash slot arguments",
        "slot [slot ...]",
    ),
    sub("cluster|delslotsrange", -4, TOPOLOGY).doc(
        "7.0.0",
        "Sets hash slot ranges as unbound for a node.",
        "O(N) where N is the total number of the slots between the start slot and end slot arguments.",
        "start-slot end-slot [start-slot end-slot ...]",
    ),
    sub("cluster|failover", -2, TOPOLOGY).doc(
        "3.0.0",
        "Forces a replica to perform a manual failover of its master.",
        "O(1)",
        "[FORCE | TAKEOVER]",
    ),
    sub("cluster|flushslots", 2, TOPOLOGY).doc(
        "3.0.0",
        "Deletes all slots information from a node.",
        "O(1)",
        "",
    ),
    sub("cluster|forget", 3, TOPOLOGY).doc(
        "3.0.0",
        "Removes a node from the nodes table.",
        "O(1)",
        "node-id",
    ),
    sub("cluster|getkeysinslot", 4, STALE).tips(NONDETERMINISTIC).doc(
        "3.0.0",
        "Returns the key names in a hash slot.",
        "O(N) where N is the number of requested keys",
        "slot count",
    ),
    sub("cluster|help", 2, LOADING | STALE).doc(
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        "O(1)",
        "",
    ),
    sub("cluster|info", 2, STALE).tips(NONDETERMINISTIC).doc(
        "3.0.0",
        "Returns information about the state of a node.",
        "O(1)",
        "",
    ),
    sub("cluster|keyslot", 3, STALE).doc(
        "3.0.0",
        "Returns the hash slot for a key.",
        "O(N) where N is the number of bytes in the key",
        "key",
    ),
    sub("cluster|links", 2, STALE).tips(NONDETERMINISTIC).doc(
        "7.0.0",
        "Returns a list of all TCP links to and from peer nodes.",
        "O(N) where N is the total number of Cluster nodes",
        "",
    ),
    sub("cluster|meet", -4, TOPOLOGY).doc(
        "3.0.0",
        "Forces a node to handshake with another node.",
        "O(1)",
        "ip port [cluster-bus-port]",
    ),
    sub("cluster|myid", 2, STALE).doc("3.0.0", "Returns the ID of a node.", "O(1)", ""),
    sub("cluster|myshardid", 2, STALE).tips(NONDETERMINISTIC).doc(
        "7.2.0",
        "Returns the shard ID of a node.",
        "O(1)",
        "",
    ),
    sub("cluster|nodes", 2, STALE).tips(NONDETERMINISTIC).doc(
        "3.0.0",
        "Returns the cluster configuration for a node.",
        "O(N) where N is the total number of Cluster nodes",
        "",
    ),
    sub("cluster|replicas", 3, ADMIN | STALE).tips(NONDETERMINISTIC).doc(
        "5.0.0",
        "Lists the replica nodes of a master node.",
        "O(N) where N is the number of replicas.",
        "node-id",
    ),
    sub("cluster|replicate", 3, TOPOLOGY).doc(
        "3.0.0",
        "Configure a node as replica of a master node.",
        "O(1)",
        "node-id",
    ),
    sub("cluster|reset", -2, ADMIN | STALE | NOSCRIPT).doc(
        "3.0.0",
        "Resets a node.",
        "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.",
        "[HARD | SOFT]",
    ),
    sub("cluster|saveconfig", 2, TOPOLOGY).doc(
        "3.0.0",
        "Forces a node to save the cluster configuration to disk.",
        "O(1)",
        "",
    ),
    sub("cluster|set-config-epoch", 3, TOPOLOGY).doc(
        "3.0.0",
        "Sets the configuration epoch for a new node.",
        "O(1)",
        "config-epoch",
    ),
    sub("cluster|setslot", -4, TOPOLOGY).doc(
        "3.0.0",
        "Binds a hash slot to a node.",
        "O(1)",
        "slot <IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE>",
    ),
    sub("cluster|shards", 2, LOADING | STALE).tips(NONDETERMINISTIC).doc(
        "7.0.0",
        "Returns the mapping of cluster slots to shards.",
        "O(N) where N is the total number of cluster nodes",
        "",
    ),
    sub("cluster|slaves", 3, ADMIN | STALE).tips(NONDETERMINISTIC).doc(
        "3.0.0",
        "Lists the replica nodes of a master node.",
        "O(N) where N is the number of replicas.",
        "node-id",
    ),
    sub("cluster|slots", 2, LOADING | STALE).tips(NONDETERMINISTIC).doc(
        "3.0.0",
        "Returns the mapping of cluster slots to nodes.",
        "O(N) where N is the total number of Cluster nodes",
        "",
    ),
];

/// Every cluster command, CLUSTER HELP included (Redis checks `cluster_enabled` first).
fn disabled(_ctx: &mut Context<'_>, _args: Args<'_>) -> CommandResult {
    Err(CommandError::Static(DISABLED))
}

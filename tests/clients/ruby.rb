# redis-rb (Debian's ruby-redis) as its users drive it, against any Redis-compatible server.
#
# usage: ruby ruby.rb HOST PORT
#
# Exits 0 when every check holds; the first failed check raises with the values it saw. In the
# middle it prints READY-FOR-RESTART and waits for a line GO on stdin: the runner restarts the
# server on the same port and data directory in between, and the program checks that the
# library reconnects by itself and the data survived. Everything uses the library's defaults
# (its pure-Ruby driver, RESP2: redis-rb 4 has no RESP3) and its documented idioms; a
# deprecated call raises instead of warning, so the program stays on the API of today.
require "redis"

HOST = ARGV.fetch(0)
PORT = Integer(ARGV.fetch(1))
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
Redis.raise_deprecations = true

def connect(**extra)
  Redis.new(host: HOST, port: PORT, **extra)
end

def server_version(r)
  r.info("server").fetch("redis_version").split(".").first(2).map { |x| Integer(x) }
end

def check(name, got, expected)
  raise "#{name}: got #{got.inspect}, expected #{expected.inspect}" unless got == expected
end

# Runs the block, which must raise `klass`; returns the exception.
def raises(name, klass)
  yield
rescue klass => e
  e
else
  raise "#{name}: no #{klass} raised"
end

def wait_until(name, timeout = 10)
  deadline = Time.now + timeout
  until yield
    raise "#{name}: not within #{timeout} s" if Time.now > deadline

    sleep 0.05
  end
end

def strings_with_expiry(r)
  check("set", r.set("s:plain", "v"), "OK")
  check("get", r.get("s:plain"), "v")
  check("get missing", r.get("s:missing"), nil)
  check("set nx on existing", r.set("s:plain", "w", nx: true), false)
  check("set get", r.set("s:plain", "w", get: true), "v")
  check("set ex", r.set("s:ex", "v", ex: 100), "OK")
  ttl = r.ttl("s:ex")
  raise "ttl #{ttl}" unless (99..100).cover?(ttl)
  check("setex", r.setex("s:setex", 50, "v"), "OK")
  pttl = r.pttl("s:setex")
  raise "pttl #{pttl}" unless (49_000..50_000).cover?(pttl)
  check("set px", r.set("s:px", "v", px: 100), "OK")
  check("set keepttl", r.set("s:ex", "v2", keepttl: true), "OK")
  raise "keepttl lost the ttl" unless r.ttl("s:ex") > 0
  check("persist", r.persist("s:ex"), true)
  check("ttl after persist", r.ttl("s:ex"), -1)
  check("ttl missing", r.ttl("s:missing"), -2)
  check("expire", r.expire("s:ex", 1000), true)
  check("expire nx", r.expire("s:ex", 5, nx: true), false)
  check("getex", r.getex("s:plain", ex: 30), "w")
  raise "getex set no ttl" unless r.ttl("s:plain").between?(1, 30)
  check("incr", r.incr("s:n"), 1)
  check("incrby", r.incrby("s:n", 41), 42)
  check("incrbyfloat", r.incrbyfloat("s:n", 0.5), 42.5)
  check("decr", r.decr("s:d"), -1)
  check("mset", r.mset("s:a", "1", "s:b", "2"), "OK")
  check("mapped_mset", r.mapped_mset({ "s:c" => "3" }), "OK")
  check("mget", r.mget("s:a", "s:b", "s:missing"), ["1", "2", nil])
  check("mapped_mget", r.mapped_mget("s:a", "s:c"), { "s:a" => "1", "s:c" => "3" })
  check("append", r.append("s:a", "23"), 3)
  check("strlen", r.strlen("s:a"), 3)
  check("getrange", r.getrange("s:a", 0, 1), "12")
  check("exists", r.exists("s:a", "s:b", "s:missing"), 2)
  check("exists?", r.exists?("s:missing"), false)
  check("type", r.type("s:a"), "string")
  deadline = Time.now + 10
  until r.get("s:px").nil? # a 100 ms expiry, polled generously
    raise "s:px never expired" if Time.now > deadline

    sleep 0.05
  end
  check("expired ttl", r.ttl("s:px"), -2)
  check("del", r.del("s:a", "s:b", "s:missing"), 2)
end

def lists(r)
  check("rpush", r.rpush("l", %w[a b c]), 3)
  check("lpush", r.lpush("l", "z"), 4)
  check("lrange", r.lrange("l", 0, -1), %w[z a b c])
  check("llen", r.llen("l"), 4)
  check("lindex", r.lindex("l", 1), "a")
  check("lpop", r.lpop("l"), "z")
  check("rpop count", r.rpop("l", 2), %w[c b])
  check("lmove", r.lmove("l", "l2", "LEFT", "RIGHT"), "a")
  check("blpop", r.blpop(["l", "l2"], timeout: 1), %w[l2 a])
  check("blpop timeout", r.blpop("l", timeout: 0.1), nil)
  check("linsert", (r.rpush("l", %w[x y]); r.linsert("l", :before, "y", "m")), 3)
  check("lrem", r.lrem("l", 0, "m"), 1)
  check("ltrim", r.ltrim("l", 0, 0), "OK")
  check("lrange after ltrim", r.lrange("l", 0, -1), ["x"])
end

def hashes(r)
  check("hset", r.hset("h", { "f1" => "1", "f2" => "2" }), 2)
  check("mapped_hmset", r.mapped_hmset("h", { "f3" => "3" }), "OK")
  check("hget", r.hget("h", "f1"), "1")
  check("hgetall", r.hgetall("h"), { "f1" => "1", "f2" => "2", "f3" => "3" })
  check("hmget", r.hmget("h", "f1", "nope"), ["1", nil])
  check("mapped_hmget", r.mapped_hmget("h", "f1", "nope"), { "f1" => "1", "nope" => nil })
  check("hincrby", r.hincrby("h", "f1", 9), 10)
  check("hincrbyfloat", r.hincrbyfloat("h", "f2", 0.25), 2.25)
  check("hsetnx", r.hsetnx("h", "f1", "x"), false)
  check("hexists", r.hexists("h", "f1"), true)
  check("hkeys", r.hkeys("h").sort, %w[f1 f2 f3])
  check("hvals", r.hvals("h").sort, %w[10 2.25 3])
  check("hlen", r.hlen("h"), 3)
  check("hdel", r.hdel("h", %w[f1 nope]), 1)
  check("hgetall missing", r.hgetall("h:missing"), {})
end

def sets(r)
  check("sadd", r.sadd("set1", %w[a b c]), 3)
  check("sadd?", r.sadd?("set2", %w[b c d]), true)
  check("sadd? existing", r.sadd?("set2", "b"), false)
  check("smembers", r.smembers("set1").sort, %w[a b c])
  check("sismember", r.sismember("set1", "a"), true)
  check("smismember", r.smismember("set1", "a", "z"), [true, false])
  check("sinter", r.sinter("set1", "set2").sort, %w[b c])
  check("sunion", r.sunion("set1", "set2").sort, %w[a b c d])
  check("sdiff", r.sdiff("set1", "set2"), ["a"])
  check("scard", r.scard("set1"), 3)
  check("srem", r.srem("set1", %w[a z]), 1)
  check("srem?", r.srem?("set1", "z"), false)
  check("smembers missing", r.smembers("set:missing"), [])
end

def sorted_sets(r)
  check("zadd", r.zadd("z", [[1, "a"], [2.5, "b"], [3, "c"]]), 3)
  check("zadd one", r.zadd("z", 4, "d"), true)
  check("zadd incr", r.zadd("z", 1, "d", incr: true), 5.0)
  check("zscore", r.zscore("z", "b"), 2.5)
  check("zrange", r.zrange("z", 0, -1), %w[a b c d])
  check("zrange with_scores", r.zrange("z", 0, 1, with_scores: true), [["a", 1.0], ["b", 2.5]])
  check("zrevrange", r.zrevrange("z", 0, 0), ["d"])
  check("zrangebyscore", r.zrangebyscore("z", 2, "+inf", limit: [0, 2]), %w[b c])
  check("zrange byscore", r.zrange("z", "(2.5", 5, by_score: true), %w[c d])
  check("zincrby", r.zincrby("z", 10, "a"), 11.0)
  check("zrank", r.zrank("z", "a"), 3)
  check("zcard", r.zcard("z"), 4)
  check("zcount", r.zcount("z", "-inf", 3), 2)
  check("zpopmin", r.zpopmin("z"), ["b", 2.5])
  check("zpopmin count", r.zpopmin("z", 2), [["c", 3.0], ["d", 5.0]])
  check("zmscore", r.zmscore("z", "a", "nope"), [11.0, nil])
  check("zscore inf", (r.zadd("z", "+inf", "top"); r.zscore("z", "top")), Float::INFINITY)
  check("zrem", r.zrem("z", %w[top nope]), 1)
end

def pipelines_and_transactions(r)
  futures = nil
  replies = r.pipelined do |pipeline|
    pipeline.set("p:1", "a")
    futures = [pipeline.get("p:1"), pipeline.incr("p:2")]
    pipeline.lpush("p:l", "x")
    pipeline.hset("p:h", "f", "v")
    pipeline.zadd("p:z", 1, "m")
    pipeline.exists?("p:1")
  end
  check("pipelined", replies, ["OK", "a", 1, 1, 1, true, true])
  check("pipelined futures", futures.map(&:value), ["a", 1])
  # A long pipeline and a large binary value: the server reads and answers in pieces.
  big = (0..255).map(&:chr).join.b * 4096
  replies = r.pipelined do |pipeline|
    1000.times { |i| pipeline.rpush("p:long", i.to_s) }
    pipeline.set("p:big", big)
    pipeline.get("p:big")
  end
  check("long pipeline", replies.first(1000), (1..1000).to_a)
  # The gem tags every reply with the default external encoding (UTF-8): compare the bytes.
  check("large value", [replies[1000], replies[1001].b == big, replies[1001].bytesize], ["OK", true, 1 << 20])
  check("multi", r.multi { |tx| tx.set("t:1", "a"); tx.incr("t:2"); tx.get("t:1") }, ["OK", 1, "a"])
  # The optimistic-locking idiom redis-rb documents: watch with a block, read, multi.
  result = r.watch("t:2") do |rd|
    current = Integer(rd.get("t:2"))
    rd.multi { |tx| tx.set("t:2", current + 1) }
  end
  check("watched multi", result, ["OK"])
  check("after watched multi", r.get("t:2"), "2")
  other = connect
  result = r.watch("t:1") do |rd|
    other.set("t:1", "changed")
    rd.multi { |tx| tx.set("t:1", "mine") }
  end
  # multi returns nil when EXEC found a watched key changed: the library's failure signal.
  check("broken watch", result, nil)
  check("broken watch kept", r.get("t:1"), "changed")
  # The retry loop applications write around it.
  attempts = []
  loop do
    done = r.watch("t:2") do |rd|
      value = Integer(rd.get("t:2"))
      other.set("t:2", value + 100) if attempts.empty?
      attempts << value
      rd.multi { |tx| tx.set("t:2", value + 1) }
    end
    break if done
  end
  check("retried", [attempts, r.get("t:2")], [[2, 102], "103"])
  # Watch, then decide not to write: unwatch, and the connection is clean for the next EXEC.
  r.watch("t:1") { |rd| rd.unwatch }
  check("after unwatch", r.multi { |tx| tx.get("t:1") }, ["changed"])
  # An error inside EXEC raises Redis::CommandError; the other commands ran (no rollback).
  e = raises("exec with a failing command", Redis::CommandError) do
    r.multi { |tx| tx.set("t:s", "x"); tx.lpush("t:s", "y"); tx.get("t:s") }
  end
  check("exec error text", e.message, WRONGTYPE)
  check("no rollback", r.get("t:s"), "x")
  # A command refused while queueing aborts the whole transaction.
  e = raises("queued error", Redis::CommandError) do
    r.multi { |tx| tx.set("t:q", "x"); tx.call("nosuchcommand") }
  end
  raise "queued error: #{e.message}" unless e.message.start_with?("ERR unknown command")
  check("execabort wrote nothing", r.exists?("t:q"), false)
  # An error inside a plain pipeline raises, after every command ran.
  e = raises("pipelined error", Redis::CommandError) do
    r.pipelined { |pipeline| pipeline.incr("t:s"); pipeline.set("t:after", "1") }
  end
  check("pipelined error text", e.message, "ERR value is not an integer or out of range")
  check("pipeline went on", r.get("t:after"), "1")
  # Sidekiq's shape: a transaction inside a pipeline, in one round trip.
  replies = r.pipelined do |pipeline|
    pipeline.multi do |tx|
      tx.incr("t:n")
      tx.lpush("t:jobs", "j1")
    end
    pipeline.llen("t:jobs")
  end
  # redis-rb 4 returns every reply of the round trip, MULTI and QUEUED included.
  check("multi inside pipelined", replies, ["OK", "QUEUED", "QUEUED", [1, 1], 1])
  other.close
end

def pubsub(r)
  publisher = connect
  seen = []
  # A subscribe block runs on this connection until the last unsubscribe; the callbacks
  # subscribe to a pattern too, publish from another connection and then leave.
  r.subscribe_with_timeout(10, "news") do |on|
    on.subscribe do |channel, count|
      seen << [:subscribe, channel, count]
      r.psubscribe("n*")
    end
    on.psubscribe do |pattern, count|
      seen << [:psubscribe, pattern, count]
      seen << [:published, publisher.publish("news", "hello")]
      seen << [:numsub, publisher.pubsub(:numsub, "news")]
      seen << [:numpat, publisher.pubsub(:numpat)]
      seen << [:channels, publisher.pubsub(:channels)]
    end
    on.message do |channel, message|
      seen << [:message, channel, message]
    end
    on.pmessage do |pattern, channel, message|
      seen << [:pmessage, pattern, channel, message]
      r.punsubscribe
      r.unsubscribe
    end
    on.punsubscribe { |pattern, count| seen << [:punsubscribe, pattern, count] }
    on.unsubscribe { |channel, count| seen << [:unsubscribe, channel, count] }
  end
  check("subscription", seen, [
    [:subscribe, "news", 1],
    [:psubscribe, "n*", 2],
    [:published, 2],
    [:numsub, ["news", 1]],
    [:numpat, 1],
    [:channels, ["news"]],
    [:message, "news", "hello"],
    [:pmessage, "n*", "news", "hello"],
    [:punsubscribe, "n*", 1],
    [:unsubscribe, "news", 0]
  ])
  check("subscribed? after the block", r.subscribed?, false)
  check("connection usable after pub/sub", r.ping, "PONG")
  # The usual shape: a thread blocked in subscribe, messages published from elsewhere.
  received = Queue.new
  listener = connect
  thread = Thread.new do
    listener.psubscribe("events.*") do |on|
      on.pmessage do |_pattern, channel, message|
        received << [channel, message]
        listener.punsubscribe if message == "stop"
      end
    end
  end
  wait_until("pattern subscriber") { publisher.pubsub(:numpat) == 1 }
  check("publish to thread", publisher.publish("events.a", "one"), 1)
  check("publish stop", publisher.publish("events.b", "stop"), 1)
  raise "the subscriber thread did not finish" unless thread.join(10)

  check("thread received", [received.pop, received.pop], [%w[events.a one], %w[events.b stop]])
  # A subscribe with a timeout and no message gives up with the library's timeout error.
  quiet = connect
  raises("subscribe timeout", Redis::TimeoutError) do
    quiet.subscribe_with_timeout(0.2, "silence") { |on| on.message { raise "no message expected" } }
  end
  quiet.close
  listener.close
  publisher.close
end

def scan_iteration(r)
  (0...300).each_slice(100) { |slice| r.mset(slice.flat_map { |i| ["scan:#{i}", i] }) }
  check("scan_each", r.scan_each(match: "scan:*", count: 25).to_a.sort,
        (0...300).map { |i| "scan:#{i}" }.sort)
  check("scan_each type", r.scan_each(type: "hash").to_a.sort, %w[h p:h])
  keys = []
  r.scan_each(match: "scan:1?") { |key| keys << key }
  check("scan_each block", keys.sort, (10..19).map { |i| "scan:#{i}" })
  r.mapped_hmset("big:h", (0...200).to_h { |i| ["f#{i}", i.to_s] })
  check("hscan_each", r.hscan_each("big:h", count: 20).to_h,
        (0...200).to_h { |i| ["f#{i}", i.to_s] })
  r.sadd("big:s", (0...200).map(&:to_s))
  check("sscan_each", r.sscan_each("big:s", match: "1*").to_a.sort,
        (0...200).map(&:to_s).select { |s| s.start_with?("1") }.sort)
  r.zadd("big:z", (0...200).map { |i| [i, "m#{i}"] })
  check("zscan_each", r.zscan_each("big:z").to_a.sort,
        (0...200).map { |i| ["m#{i}", i.to_f] }.sort)
  cursor, found = r.scan(0, match: "nothing:*")
  raise "scan: #{cursor.inspect} #{found.inspect}" unless cursor.is_a?(String) && found == []
end

def info_and_client(r)
  info = r.info
  raise "version #{info['redis_version']}" unless info["redis_version"].start_with?("7.")
  raise "connected_clients #{info['connected_clients']}" unless info["connected_clients"] =~ /\A\d+\z/
  check("info server port", r.info("server")["tcp_port"], PORT.to_s)
  keyspace = r.info("keyspace")
  raise "keyspace #{keyspace}" unless keyspace.fetch("db0") =~ /\Akeys=\d+,expires=\d+,avg_ttl=\d+\z/
  stats = r.info("commandstats")
  raise "commandstats #{stats['get']}" unless Integer(stats.fetch("get").fetch("calls")) > 0
  check("client setname", r.client(:setname, "rb-client"), "OK")
  check("client getname", r.client(:getname), "rb-client")
  id = r.client(:id)
  raise "client id #{id.inspect}" unless id.is_a?(Integer) && id > 0
  # CLIENT LIST parsed by the library: `key=value` pairs split at spaces and '='.
  list = r.client(:list)
  me = list.find { |c| c["name"] == "rb-client" }
  raise "client list #{list}" if me.nil?

  check("client list id", me["id"], id.to_s)
  check("client list db", me["db"], "0")
  check("client list cmd", me["cmd"], "client|list")
  check("client list resp", me["resp"], "2")
  raise "client list addr #{me['addr']}" unless me["addr"].start_with?("127.0.0.1:")
  if (server_version(r) <=> [7, 2]) >= 0
    # 7.2 lists the library fields; redis-rb 4 never sets them, so they are empty (and the
    # library leaves the last, empty `lib-ver=` as nil: its split drops a trailing "").
    check("client list lib-name", me["lib-name"], "")
    check("client list lib-ver", [me.key?("lib-ver"), me["lib-ver"]], [true, nil])
  end
  check("config get", r.config(:get, "maxclients"), { "maxclients" => "10000" })
  raise "config get *" unless r.config(:get, "*").key?("databases")
  check("config set", r.config(:set, "slowlog-log-slower-than", 10_000), "OK")
  check("dbsize", r.dbsize.positive?, true)
  # ROLE (what redis-rb's Sentinel connector sends; the gem has no helper for it): a master
  # without replicas, as redis-server answers.
  # The offset is the journal's last sequence number on AllyDB, 0 on a redis-server without
  # replicas: both an integer.
  role = r.call("role")
  check("role", [role[0], role[1].is_a?(Integer) && role[1] >= 0, role[2]], ["master", true, []])
  seconds, micros = r.time
  raise "time #{seconds} #{micros}" unless (seconds - Time.now.to_i).abs < 60 && (0...1_000_000).cover?(micros)
  check("ping", r.ping, "PONG")
  check("ping message", r.ping("hi"), "hi")
  check("echo", r.echo("hello"), "hello")
  check("object encoding", r.object(:encoding, "big:s"), "intset")
  check("slowlog reset", r.slowlog(:reset), "OK")
  check("slowlog len", r.slowlog(:len), 0)
  check("lastsave", r.lastsave.is_a?(Integer), true)
  check("connected?", r.connected?, true)
  check("id", r.id, "redis://#{HOST}:#{PORT}/0")
end

def monitor(r)
  watcher = connect
  lines = Queue.new
  thread = Thread.new do
    watcher.monitor do |line|
      lines << line
      break if line.end_with?('"echo" "monitor-done"')
    end
  end
  # MONITOR's client is flagged O; CLIENT is an admin command, which MONITOR leaves out.
  wait_until("monitor listed") { r.client(:list).any? { |c| c["flags"] == "O" && c["cmd"] == "monitor" } }
  r.set("m:key", "v v")
  r.echo("monitor-done")
  raise "the monitor thread did not finish" unless thread.join(10)

  seen = []
  seen << lines.pop until lines.empty?
  check("monitor reply", seen.first, "OK")
  prefix = /\A\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] /
  raise "monitor lines #{seen}" unless seen.drop(1).all? { |line| line =~ prefix }

  check("monitor lines", seen.drop(1).map { |line| line.sub(prefix, "") },
        ['"set" "m:key" "v v"', '"echo" "monitor-done"'])
  watcher.close
end

def errors(r)
  r.set("e:str", "x")
  e = raises("lpush on a string", Redis::CommandError) { r.lpush("e:str", "y") }
  check("wrongtype class", e.class, Redis::CommandError)
  check("wrongtype text", e.message, WRONGTYPE)
  check("wrongtype is a BaseError", e.is_a?(Redis::BaseError), true)
  e = raises("incr on a non-number", Redis::CommandError) { r.incr("e:str") }
  check("incr text", e.message, "ERR value is not an integer or out of range")
  e = raises("unknown command", Redis::CommandError) { r.call("nosuchcommand", "a") }
  raise "unknown text #{e.message}" unless e.message.start_with?("ERR unknown command 'nosuchcommand'")
  e = raises("arity", Redis::CommandError) { r.call("get") }
  check("arity text", e.message, "ERR wrong number of arguments for 'get' command")
  # The connection is still usable after every error.
  check("after errors", r.get("e:str"), "x")
end

def url_and_database(r)
  # The other common set-up: a URL naming database 2 (the library SELECTs it on connect).
  d = Redis.new(url: "redis://#{HOST}:#{PORT}/2")
  check("url database", d.info("keyspace").key?("db2"), false)
  check("url set", d.set("d:s", "välue"), "OK")
  check("url get", d.get("d:s"), "välue")
  check("url get encoding", d.get("d:s").encoding, Encoding::UTF_8)
  check("url keyspace", d.info("keyspace").key?("db2"), true)
  check("client list db 2", d.client(:list).any? { |c| c["db"] == "2" }, true)
  check("other database untouched", r.exists?("d:s"), false)
  check("select", r.select(2), "OK")
  check("select sees it", r.get("d:s"), "välue")
  check("select back", r.select(0), "OK")
  check("flushdb", d.flushdb, "OK")
  check("quit", d.quit, "OK")
  check("connected? after quit", d.connected?, false)
end

def reconnect_after_restart(r)
  r.set("restart:key", "kept")
  r.rpush("restart:list", %w[a b])
  patient = connect(reconnect_attempts: 5, reconnect_delay: 0.1, reconnect_delay_max: 1)
  check("patient client before", patient.get("restart:key"), "kept")
  puts "READY-FOR-RESTART"
  $stdout.flush
  check("runner's answer", $stdin.gets&.strip, "GO")
  # The default client (reconnect_attempts: 1) finds its socket closed and reconnects once.
  check("default client after restart", r.get("restart:key"), "kept")
  check("list after restart", r.lrange("restart:list", 0, -1), %w[a b])
  check("patient client after restart", patient.get("restart:key"), "kept")
  # Without reconnection the closed socket is the library's ConnectionError.
  strict = connect(reconnect_attempts: 0)
  check("strict client", strict.ping, "PONG")
  strict_id = strict.client(:id).to_s
  check("client kill", r.client(:kill, "ID", strict_id), 1)
  wait_until("killed client gone") { r.client(:list).none? { |c| c["id"] == strict_id } }
  raises("no reconnection", Redis::ConnectionError) { strict.ping }
  check("strict client reconnects on its next call", strict.ping, "PONG")
  patient.close
end

$stdout.sync = true
r = connect
%i[strings_with_expiry lists hashes sets sorted_sets pipelines_and_transactions pubsub
   scan_iteration info_and_client monitor errors url_and_database reconnect_after_restart].each do |step|
  send(step, r)
  puts "#{step}: ok"
end
puts "redis-rb #{Redis::VERSION} driver=#{r._client.options[:driver]}: ok"

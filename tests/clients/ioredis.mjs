// ioredis as its users drive it, against any Redis-compatible server.
//
// usage: node ioredis.mjs HOST PORT PROTOCOL
//
// PROTOCOL 3 is the library's default (ioredis 6 sends HELLO 3 and keeps RESP2-shaped replies,
// `replyMapping: "legacy"`); 2 is its `protocol: 2` option. Exits 0 when every check holds;
// the first failed check throws with the values it saw. In the middle it prints
// READY-FOR-RESTART and waits for a line GO on stdin: the runner restarts the server on the
// same port and data directory in between, and the program checks that the library
// reconnects by itself (its retryStrategy), resubscribes, and the data survived. The library
// comes from ALLYDB_TEST_NODE_CLIENTS (target/node-clients, installed by scripts/test.sh).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import {
  parseArguments, readLine, until, WRONGTYPE,
} from './node/harness.mjs';

const require = createRequire(`${process.env.ALLYDB_TEST_NODE_CLIENTS}/package.json`);
const { Redis, ReplyError } = require('ioredis');
const libraryVersion = require('ioredis/package.json').version;

const { host, port, protocol } = parseArguments();

// Errors the library reports through its 'error' event (a refused connection while the
// server restarts); without a listener ioredis prints them as unhandled.
const reportedErrors = [];

async function connect(options = {}) {
  const client = new Redis({ port, host, ...(protocol === 2 ? { protocol: 2 } : {}), ...options });
  client.on('error', (error) => reportedErrors.push(error));
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}

function check(name, got, expected) {
  assert.deepStrictEqual(got, expected, name);
}


// INFO and CLIENT LIST are text: parsed the way ioredis's own ready check parses INFO.
function parseInfo(text) {
  const fields = {};
  for (const line of text.split('\r\n')) {
    const [name, ...rest] = line.split(':');
    if (rest.length > 0) fields[name] = rest.join(':');
  }
  return fields;
}

function parseClientLine(line) {
  return Object.fromEntries(line.split(' ').map((pair) => {
    const at = pair.indexOf('=');
    return [pair.slice(0, at), pair.slice(at + 1)];
  }));
}

async function stringsWithExpiry(redis) {
  check('set', await redis.set('s:plain', 'v'), 'OK');
  check('get', await redis.get('s:plain'), 'v');
  check('get missing', await redis.get('s:missing'), null);
  check('set nx on existing', await redis.set('s:plain', 'w', 'NX'), null);
  check('set get', await redis.set('s:plain', 'w', 'GET'), 'v');
  check('set ex', await redis.set('s:ex', 'v', 'EX', 100), 'OK');
  const ttl = await redis.ttl('s:ex');
  assert.ok(ttl >= 99 && ttl <= 100, `ttl ${ttl}`);
  check('setex', await redis.setex('s:setex', 50, 'v'), 'OK');
  const pttl = await redis.pttl('s:setex');
  assert.ok(pttl >= 49_000 && pttl <= 50_000, `pttl ${pttl}`);
  check('set px', await redis.set('s:px', 'v', 'PX', 100), 'OK');
  check('set keepttl', await redis.set('s:ex', 'v2', 'KEEPTTL'), 'OK');
  assert.ok((await redis.ttl('s:ex')) > 0);
  check('persist', await redis.persist('s:ex'), 1);
  check('ttl after persist', await redis.ttl('s:ex'), -1);
  check('ttl missing', await redis.ttl('s:missing'), -2);
  check('expire', await redis.expire('s:ex', 1000), 1);
  assert.ok((await redis.expiretime('s:ex')) > Date.now() / 1000);
  check('getex', await redis.getex('s:plain', 'EX', 30), 'w');
  check('incr', await redis.incr('s:n'), 1);
  check('incrby', await redis.incrby('s:n', 41), 42);
  check('incrbyfloat', await redis.incrbyfloat('s:n', 0.5), '42.5');
  check('mset object', await redis.mset({ 's:a': '1', 's:b': '2' }), 'OK');
  check('mget', await redis.mget('s:a', 's:b', 's:missing'), ['1', '2', null]);
  check('append', await redis.append('s:a', '23'), 3);
  check('strlen', await redis.strlen('s:a'), 3);
  check('getrange', await redis.getrange('s:a', 0, 1), '12');
  check('exists', await redis.exists('s:a', 's:b', 's:missing'), 2);
  check('type', await redis.type('s:a'), 'string');
  check('getBuffer', await redis.getBuffer('s:a'), Buffer.from('123'));
  await until('s:px expired', async () => (await redis.get('s:px')) === null);
  check('del', await redis.del('s:a', 's:b', 's:missing'), 2);
}

async function lists(redis) {
  check('rpush', await redis.rpush('l', 'a', 'b', 'c'), 3);
  check('lpush', await redis.lpush('l', 'z'), 4);
  check('lrange', await redis.lrange('l', 0, -1), ['z', 'a', 'b', 'c']);
  check('llen', await redis.llen('l'), 4);
  check('lindex', await redis.lindex('l', 1), 'a');
  check('lpop', await redis.lpop('l'), 'z');
  check('rpop count', await redis.rpop('l', 2), ['c', 'b']);
  check('lmove', await redis.lmove('l', 'l2', 'LEFT', 'RIGHT'), 'a');
  check('blpop', await redis.blpop('l', 'l2', 1), ['l2', 'a']);
  check('blpop timeout', await redis.blpop('l', 0.1), null);
  await redis.rpush('l', 'x', 'y', 'x');
  check('lpos count', await redis.lpos('l', 'x', 'COUNT', 0), [0, 2]);
}

async function hashes(redis) {
  check('hset object', await redis.hset('h', { f1: '1', f2: '2' }), 2);
  check('hget', await redis.hget('h', 'f1'), '1');
  check('hgetall', await redis.hgetall('h'), { f1: '1', f2: '2' });
  check('hmget', await redis.hmget('h', 'f1', 'nope'), ['1', null]);
  check('hincrby', await redis.hincrby('h', 'f1', 9), 10);
  check('hincrbyfloat', await redis.hincrbyfloat('h', 'f2', 0.25), '2.25');
  check('hexists', await redis.hexists('h', 'f1'), 1);
  check('hkeys', (await redis.hkeys('h')).sort(), ['f1', 'f2']);
  check('hlen', await redis.hlen('h'), 2);
  check('hdel', await redis.hdel('h', 'f1', 'nope'), 1);
  check('hgetall missing', await redis.hgetall('h:missing'), {});
}

async function sets(redis) {
  check('sadd', await redis.sadd('set1', 'a', 'b', 'c'), 3);
  check('sadd again', await redis.sadd('set2', ['b', 'c', 'd']), 3);
  check('smembers', (await redis.smembers('set1')).sort(), ['a', 'b', 'c']);
  check('sismember', await redis.sismember('set1', 'a'), 1);
  check('smismember', await redis.smismember('set1', 'a', 'z'), [1, 0]);
  check('sinter', (await redis.sinter('set1', 'set2')).sort(), ['b', 'c']);
  check('sunion', (await redis.sunion('set1', 'set2')).sort(), ['a', 'b', 'c', 'd']);
  check('sdiff', await redis.sdiff('set1', 'set2'), ['a']);
  check('scard', await redis.scard('set1'), 3);
  check('srem', await redis.srem('set1', 'a', 'z'), 1);
  check('smembers missing', await redis.smembers('set:missing'), []);
}

async function sortedSets(redis) {
  check('zadd', await redis.zadd('z', 1, 'a', 2.5, 'b', 3, 'c'), 3);
  // The default replyMapping keeps RESP2's shapes over RESP3: scores are strings.
  check('zscore', await redis.zscore('z', 'b'), '2.5');
  check('zrange', await redis.zrange('z', 0, -1), ['a', 'b', 'c']);
  check('zrange withscores', await redis.zrange('z', 0, 1, 'WITHSCORES'), ['a', '1', 'b', '2.5']);
  check('zrevrange', await redis.zrevrange('z', 0, 0), ['c']);
  check('zrangebyscore', await redis.zrangebyscore('z', 2, '+inf'), ['b', 'c']);
  check('zincrby', await redis.zincrby('z', 10, 'a'), '11');
  check('zrank', await redis.zrank('z', 'a'), 2);
  check('zcard', await redis.zcard('z'), 3);
  check('zcount', await redis.zcount('z', '-inf', 3), 2);
  check('zpopmin', await redis.zpopmin('z'), ['b', '2.5']);
  check('zrem', await redis.zrem('z', 'c', 'nope'), 1);
  check('zmscore', await redis.zmscore('z', 'a', 'nope'), ['11', null]);
}

async function pipelinesAndTransactions(redis) {
  // exec() resolves to one [error, result] pair per command.
  check('pipeline', await redis.pipeline().set('p:1', 'a').get('p:1').incr('p:2')
    .lpush('p:l', 'x').hset('p:h', 'f', 'v').exec(),
  [[null, 'OK'], [null, 'a'], [null, 1], [null, 1], [null, 1]]);
  const withError = await redis.pipeline().get('p:1').lpush('p:1', 'x').incr('p:2').exec();
  check('pipeline with an error', [withError[0], withError[2]], [[null, 'a'], [null, 2]]);
  assert.ok(withError[1][0] instanceof ReplyError, withError);
  check('pipeline error text', withError[1][0].message, WRONGTYPE);
  check('multi/exec', await redis.multi().set('t:1', 'a').incr('t:2').get('t:1').exec(),
    [[null, 'OK'], [null, 1], [null, 'a']]);
  // The optimistic-locking loop: WATCH, read, MULTI, write, EXEC.
  check('watch', await redis.watch('t:2'), 'OK');
  const current = Number(await redis.get('t:2'));
  check('watched exec', await redis.multi().set('t:2', current + 1).exec(), [[null, 'OK']]);
  check('after watched exec', await redis.get('t:2'), '2');
  // Another client breaks the WATCH: ioredis's exec() resolves to null.
  const other = await connect();
  await redis.watch('t:1');
  await other.set('t:1', 'changed');
  check('broken watch', await redis.multi().set('t:1', 'mine').exec(), null);
  check('broken watch kept', await redis.get('t:1'), 'changed');
  await redis.watch('t:1');
  await other.set('t:1', 'changed again');
  check('unwatch', await redis.unwatch(), 'OK');
  check('exec after unwatch', await redis.multi().set('t:1', 'mine').exec(), [[null, 'OK']]);
  // An error inside EXEC is returned in its place; the other commands ran (no rollback).
  const inside = await redis.multi().set('t:s', 'x').lpush('t:s', 'y').get('t:s').exec();
  check('exec with an error', [inside[0], inside[2]], [[null, 'OK'], [null, 'x']]);
  assert.ok(inside[1][0] instanceof ReplyError, inside);
  check('exec error text', inside[1][0].message, WRONGTYPE);
  // A command refused while queueing: EXECABORT, with the refusal in previousErrors.
  await assert.rejects(redis.multi().set('t:q', 'x').call('GET').exec(), (error) => {
    assert.ok(error instanceof ReplyError, String(error));
    check('execabort text', error.message,
      'EXECABORT Transaction discarded because of previous errors.');
    check('previous errors', error.previousErrors.map((e) => e.message),
      ["ERR wrong number of arguments for 'get' command"]);
    return true;
  });
  check('aborted transaction wrote nothing', await redis.exists('t:q'), 0);
  other.disconnect();
}

async function pubsub(redis) {
  const subscriber = await connect();
  const received = [];
  subscriber.on('message', (channel, message) => received.push(['message', channel, message]));
  subscriber.on('pmessage', (pattern, channel, message) => received.push(['pmessage', pattern, channel, message]));
  check('subscribe count', await subscriber.subscribe('news', 'bytes'), 2);
  check('psubscribe count', await subscriber.psubscribe('n*'), 3);
  check('publish', await redis.publish('news', 'hello'), 2);
  await until('both messages', () => received.length === 2);
  check('messages', received, [['message', 'news', 'hello'], ['pmessage', 'n*', 'news', 'hello']]);
  if (protocol === 2) {
    // A RESP2 subscribed connection takes no ordinary command (the library refuses it).
    await assert.rejects(subscriber.get('p:1'), /subscriber mode/);
  } else {
    // Over RESP3 messages are pushes, and replies to commands share the connection.
    check('command while subscribed', await subscriber.get('p:1'), 'a');
  }
  const buffers = [];
  subscriber.on('messageBuffer', (channel, message) => buffers.push([channel.toString(), message]));
  check('publish bytes', await redis.publish('bytes', Buffer.from([0, 255, 10])), 1);
  await until('buffer message', () => buffers.some(([channel]) => channel === 'bytes'));
  check('messageBuffer', buffers.find(([channel]) => channel === 'bytes')[1], Buffer.from([0, 255, 10]));
  check('numsub', await redis.pubsub('NUMSUB', 'news', 'nobody'), ['news', 1, 'nobody', 0]);
  check('numpat', await redis.pubsub('NUMPAT'), 1);
  check('channels', (await redis.pubsub('CHANNELS')).sort(), ['bytes', 'news']);
  // Sharded channels (7.0).
  const shard = await connect();
  const sharded = [];
  shard.on('smessage', (channel, message) => sharded.push([channel, message]));
  check('ssubscribe count', await shard.ssubscribe('orders'), 1);
  check('spublish', await redis.spublish('orders', 'o1'), 1);
  await until('sharded message', () => sharded.length === 1);
  check('smessage', sharded, [['orders', 'o1']]);
  check('shardnumsub', await redis.pubsub('SHARDNUMSUB', 'orders'), ['orders', 1]);
  check('sunsubscribe count', await shard.sunsubscribe('orders'), 0);
  shard.disconnect();
  check('unsubscribe count', await subscriber.unsubscribe('news', 'bytes'), 1);
  check('punsubscribe count', await subscriber.punsubscribe('n*'), 0);
  // Out of subscriber mode: ordinary commands work again on the same connection.
  check('command after unsubscribe', await subscriber.get('p:1'), 'a');
  check('numpat after unsubscribe', await redis.pubsub('NUMPAT'), 0);
  subscriber.disconnect();
}

async function collect(stream) {
  const batches = [];
  for await (const batch of stream) batches.push(...batch);
  return batches;
}

async function scanIteration(redis) {
  await redis.mset(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`scan:${i}`, String(i)])));
  const keys = new Set(await collect(redis.scanStream({ match: 'scan:*', count: 25 })));
  check('scanStream', [...keys].sort(), Array.from({ length: 300 }, (_, i) => `scan:${i}`).sort());
  check('scanStream type', (await collect(redis.scanStream({ type: 'hash' }))).sort(), ['h', 'p:h']);
  await redis.hset('big:h', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, String(i)])));
  // hscanStream and zscanStream give flat [field, value, ...] batches.
  const pairs = await collect(redis.hscanStream('big:h', { count: 20 }));
  const fields = {};
  for (let i = 0; i < pairs.length; i += 2) fields[pairs[i]] = pairs[i + 1];
  check('hscanStream', fields, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, String(i)])));
  await redis.sadd('big:s', Array.from({ length: 200 }, (_, i) => String(i)));
  check('sscanStream', (await collect(redis.sscanStream('big:s', { match: '1*' }))).sort(),
    Array.from({ length: 200 }, (_, i) => String(i)).filter((m) => m.startsWith('1')).sort());
  await redis.zadd('big:z', ...Array.from({ length: 200 }, (_, i) => [i, `m${i}`]).flat());
  const scored = await collect(redis.zscanStream('big:z'));
  const scores = {};
  for (let i = 0; i < scored.length; i += 2) scores[scored[i]] = scored[i + 1];
  check('zscanStream', scores, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`m${i}`, String(i)])));
  check('scan nothing', await redis.scan('0', 'MATCH', 'nothing:*'), [(await redis.scan('0', 'MATCH', 'nothing:*'))[0], []]);
}

async function infoAndClient(redis) {
  const info = parseInfo(await redis.info());
  assert.match(info.redis_version, /^7\./);
  const [major, minor] = info.redis_version.split('.').map(Number);
  assert.match(info.connected_clients, /^\d+$/);
  check('loading (read by the ready check)', info.loading, '0');
  assert.match(parseInfo(await redis.info('keyspace')).db0, /^keys=\d+,expires=\d+/);
  check('info server port', parseInfo(await redis.info('server')).tcp_port, String(port));
  check('client setname', await redis.client('SETNAME', 'ioredis-test'), 'OK');
  check('client getname', await redis.client('GETNAME'), 'ioredis-test');
  check('config get', await redis.config('GET', 'maxclients'), ['maxclients', '10000']);
  const me = parseClientLine((await redis.client('INFO')).trim());
  check('client info name', me.name, 'ioredis-test');
  check('client info resp', me.resp, String(protocol));
  check('client id', await redis.client('ID'), Number(me.id));
  const listed = (await redis.client('LIST')).trim().split('\n').map(parseClientLine);
  assert.ok(listed.some((c) => c.name === 'ioredis-test' && c.id === me.id), listed);
  if (major > 7 || minor >= 2) {
    // ioredis sends CLIENT SETINFO on connect; 7.0 does not know it and the library ignores
    // the error there.
    check('lib-name', me['lib-name'], 'ioredis');
    check('lib-ver', me['lib-ver'], libraryVersion);
  }
  // connectionName and db are sent by the library itself (CLIENT SETNAME, SELECT).
  const named = await connect({ connectionName: 'ioredis-named', db: 2 });
  const namedInfo = parseClientLine((await named.client('INFO')).trim());
  check('connectionName', namedInfo.name, 'ioredis-named');
  check('db option', namedInfo.db, '2');
  check('database 2 set', await named.set('d:s', 'välue'), 'OK');
  check('database 2 get', await named.get('d:s'), 'välue');
  check('database 0 untouched', await redis.exists('d:s'), 0);
  check('flushdb', await named.flushdb(), 'OK');
  named.disconnect();
  assert.ok((await redis.dbsize()) > 0);
  const [seconds, micros] = await redis.time();
  assert.ok(Math.abs(Number(seconds) - Date.now() / 1000) < 60, seconds);
  assert.ok(Number(micros) >= 0 && Number(micros) < 1_000_000, micros);
  // ROLE: a master without replicas. Its offset is the journal's last sequence number on
  // AllyDB, 0 on a redis-server without replicas: both an integer.
  const role = await redis.role();
  check('role', [role[0], Number.isInteger(role[1]) && role[1] >= 0, role[2]], ['master', true, []]);
  check('ping', await redis.ping(), 'PONG');
  check('echo', await redis.echo('hi'), 'hi');
  assert.ok((await redis.command('COUNT')) > 100);
  const [get] = await redis.command('INFO', 'get');
  check('command info get', get.slice(0, 6), ['get', 2, ['readonly', 'fast'], 1, 1, 1]);
  if (protocol === 3) {
    // The other reply mapping: RESP3 maps as objects and doubles as numbers.
    const mapped = await connect({ replyMapping: 'resp3' });
    check('resp3 config get', await mapped.config('GET', 'maxclients'), { maxclients: '10000' });
    check('resp3 zscore', await mapped.zscore('big:z', 'm7'), 7);
    check('resp3 hgetall', await mapped.hgetall('p:h'), { f: 'v' });
    check('resp3 hello', (await mapped.hello()).proto, 3);
    mapped.disconnect();
  }
}

async function errors(redis) {
  await redis.set('e:str', 'x');
  await assert.rejects(redis.lpush('e:str', 'y'), (error) => {
    assert.ok(error instanceof ReplyError, String(error));
    check('wrongtype text', error.message, WRONGTYPE);
    check('wrongtype command', error.command, { name: 'lpush', args: ['e:str', 'y'] });
    return true;
  });
  await assert.rejects(redis.incr('e:str'), (error) => {
    assert.ok(error instanceof ReplyError, String(error));
    check('incr text', error.message, 'ERR value is not an integer or out of range');
    return true;
  });
  await assert.rejects(redis.call('NOSUCHCOMMAND', 'a'), (error) => {
    assert.ok(error instanceof ReplyError, String(error));
    assert.ok(error.message.startsWith("ERR unknown command 'NOSUCHCOMMAND'"), error.message);
    return true;
  });
  await assert.rejects(redis.call('GET'), (error) => {
    check('arity text', error.message, "ERR wrong number of arguments for 'get' command");
    return true;
  });
  check('after errors', await redis.get('e:str'), 'x');
}

// Options users set: keyPrefix, enableAutoPipelining; and monitor(), whose parser reads
// MONITOR's line format (time, arguments, source address, database).
async function optionsAndMonitor(redis) {
  const prefixed = await connect({ keyPrefix: 'app:' });
  check('prefixed set', await prefixed.set('k', 'v'), 'OK');
  check('seen unprefixed', await redis.get('app:k'), 'v');
  check('prefixed multi', await prefixed.multi().incr('n').get('k').exec(), [[null, 1], [null, 'v']]);
  check('prefix in transaction', await redis.get('app:n'), '1');
  prefixed.disconnect();
  const batched = await connect({ enableAutoPipelining: true });
  check('auto-pipelined', await Promise.all(Array.from({ length: 20 }, (_, i) => batched.incr(`auto:${i % 2}`))),
    Array.from({ length: 20 }, (_, i) => Math.floor(i / 2) + 1));
  batched.disconnect();
  const monitor = await redis.monitor();
  const seen = [];
  monitor.on('monitor', (time, args, source, database) => seen.push({ time, args, source, database }));
  const watched = await connect({ db: 3 });
  check('watched set', await watched.set('mon:key', 'two words'), 'OK');
  await until('monitored', () => seen.some((entry) => entry.args[0] === 'set'));
  const entry = seen.find((e) => e.args[0] === 'set');
  check('monitor args', entry.args, ['set', 'mon:key', 'two words']);
  check('monitor database', entry.database, '3');
  assert.match(entry.time, /^\d+\.\d{6}$/, entry.time);
  assert.match(entry.source, /^127\.0\.0\.1:\d+$/, entry.source);
  monitor.disconnect();
  check('flushdb 3', await watched.flushdb(), 'OK');
  watched.disconnect();
}

async function reconnectAfterRestart(redis) {
  await redis.set('restart:key', 'kept');
  await redis.rpush('restart:list', 'a', 'b');
  const retries = [];
  const retrying = await connect({
    connectionName: 'ioredis-retrying',
    retryStrategy: (times) => {
      retries.push(times);
      return Math.min(times * 50, 500);
    },
  });
  const reconnecting = [];
  retrying.on('reconnecting', () => reconnecting.push(Date.now()));
  check('retrying client before', await retrying.get('restart:key'), 'kept');
  // A subscriber: autoResubscribe subscribes again on the new connection.
  const subscriber = await connect();
  const received = [];
  subscriber.on('message', (channel, message) => received.push([channel, message]));
  await subscriber.subscribe('after-restart');
  console.log('READY-FOR-RESTART');
  check("runner's answer", await readLine(), 'GO');
  // The offline queue holds a command until the library has reconnected.
  check('default client after restart', await redis.get('restart:key'), 'kept');
  check('list after restart', await redis.lrange('restart:list', 0, -1), ['a', 'b']);
  check('retrying client after restart', await retrying.get('restart:key'), 'kept');
  assert.ok(retries.length > 0 && reconnecting.length > 0, 'retryStrategy never asked');
  // The name is set again on the new connection.
  check('name after restart', await retrying.client('GETNAME'), 'ioredis-retrying');
  await until('resubscribed', async () => (await redis.pubsub('NUMSUB', 'after-restart'))[1] === 1);
  check('publish after restart', await redis.publish('after-restart', 'again'), 1);
  await until('message after restart', () => received.length === 1);
  check('message after restart', received, [['after-restart', 'again']]);
  subscriber.disconnect();
  retrying.disconnect();
}

const redis = await connect();
for (const step of [stringsWithExpiry, lists, hashes, sets, sortedSets, pipelinesAndTransactions,
  pubsub, scanIteration, infoAndClient, errors, optionsAndMonitor, reconnectAfterRestart]) {
  await step(redis);
  console.log(`${step.name}: ok`);
}
check('quit', await redis.quit(), 'OK');
console.log(`ioredis ${libraryVersion} RESP${protocol}: ok`);

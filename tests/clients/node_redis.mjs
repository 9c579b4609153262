// node-redis (npm package `redis`) as its users drive it, against any Redis-compatible server.
//
// usage: node node_redis.mjs HOST PORT PROTOCOL
//
// Exits 0 when every check holds; the first failed check throws with the values it saw. In
// the middle it prints READY-FOR-RESTART and waits for a line GO on stdin: the runner restarts
// the server on the same port and data directory in between, and the program checks that the
// library reconnects by itself (its reconnect strategy), resubscribes, and the data survived.
// The library comes from ALLYDB_TEST_NODE_CLIENTS (target/node-clients, installed by
// scripts/test.sh). Everything uses the library's defaults but for the protocol, which the
// runner chooses (node-redis 6 defaults to RESP3; `RESP: 2` is the explicit opt-out).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  parseArguments, readLine, until, WRONGTYPE,
} from './node/harness.mjs';

const require = createRequire(`${process.env.ALLYDB_TEST_NODE_CLIENTS}/package.json`);
const {
  createClient, createClientPool, ErrorReply, MultiErrorReply, WatchError,
} = require('redis');
const libraryVersion = require('redis/package.json').version;

const { host, port, protocol } = parseArguments();
const url = `redis://${host}:${port}`;

// Errors the library reports through its 'error' event (a closed socket during the restart):
// a client without a listener would crash the process on the first one.
const reportedErrors = [];

async function connect(options = {}) {
  const client = createClient({ url, RESP: protocol, ...options });
  client.on('error', (error) => reportedErrors.push(error));
  await client.connect();
  return client;
}

// RESP3 maps come back as objects without a prototype: compare them as plain objects.
function plain(value) {
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function check(name, got, expected) {
  assert.deepStrictEqual(plain(got), expected, name);
}


function serverVersion(info) {
  const version = /^redis_version:(\d+)\.(\d+)/m.exec(info);
  assert.ok(version, info);
  return [Number(version[1]), Number(version[2])];
}

async function stringsWithExpiry(client) {
  check('set', await client.set('s:plain', 'v'), 'OK');
  check('get', await client.get('s:plain'), 'v');
  check('get missing', await client.get('s:missing'), null);
  check('set nx on existing', await client.set('s:plain', 'w', { NX: true }), null);
  check('set get', await client.set('s:plain', 'w', { GET: true }), 'v');
  check('set ex', await client.set('s:ex', 'v', { EX: 100 }), 'OK');
  const ttl = await client.ttl('s:ex');
  assert.ok(ttl >= 99 && ttl <= 100, `ttl ${ttl}`);
  check('setEx', await client.setEx('s:setex', 50, 'v'), 'OK');
  const pttl = await client.pTTL('s:setex');
  assert.ok(pttl >= 49_000 && pttl <= 50_000, `pttl ${pttl}`);
  check('set px', await client.set('s:px', 'v', { PX: 100 }), 'OK');
  check('set expiration object', await client.set('s:exat', 'v', {
    expiration: { type: 'EXAT', value: Math.floor(Date.now() / 1000) + 1000 },
  }), 'OK');
  check('set keepttl', await client.set('s:ex', 'v2', { KEEPTTL: true }), 'OK');
  assert.ok((await client.ttl('s:ex')) > 0);
  check('persist', await client.persist('s:ex'), 1);
  check('ttl after persist', await client.ttl('s:ex'), -1);
  check('ttl missing', await client.ttl('s:missing'), -2);
  check('expire', await client.expire('s:ex', 1000), 1);
  assert.ok((await client.expireTime('s:ex')) > Date.now() / 1000);
  check('getEx', await client.getEx('s:plain', { type: 'EX', value: 30 }), 'w');
  check('incr', await client.incr('s:n'), 1);
  check('incrBy', await client.incrBy('s:n', 41), 42);
  check('incrByFloat', await client.incrByFloat('s:n', 0.5), '42.5');
  check('mSet', await client.mSet({ 's:a': '1', 's:b': '2' }), 'OK');
  check('mGet', await client.mGet(['s:a', 's:b', 's:missing']), ['1', '2', null]);
  check('append', await client.append('s:a', '23'), 3);
  check('strLen', await client.strLen('s:a'), 3);
  check('getRange', await client.getRange('s:a', 0, 1), '12');
  check('exists', await client.exists(['s:a', 's:b', 's:missing']), 2);
  check('type', await client.type('s:a'), 'string');
  await until('s:px expired', async () => (await client.get('s:px')) === null);
  check('del', await client.del(['s:a', 's:b', 's:missing']), 2);
}

async function lists(client) {
  check('rPush', await client.rPush('l', ['a', 'b', 'c']), 3);
  check('lPush', await client.lPush('l', 'z'), 4);
  check('lRange', await client.lRange('l', 0, -1), ['z', 'a', 'b', 'c']);
  check('lLen', await client.lLen('l'), 4);
  check('lIndex', await client.lIndex('l', 1), 'a');
  check('lPop', await client.lPop('l'), 'z');
  check('rPopCount', await client.rPopCount('l', 2), ['c', 'b']);
  check('lMove', await client.lMove('l', 'l2', 'LEFT', 'RIGHT'), 'a');
  check('blPop', await client.blPop(['l', 'l2'], 1), { key: 'l2', element: 'a' });
  check('blPop timeout', await client.blPop('l', 0.1), null);
  await client.rPush('l', ['x', 'y', 'x']);
  check('lPosCount', await client.lPosCount('l', 'x', 0), [0, 2]);
}

async function hashes(client) {
  check('hSet object', await client.hSet('h', { f1: '1', f2: '2' }), 2);
  check('hGet', await client.hGet('h', 'f1'), '1');
  check('hGetAll', await client.hGetAll('h'), { f1: '1', f2: '2' });
  check('hmGet', await client.hmGet('h', ['f1', 'nope']), ['1', null]);
  check('hIncrBy', await client.hIncrBy('h', 'f1', 9), 10);
  check('hIncrByFloat', await client.hIncrByFloat('h', 'f2', 0.25), '2.25');
  check('hExists', await client.hExists('h', 'f1'), 1);
  check('hKeys', (await client.hKeys('h')).sort(), ['f1', 'f2']);
  check('hLen', await client.hLen('h'), 2);
  check('hDel', await client.hDel('h', ['f1', 'nope']), 1);
  check('hGetAll missing', await client.hGetAll('h:missing'), {});
}

async function sets(client) {
  check('sAdd', await client.sAdd('set1', ['a', 'b', 'c']), 3);
  check('sAdd again', await client.sAdd('set2', ['b', 'c', 'd']), 3);
  check('sMembers', (await client.sMembers('set1')).sort(), ['a', 'b', 'c']);
  check('sIsMember', await client.sIsMember('set1', 'a'), 1);
  check('smIsMember', await client.smIsMember('set1', ['a', 'z']), [1, 0]);
  check('sInter', (await client.sInter(['set1', 'set2'])).sort(), ['b', 'c']);
  check('sUnion', (await client.sUnion(['set1', 'set2'])).sort(), ['a', 'b', 'c', 'd']);
  check('sDiff', await client.sDiff(['set1', 'set2']), ['a']);
  check('sCard', await client.sCard('set1'), 3);
  check('sRem', await client.sRem('set1', ['a', 'z']), 1);
  check('sMembers missing', await client.sMembers('set:missing'), []);
}

async function sortedSets(client) {
  check('zAdd', await client.zAdd('z', [
    { score: 1, value: 'a' }, { score: 2.5, value: 'b' }, { score: 3, value: 'c' },
  ]), 3);
  check('zScore', await client.zScore('z', 'b'), 2.5);
  check('zRange', await client.zRange('z', 0, -1), ['a', 'b', 'c']);
  check('zRangeWithScores', await client.zRangeWithScores('z', 0, 1), [
    { value: 'a', score: 1 }, { value: 'b', score: 2.5 },
  ]);
  check('zRange REV', await client.zRange('z', 0, 0, { REV: true }), ['c']);
  check('zRangeByScore', await client.zRangeByScore('z', 2, '+inf'), ['b', 'c']);
  check('zIncrBy', await client.zIncrBy('z', 10, 'a'), 11);
  check('zRank', await client.zRank('z', 'a'), 2);
  check('zCard', await client.zCard('z'), 3);
  check('zCount', await client.zCount('z', '-inf', 3), 2);
  check('zPopMin', await client.zPopMin('z'), { value: 'b', score: 2.5 });
  check('zRem', await client.zRem('z', ['c', 'nope']), 1);
  check('zmScore', await client.zmScore('z', ['a', 'nope']), [11, null]);
}

async function pipelinesAndTransactions(client) {
  // Commands issued in one tick are written as one pipeline (node-redis's auto-pipelining).
  check('auto-pipelined', await Promise.all([
    client.set('p:1', 'a'), client.get('p:1'), client.incr('p:2'), client.lPush('p:l', 'x'),
    client.hSet('p:h', 'f', 'v'),
  ]), ['OK', 'a', 1, 1, 1]);
  check('execAsPipeline', await client.multi().set('p:3', 'b').get('p:3').incr('p:2')
    .execAsPipeline(), ['OK', 'b', 2]);
  check('multi/exec', await client.multi().set('t:1', 'a').incr('t:2').get('t:1').exec(),
    ['OK', 1, 'a']);
  // The optimistic-locking loop: WATCH, read, MULTI, write, EXEC.
  await client.watch('t:2');
  const current = Number(await client.get('t:2'));
  check('watched exec', await client.multi().set('t:2', String(current + 1)).exec(), ['OK']);
  check('after watched exec', await client.get('t:2'), '2');
  const other = await connect();
  await client.watch('t:1');
  await other.set('t:1', 'changed');
  await assert.rejects(client.multi().set('t:1', 'mine').exec(), WatchError, 'broken WATCH');
  check('broken watch kept', await client.get('t:1'), 'changed');
  // UNWATCH forgets the watched key: the same change no longer aborts the EXEC.
  await client.watch('t:1');
  await other.set('t:1', 'changed again');
  check('unwatch', await client.unwatch(), 'OK');
  check('exec after unwatch', await client.multi().set('t:1', 'mine').exec(), ['OK']);
  // An error inside EXEC: the other commands ran (no rollback), the library throws
  // MultiErrorReply carrying every reply and where the errors are.
  const failing = client.multi().set('t:s', 'x').lPush('t:s', 'y').get('t:s').exec();
  await assert.rejects(failing, (error) => {
    assert.ok(error instanceof MultiErrorReply, String(error));
    check('multi error indexes', error.errorIndexes, [1]);
    check('multi error text', error.replies[1].message, WRONGTYPE);
    check('multi other replies', [error.replies[0], error.replies[2]], ['OK', 'x']);
    return true;
  });
  check('no rollback', await client.get('t:s'), 'x');
  // A command the server refuses while queueing: EXEC is discarded (EXECABORT), and the
  // library rejects with the refused command's own error.
  const aborted = client.multi().set('t:q', 'x').addCommand(['GET']).exec();
  await assert.rejects(aborted, (error) => {
    assert.ok(error instanceof ErrorReply, String(error));
    check('queueing error text', error.message, "ERR wrong number of arguments for 'get' command");
    return true;
  });
  check('aborted transaction wrote nothing', await client.exists('t:q'), 0);
  other.destroy();
}

async function pubsub(client) {
  const subscriber = client.duplicate();
  subscriber.on('error', (error) => reportedErrors.push(error));
  await subscriber.connect();
  const received = [];
  await subscriber.subscribe('news', (message, channel) => received.push(['message', channel, message]));
  await subscriber.pSubscribe('n*', (message, channel) => received.push(['pmessage', channel, message]));
  check('publish', await client.publish('news', 'hello'), 2);
  await until('both messages', () => received.length === 2);
  check('messages', received, [['message', 'news', 'hello'], ['pmessage', 'news', 'hello']]);
  check('numSub', await client.pubSubNumSub(['news', 'nobody']), { news: 1, nobody: 0 });
  check('numPat', await client.pubSubNumPat(), 1);
  check('channels', await client.pubSubChannels(), ['news']);
  // Buffer mode: the listener gets the payload as bytes.
  const buffers = [];
  await subscriber.subscribe('bytes', (message) => buffers.push(message), true);
  check('publish bytes', await client.publish('bytes', Buffer.from([0, 255, 10])), 1);
  await until('buffer message', () => buffers.length === 1);
  assert.ok(Buffer.isBuffer(buffers[0]) && buffers[0].equals(Buffer.from([0, 255, 10])), buffers);
  // Sharded channels (7.0).
  const sharded = [];
  await subscriber.sSubscribe('orders', (message, channel) => sharded.push([channel, message]));
  check('sPublish', await client.sPublish('orders', 'o1'), 1);
  await until('sharded message', () => sharded.length === 1);
  check('smessage', sharded, [['orders', 'o1']]);
  check('shardNumSub', await client.pubSubShardNumSub(['orders']), { orders: 1 });
  await subscriber.sUnsubscribe('orders');
  // Over RESP3 one connection carries both pushes and ordinary replies.
  if (protocol === 3) {
    const pushed = [];
    await client.subscribe('mixed', (message) => pushed.push(message));
    check('command while subscribed', await client.get('p:1'), 'a');
    check('publish to self', await client.publish('mixed', 'push'), 1);
    await until('push message', () => pushed.length === 1);
    check('get after push', await client.get('p:3'), 'b');
    check('pushed', pushed, ['push']);
    await client.unsubscribe('mixed');
  }
  await subscriber.unsubscribe();
  await subscriber.pUnsubscribe();
  await until('numPat after unsubscribe', async () => (await client.pubSubNumPat()) === 0);
  check('numSub after unsubscribe', await client.pubSubNumSub(['news']), { news: 0 });
  subscriber.destroy();
}

async function scanIteration(client) {
  await client.mSet(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`scan:${i}`, String(i)])));
  const keys = new Set();
  for await (const batch of client.scanIterator({ MATCH: 'scan:*', COUNT: 25 })) {
    for (const key of batch) keys.add(key);
  }
  check('scanIterator', [...keys].sort(), Array.from({ length: 300 }, (_, i) => `scan:${i}`).sort());
  const hashKeys = [];
  for await (const batch of client.scanIterator({ TYPE: 'hash' })) hashKeys.push(...batch);
  check('scanIterator TYPE', hashKeys.sort(), ['h', 'p:h']);
  await client.hSet('big:h', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, String(i)])));
  const fields = {};
  for await (const entries of client.hScanIterator('big:h', { COUNT: 20 })) {
    for (const { field, value } of entries) fields[field] = value;
  }
  check('hScanIterator', fields, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, String(i)])));
  await client.sAdd('big:s', Array.from({ length: 200 }, (_, i) => String(i)));
  const members = [];
  for await (const batch of client.sScanIterator('big:s', { MATCH: '1*' })) members.push(...batch);
  check('sScanIterator', members.sort(), Array.from({ length: 200 }, (_, i) => String(i)).filter((m) => m.startsWith('1')).sort());
  await client.zAdd('big:z', Array.from({ length: 200 }, (_, i) => ({ score: i, value: `m${i}` })));
  const scores = {};
  for await (const batch of client.zScanIterator('big:z')) {
    for (const { value, score } of batch) scores[value] = score;
  }
  check('zScanIterator', scores, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`m${i}`, i])));
  const empty = await client.scan('0', { MATCH: 'nothing:*' });
  assert.ok(typeof empty.cursor === 'string' && Array.isArray(empty.keys), empty);
  check('scan nothing keys', empty.keys, []);
}

async function infoAndClient(client) {
  const info = await client.info();
  assert.equal(typeof info, 'string');
  const [major, minor] = serverVersion(info);
  assert.equal(major, 7, info);
  assert.match(info, /^connected_clients:\d+\r?$/m);
  assert.match(await client.info('keyspace'), /^db0:keys=\d+,expires=\d+/m);
  check('info server port', /^tcp_port:(\d+)/m.exec(await client.info('server'))[1], String(port));
  check('clientSetName', await client.clientSetName('node-redis-test'), 'OK');
  check('clientGetName', await client.clientGetName(), 'node-redis-test');
  check('configGet', await client.configGet('maxclients'), { maxclients: '10000' });
  assert.ok('databases' in (await client.configGet('*')));
  const me = await client.clientInfo();
  check('clientInfo name', me.name, 'node-redis-test');
  check('clientInfo resp', me.resp, protocol);
  check('clientInfo db', me.db, 0);
  check('clientId', await client.clientId(), me.id);
  const listed = await client.clientList();
  assert.ok(listed.some((c) => c.name === 'node-redis-test' && c.id === me.id), listed);
  assert.ok(listed.every((c) => Number.isInteger(c.id) && typeof c.addr === 'string'), listed);
  if (major > 7 || minor >= 2) {
    // The library sends CLIENT SETINFO on connect; 7.0 does not know it and the library
    // ignores the error there.
    check('libName', me.libName, 'node-redis');
    check('libVer', me.libVer, libraryVersion);
  }
  assert.ok((await client.dbSize()) > 0);
  const [seconds, micros] = await client.time();
  assert.ok(Math.abs(Number(seconds) - Date.now() / 1000) < 60, seconds);
  assert.ok(Number(micros) >= 0 && Number(micros) < 1_000_000, micros);
  // ROLE parsed by the library (its field name is spelled `replicationOffest`).
  // The offset is the journal's last sequence number on AllyDB, 0 on a redis-server without
  // replicas: both an integer.
  const role = await client.role();
  check('role', { ...role, replicationOffest: Number.isInteger(role.replicationOffest) },
    { role: 'master', replicationOffest: true, replicas: [] });
  check('ping', await client.ping(), 'PONG');
  check('echo', await client.echo('hi'), 'hi');
  assert.ok((await client.commandCount()) > 100);
  const [get] = await client.commandInfo(['get']);
  check('commandInfo get', [get.name, get.arity, get.firstKeyIndex, get.lastKeyIndex, get.step], ['get', 2, 1, 1, 1]);
  assert.ok(get.flags.has('readonly'), get.flags);
  // A database chosen in the URL: the library SELECTs it on connect (and on reconnect).
  const other = await connect({ url: `${url}/2` });
  check('url database', (await other.clientInfo()).db, 2);
  check('database 2 set', await other.set('d:s', 'välue'), 'OK');
  check('database 2 get', await other.get('d:s'), 'välue');
  check('database 0 untouched', await client.exists('d:s'), 0);
  check('flushDb', await other.flushDb(), 'OK');
  other.destroy();
}

async function errors(client) {
  await client.set('e:str', 'x');
  await assert.rejects(client.lPush('e:str', 'y'), (error) => {
    assert.ok(error instanceof ErrorReply, String(error));
    check('wrongtype text', error.message, WRONGTYPE);
    return true;
  });
  await assert.rejects(client.incr('e:str'), (error) => {
    assert.ok(error instanceof ErrorReply, String(error));
    check('incr text', error.message, 'ERR value is not an integer or out of range');
    return true;
  });
  await assert.rejects(client.sendCommand(['NOSUCHCOMMAND', 'a']), (error) => {
    assert.ok(error instanceof ErrorReply, String(error));
    assert.ok(error.message.startsWith("ERR unknown command 'NOSUCHCOMMAND'"), error.message);
    return true;
  });
  await assert.rejects(client.sendCommand(['GET']), (error) => {
    check('arity text', error.message, "ERR wrong number of arguments for 'get' command");
    return true;
  });
  check('after errors', await client.get('e:str'), 'x');
}

// Two features users reach for: a pool (blocking commands on their own connections), and,
// over RESP3, client-side caching (CLIENT TRACKING ON, invalidated by the server's pushes).
async function poolAndCache(client) {
  const pool = createClientPool({ url, RESP: protocol }, { minimum: 1, maximum: 2 });
  pool.on('error', (error) => reportedErrors.push(error));
  await pool.connect();
  const served = pool.blPop('pool:l', 10);
  await until('pool client blocked', async () => /^blocked_clients:1\r?$/m.test(await client.info('clients')));
  check('pool set while blocked', await pool.set('pool:k', 'v'), 'OK');
  check('push to blocked', await client.rPush('pool:l', 'x'), 1);
  check('pool blPop', await served, { key: 'pool:l', element: 'x' });
  check('pool multi', await pool.multi().incr('pool:n').incr('pool:n').exec(), [1, 2]);
  await pool.close();
  if (protocol !== 3) return;
  const cached = await connect({ clientSideCache: { ttl: 0, maxEntries: 0, evictPolicy: 'LRU' } });
  const cache = cached.clientSideCache;
  check('cache miss', await cached.get('s:plain'), 'w');
  check('cache hit', await cached.get('s:plain'), 'w');
  check('cache stats', [cache.stats().hitCount, cache.stats().missCount], [1, 1]);
  check('tracking on', (await cached.sendCommand(['CLIENT', 'TRACKINGINFO'])).flags, ['on']);
  // Another client's write makes the server push an invalidation for the key.
  check('write elsewhere', await client.set('s:plain', 'changed'), 'OK');
  await until('invalidated', async () => (await cached.get('s:plain')) === 'changed');
  check('hSet elsewhere', await client.hSet('h', 'f2', '3'), 0);
  check('cached hGetAll', await cached.hGetAll('h'), { f2: '3' });
  check('hSet again elsewhere', await client.hSet('h', 'f2', '4'), 0);
  await until('hash invalidated', async () => (await cached.hGetAll('h')).f2 === '4');
  cached.destroy();
}

async function reconnectAfterRestart(client) {
  await client.set('restart:key', 'kept');
  await client.rPush('restart:list', ['a', 'b']);
  const reconnecting = [];
  const retrying = await connect({
    socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1000) },
  });
  retrying.on('reconnecting', () => reconnecting.push(Date.now()));
  check('retrying client before', await retrying.get('restart:key'), 'kept');
  // A subscriber: the library subscribes again on the new connection by itself.
  const subscriber = client.duplicate();
  subscriber.on('error', (error) => reportedErrors.push(error));
  await subscriber.connect();
  const received = [];
  await subscriber.subscribe('after-restart', (message) => received.push(message));
  const errorsBefore = reportedErrors.length;
  console.log('READY-FOR-RESTART');
  check("runner's answer", await readLine(), 'GO');
  // The default strategy reconnects in the background; a command waits in the offline queue.
  check('default client after restart', await client.get('restart:key'), 'kept');
  check('list after restart', await client.lRange('restart:list', 0, -1), ['a', 'b']);
  check('retrying client after restart', await retrying.get('restart:key'), 'kept');
  assert.ok(reconnecting.length > 0, 'no reconnecting event');
  assert.ok(reportedErrors.length > errorsBefore, 'the lost connection was not reported');
  await until('resubscribed', async () => (await client.pubSubNumSub(['after-restart']))['after-restart'] === 1);
  check('publish after restart', await client.publish('after-restart', 'again'), 1);
  await until('message after restart', () => received.length === 1);
  check('message after restart', received, ['again']);
  subscriber.destroy();
  retrying.destroy();
}

const client = await connect();
for (const step of [stringsWithExpiry, lists, hashes, sets, sortedSets, pipelinesAndTransactions,
  pubsub, scanIteration, infoAndClient, errors, poolAndCache, reconnectAfterRestart]) {
  await step(client);
  console.log(`${step.name}: ok`);
}
await client.close();
console.log(`node-redis ${libraryVersion} RESP${protocol}: ok`);

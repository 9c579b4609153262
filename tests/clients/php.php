<?php
// phpredis (Debian's php-redis) as its users drive it, against any Redis-compatible server.
//
// usage: php php.php HOST PORT
//
// Exits 0 when every check holds; the first failed check throws with the values it saw. In
// the middle it prints READY-FOR-RESTART and waits for a line GO on stdin: the runner
// restarts the server on the same port and data directory in between, and the program checks
// that the extension reconnects by itself and the data survived. Everything uses the
// extension's defaults (RESP2: phpredis 5 has no RESP3; no serializer, no prefix), with
// SCAN_RETRY for the SCAN loops as its documentation recommends.
declare(strict_types=1);

[$_, $host, $port] = $argv;
$port = (int)$port;
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

function connect(): Redis
{
    global $host, $port;
    $r = new Redis();
    $r->connect($host, $port);
    return $r;
}

function check(string $name, $got, $expected): void
{
    if ($got !== $expected) {
        throw new Exception("$name: got " . var_export($got, true) . ', expected ' . var_export($expected, true));
    }
}

function wait_until(string $name, callable $condition): void
{
    $deadline = microtime(true) + 10;
    while (!$condition()) {
        if (microtime(true) > $deadline) {
            throw new Exception("$name: not within 10 s");
        }
        usleep(50_000);
    }
}

// The extension reports a command error as `false` and keeps the text for getLastError().
function error_of(Redis $r, string $name, $reply): string
{
    check("$name returns false", $reply, false);
    $error = $r->getLastError();
    if (!is_string($error)) {
        throw new Exception("$name: no last error");
    }
    $r->clearLastError();
    // phpredis 5.3.7 ends some texts with a NUL byte, from redis-server as from AllyDB.
    return rtrim($error, "\0");
}

function strings_with_expiry(Redis $r): void
{
    check('set', $r->set('s:plain', 'v'), true);
    check('get', $r->get('s:plain'), 'v');
    check('get missing', $r->get('s:missing'), false);
    check('set nx on existing', $r->set('s:plain', 'w', ['nx']), false);
    check('set ex', $r->set('s:ex', 'v', ['ex' => 100]), true);
    $ttl = $r->ttl('s:ex');
    check('ttl', $ttl >= 99 && $ttl <= 100, true);
    check('setex', $r->setEx('s:setex', 50, 'v'), true);
    $pttl = $r->pttl('s:setex');
    check('pttl', $pttl >= 49_000 && $pttl <= 50_000, true);
    check('set px', $r->set('s:px', 'v', ['px' => 100]), true);
    check('set keepttl', $r->set('s:ex', 'v2', ['keepttl']), true);
    check('ttl kept', $r->ttl('s:ex') > 0, true);
    check('persist', $r->persist('s:ex'), true);
    check('ttl after persist', $r->ttl('s:ex'), -1);
    check('ttl missing', $r->ttl('s:missing'), -2);
    check('expire', $r->expire('s:ex', 1000), true);
    check('incr', $r->incr('s:n'), 1);
    check('incrBy', $r->incrBy('s:n', 41), 42);
    check('incrByFloat', $r->incrByFloat('s:n', 0.5), 42.5);
    check('mSet', $r->mSet(['s:a' => '1', 's:b' => '2']), true);
    check('mGet', $r->mGet(['s:a', 's:b', 's:missing']), ['1', '2', false]);
    check('append', $r->append('s:a', '23'), 3);
    check('strlen', $r->strlen('s:a'), 3);
    check('getRange', $r->getRange('s:a', 0, 1), '12');
    check('exists', $r->exists('s:a', 's:b', 's:missing'), 2);
    check('type', $r->type('s:a'), Redis::REDIS_STRING);
    wait_until('s:px expired', fn () => $r->get('s:px') === false);
    check('del', $r->del('s:a', 's:b', 's:missing'), 2);
}

function collections(Redis $r): void
{
    check('rPush', $r->rPush('l', 'a', 'b', 'c'), 3);
    check('lPush', $r->lPush('l', 'z'), 4);
    check('lRange', $r->lRange('l', 0, -1), ['z', 'a', 'b', 'c']);
    check('lLen', $r->lLen('l'), 4);
    check('lIndex', $r->lIndex('l', 1), 'a');
    check('lPop', $r->lPop('l'), 'z');
    check('rPop', $r->rPop('l'), 'c');
    check('rPopLPush', $r->rPopLPush('l', 'l2'), 'b');
    check('blPop', $r->blPop(['l', 'l2'], 1), ['l', 'a']);
    check('blPop timeout', $r->blPop(['l'], 1), []);
    check('hSet', $r->hSet('h', 'f1', '1'), 1);
    check('hMSet', $r->hMSet('h', ['f2' => '2', 'f3' => '3']), true);
    check('hGet', $r->hGet('h', 'f1'), '1');
    check('hGetAll', $r->hGetAll('h'), ['f1' => '1', 'f2' => '2', 'f3' => '3']);
    check('hMGet', $r->hMGet('h', ['f1', 'nope']), ['f1' => '1', 'nope' => false]);
    check('hIncrBy', $r->hIncrBy('h', 'f1', 9), 10);
    check('hIncrByFloat', $r->hIncrByFloat('h', 'f2', 0.25), 2.25);
    check('hExists', $r->hExists('h', 'f1'), true);
    check('hLen', $r->hLen('h'), 3);
    check('hDel', $r->hDel('h', 'f1', 'nope'), 1);
    check('sAdd', $r->sAdd('set1', 'a', 'b', 'c'), 3);
    check('sAddArray', $r->sAddArray('set2', ['b', 'c', 'd']), 3);
    check('sIsMember', $r->sIsMember('set1', 'a'), true);
    $inter = $r->sInter('set1', 'set2');
    sort($inter);
    check('sInter', $inter, ['b', 'c']);
    check('sDiff', $r->sDiff('set1', 'set2'), ['a']);
    check('sCard', $r->sCard('set1'), 3);
    check('sRem', $r->sRem('set1', 'a', 'z'), 1);
    check('zAdd', $r->zAdd('z', 1, 'a', 2.5, 'b', 3, 'c'), 3);
    check('zScore', $r->zScore('z', 'b'), 2.5);
    check('zRange', $r->zRange('z', 0, -1), ['a', 'b', 'c']);
    check('zRange withscores', $r->zRange('z', 0, 1, true), ['a' => 1.0, 'b' => 2.5]);
    check('zRevRange', $r->zRevRange('z', 0, 0), ['c']);
    check('zRangeByScore', $r->zRangeByScore('z', '2', '+inf', ['withscores' => true, 'limit' => [0, 1]]), ['b' => 2.5]);
    check('zIncrBy', $r->zIncrBy('z', 10, 'a'), 11.0);
    check('zRank', $r->zRank('z', 'a'), 2);
    check('zCard', $r->zCard('z'), 3);
    check('zCount', $r->zCount('z', '-inf', '3'), 2);
    check('zPopMin', $r->zPopMin('z'), ['b' => 2.5]);
    check('zRem', $r->zRem('z', 'c', 'nope'), 1);
}

function pipelines_and_transactions(Redis $r): void
{
    check('pipeline', $r->pipeline()->set('p:1', 'a')->get('p:1')->incr('p:2')->lPush('p:l', 'x')->exec(), [true, 'a', 1, 1]);
    // A long pipeline and a large binary value: the server reads and answers in pieces.
    $big = str_repeat(implode('', array_map('chr', range(0, 255))), 4096);
    $pipeline = $r->pipeline();
    for ($i = 0; $i < 1000; $i++) {
        $pipeline->rPush('p:long', (string)$i);
    }
    $replies = $pipeline->set('p:big', $big)->get('p:big')->exec();
    check('long pipeline', array_slice($replies, 0, 1000), range(1, 1000));
    check('large value', [$replies[1000], $replies[1001] === $big, strlen($replies[1001])], [true, true, 1 << 20]);
    check('multi', $r->multi()->set('t:1', 'a')->incr('t:2')->get('t:1')->exec(), [true, 1, 'a']);
    // The optimistic-locking idiom: WATCH, read, MULTI, write, EXEC.
    $r->watch('t:2');
    $current = (int)$r->get('t:2');
    check('watched exec', $r->multi()->set('t:2', (string)($current + 1))->exec(), [true]);
    $other = connect();
    $r->watch('t:1');
    $other->set('t:1', 'changed');
    // exec() returns false when another client broke the WATCH: the extension's signal.
    check('broken watch', $r->multi()->set('t:1', 'mine')->exec(), false);
    check('broken watch kept', $r->get('t:1'), 'changed');
    // An error inside EXEC is `false` in its place; the other commands ran (no rollback).
    check('exec with an error', $r->multi()->set('t:s', 'x')->lPush('t:s', 'y')->get('t:s')->exec(), [true, false, 'x']);
    $other->close();
}

function pubsub(Redis $r): void
{
    global $host, $port;
    // subscribe() blocks this process until the connection closes: another process publishes,
    // once the subscriber is there, and the callback closes the connection when it is done.
    $publisher = pcntl_fork();
    if ($publisher === 0) {
        $p = connect();
        wait_until('subscriber', fn () => $p->pubsub('numsub', ['news']) === ['news' => 1]);
        $p->publish('news', 'hello');
        wait_until('pattern subscriber', fn () => $p->pubsub('numpat') === 1);
        $p->publish('news', 'pattern hello');
        exit(0);
    }
    $subscriber = connect();
    $received = [];
    try {
        $subscriber->subscribe(['news'], function (Redis $redis, string $channel, string $message) use (&$received) {
            $received[] = [$channel, $message];
            $redis->close();
        });
        throw new Exception('subscribe returned');
    } catch (RedisException $e) {
        check('subscribe ended by close', $e->getMessage(), 'Connection closed');
    }
    check('message', $received, [['news', 'hello']]);
    $received = [];
    try {
        $subscriber->psubscribe(['n*'], function (Redis $redis, string $pattern, string $channel, string $message) use (&$received) {
            $received[] = [$pattern, $channel, $message];
            $redis->close();
        });
        throw new Exception('psubscribe returned');
    } catch (RedisException $e) {
        check('psubscribe ended by close', $e->getMessage(), 'Connection closed');
    }
    check('pmessage', $received, [['n*', 'news', 'pattern hello']]);
    pcntl_waitpid($publisher, $status);
    check('publisher', pcntl_wexitstatus($status), 0);
    // Closing a subscribed connection ends its subscriptions (once the server sees the close).
    wait_until('subscriptions gone', fn () => $r->pubsub('numsub', ['news']) === ['news' => 0] && $r->pubsub('numpat') === 0);
    check('publish to nobody', $r->publish('news', 'x'), 0);
}

function scan_iteration(Redis $r): void
{
    $r->setOption(Redis::OPT_SCAN, Redis::SCAN_RETRY);
    $values = [];
    for ($i = 0; $i < 300; $i++) {
        $values["scan:$i"] = (string)$i;
    }
    $r->mSet($values);
    $found = [];
    $iterator = null;
    while (($keys = $r->scan($iterator, 'scan:*', 25)) !== false) {
        array_push($found, ...$keys);
    }
    sort($found);
    $expected = array_keys($values);
    sort($expected);
    check('scan', $found, $expected);
    $fields = [];
    for ($i = 0; $i < 200; $i++) {
        $fields["f$i"] = (string)$i;
    }
    $r->hMSet('big:h', $fields);
    $found = [];
    $iterator = null;
    while (($page = $r->hScan('big:h', $iterator, '*', 20)) !== false) {
        $found += $page;
    }
    ksort($found);
    ksort($fields);
    check('hScan', $found, $fields);
    $r->sAddArray('big:s', range(0, 199));
    $found = [];
    $iterator = null;
    while (($page = $r->sScan('big:s', $iterator, '1*')) !== false) {
        array_push($found, ...$page);
    }
    sort($found);
    $expected = array_values(array_filter(array_map('strval', range(0, 199)), fn ($s) => $s[0] === '1'));
    sort($expected);
    check('sScan', $found, $expected);
    $r->zAdd('big:z', 1, 'm1', 2, 'm2');
    $found = [];
    $iterator = null;
    while (($page = $r->zScan('big:z', $iterator)) !== false) {
        $found += $page;
    }
    check('zScan', $found, ['m1' => 1.0, 'm2' => 2.0]);
}

function info_and_client(Redis $r): void
{
    global $port;
    $info = $r->info();
    check('version', str_starts_with($info['redis_version'], '7.'), true);
    check('connected_clients', is_int($info['connected_clients']), true);
    check('tcp_port', $r->info('server')['tcp_port'], $port);
    check('keyspace', preg_match('/^keys=\d+,expires=\d+,avg_ttl=\d+$/', $r->info('keyspace')['db0']), 1);
    check('client setname', $r->client('setname', 'php-client'), true);
    check('client getname', $r->client('getname'), 'php-client');
    $me = array_values(array_filter($r->client('list'), fn ($c) => $c['name'] === 'php-client'));
    check('client list', count($me), 1);
    check('client list cmd', $me[0]['cmd'], 'client|list');
    check('client list db', $me[0]['db'], 0);
    check('config get', $r->config('GET', 'maxclients'), ['maxclients' => '10000']);
    check('dbSize', $r->dbSize() > 0, true);
    // ROLE: a master without replicas, as redis-server answers (phpredis's role()).
    // The offset is the journal's last sequence number on AllyDB, 0 on a redis-server
    // without replicas: both an integer.
    $role = $r->role();
    check('role', [$role[0], is_int($role[1]) && $role[1] >= 0, $role[2]], ['master', true, []]);
    [$seconds, $micros] = $r->time();
    check('time', abs((int)$seconds - time()) < 60 && (int)$micros < 1_000_000, true);
    check('ping', $r->ping(), true);
    check('ping message', $r->ping('hi'), 'hi');
    check('echo', $r->echo('hello'), 'hello');
    check('object encoding', $r->object('encoding', 'big:s'), 'intset');
    check('rawCommand', $r->rawCommand('GET', 'scan:1'), '1');
}

function errors(Redis $r): void
{
    $r->set('e:str', 'x');
    check('wrongtype text', error_of($r, 'lPush on a string', $r->lPush('e:str', 'y')), WRONGTYPE);
    check('incr text', error_of($r, 'incr', $r->incr('e:str')), 'ERR value is not an integer or out of range');
    check('arity text', error_of($r, 'arity', $r->rawCommand('GET')), "ERR wrong number of arguments for 'get' command");
    check('unknown text', str_starts_with(error_of($r, 'unknown', $r->rawCommand('NOSUCH')), "ERR unknown command 'NOSUCH'"), true);
    check('after errors', $r->get('e:str'), 'x');
}

// PHP's own session storage through the extension's `redis` save handler (database 3, a key
// prefix), and the serializers and key prefix applications set with setOption().
function sessions_and_options(Redis $r): void
{
    global $host, $port;
    ini_set('session.save_handler', 'redis');
    ini_set('session.save_path', "tcp://$host:$port?database=3&prefix=SESS:");
    ini_set('session.use_cookies', '0');
    ini_set('session.cache_limiter', '');
    ini_set('session.gc_maxlifetime', '600');
    session_id('session1');
    check('session_start', session_start(), true);
    $_SESSION['user'] = 'ada';
    check('session_write_close', session_write_close(), true);
    $db3 = connect();
    check('select 3', $db3->select(3), true);
    check('session stored', $db3->get('SESS:session1'), 'user|s:3:"ada";');
    $ttl = $db3->ttl('SESS:session1');
    check('session ttl', $ttl >= 599 && $ttl <= 600, true);
    $_SESSION = [];
    session_id('session1');
    check('session_start again', session_start(), true);
    check('session read', $_SESSION, ['user' => 'ada']);
    check('session_destroy', session_destroy(), true);
    check('session deleted', $db3->exists('SESS:session1'), 0);
    $value = ['a' => 1, 'b' => [1.5, true, null]];
    foreach (['php' => Redis::SERIALIZER_PHP, 'igbinary' => Redis::SERIALIZER_IGBINARY, 'json' => Redis::SERIALIZER_JSON] as $name => $serializer) {
        check("serializer $name", $db3->setOption(Redis::OPT_SERIALIZER, $serializer), true);
        check("set $name", $db3->set("o:$name", $value), true);
        check("get $name", $db3->get("o:$name"), $value);
        check("hash $name", [$db3->hSet('o:h', $name, $value), $db3->hGet('o:h', $name)], [1, $value]);
    }
    $db3->setOption(Redis::OPT_SERIALIZER, Redis::SERIALIZER_NONE);
    check('stored as PHP serializes', $db3->get('o:php'), serialize($value));
    check('stored as JSON', $db3->get('o:json'), json_encode($value));
    $db3->setOption(Redis::OPT_PREFIX, 'app:');
    check('prefixed set', $db3->set('k', 'v'), true);
    check('prefixed mGet', $db3->mGet(['k', 'missing']), ['v', false]);
    $db3->setOption(Redis::OPT_PREFIX, '');
    check('prefix applied', $db3->get('app:k'), 'v');
    check('flushDB', $db3->flushDB(), true);
    $db3->close();
}

function reconnect_after_restart(Redis $r): void
{
    $r->set('restart:key', 'kept');
    $in2 = connect();
    check('select', $in2->select(2), true);
    check('set in 2', $in2->set('restart:db2', 'two'), true);
    echo "READY-FOR-RESTART\n";
    check("runner's answer", trim((string)fgets(STDIN)), 'GO');
    // The extension finds its connection gone and opens a new one (OPT_MAX_RETRIES, 10).
    check('after restart', $r->get('restart:key'), 'kept');
    // ... and selects the database it had selected again.
    check('database after restart', $in2->get('restart:db2'), 'two');
    $in2->close();
}

$r = connect();
// Sessions first: PHP starts a session only before the program's first output.
foreach (['sessions_and_options', 'strings_with_expiry', 'collections', 'pipelines_and_transactions', 'pubsub', 'scan_iteration', 'info_and_client', 'errors', 'reconnect_after_restart'] as $step) {
    $step($r);
    echo "$step: ok\n";
}
echo 'phpredis ' . phpversion('redis') . " php " . PHP_VERSION . ": ok\n";

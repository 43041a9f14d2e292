package gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The shared store: the seed's key layout in one Redis, every key and channel under one prefix.
 * Owns a {@link RedisPool} and one dedicated connection per running {@link #subscribe}. Each write
 * is one Lua script, so it is atomic and announces itself on {@link #changesChannel()}. Thread-safe.
 */
final class RedisStore implements Store {

    /** A reachable Redis accepts a connection in a few ms; past this it is down or cut off. */
    static final int CONNECT_TIMEOUT_MILLIS = 500;
    /** Every command here is O(1) or O(replicas): no reply in this time means Redis is stalled. */
    static final int SOCKET_TIMEOUT_MILLIS = 1000;
    /** Set of the service names that have replicas, so {@link #registry()} needs no KEYS or SCAN. */
    static final String INDEX_KEY = "gateway:services";
    /**
     * Channel, under the prefix, on which every change publishes what changed: the name of a
     * service whose replicas or pending failures changed, or an address whose failures were reset.
     */
    private static final String CHANGES_CHANNEL = "gateway:changes";
    /**
     * String, under the prefix, holding a random id for the data: written once, with SET NX, and
     * gone only when Redis lost the data with it (see {@link Store#contents()}).
     */
    static final String GENERATION_KEY = "gateway:generation";
    /** Set, under the prefix, of the addresses ejected or recovering. */
    static final String EJECTED_KEY = "gateway:ejected";
    /** Hash, under the prefix and followed by the address, of one ejected or recovering address. */
    static final String EJECTION_PREFIX = "gateway:ejection#";
    /** String, under the prefix and followed by the address, held while one gateway probes it. */
    static final String PROBE_PREFIX = "gateway:probe#";
    /** The longest a store call may take, a new connection and a retry included (see {@link RedisPool#call}). */
    static final Duration CALL_DEADLINE = Duration.ofMillis(SOCKET_TIMEOUT_MILLIS);
    /** {@link #ping()} answers "down" after this: a Redis that takes longer is of no use to /health. */
    static final Duration PING_DEADLINE = Duration.ofMillis(500);

    // KEYS: service set, failure counter, index, ejection. ARGV: address, service, channel, max
    // services, max replicas per service. A new registration starts from zero failures; a heartbeat
    // (already registered) keeps the count and is never refused. An ejected address is held for
    // the service instead of added (-3; as HOLD, in the same step, so no heartbeat slips in between
    // an ejection and the add). The limits are checked in the same script as the add, so gateways
    // sharing this Redis cannot overshoot them together: -1 is "too many services", -2 "too many replicas".
    private static final RedisScript ADD = new RedisScript("""
            if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
              redis.call('SADD', KEYS[3], ARGV[2])
              return 0
            end
            local held = redis.call('HGET', KEYS[4], 'services')
            if held and held ~= '' then
              for name in string.gmatch(held, '%S+') do if name == ARGV[2] then return -3 end end
              redis.call('HSET', KEYS[4], 'services', held .. ' ' .. ARGV[2])
              return -3
            end
            if redis.call('SISMEMBER', KEYS[3], ARGV[2]) == 0
                and redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return -1 end
            if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[5]) then return -2 end
            redis.call('SADD', KEYS[1], ARGV[1])
            redis.call('SADD', KEYS[3], ARGV[2])
            redis.call('DEL', KEYS[2])
            redis.call('PUBLISH', ARGV[3], ARGV[2])
            return 1""");
    // KEYS: service set, failure counter, index, ejection, ejected index. ARGV: address, service, channel.
    // An ejected address deregistered from a service it was ejected from is no longer held for it,
    // and forgotten once held for none.
    private static final RedisScript REMOVE = new RedisScript("""
            redis.call('DEL', KEYS[2])
            local removed = redis.call('SREM', KEYS[1], ARGV[1])
            if redis.call('SCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[2]) end
            if removed == 1 then redis.call('PUBLISH', ARGV[3], ARGV[2]) end
            local held = redis.call('HGET', KEYS[4], 'services')
            if held and held ~= '' then
              local kept = {}
              for name in string.gmatch(held, '%S+') do
                if name == ARGV[2] then removed = 1 else kept[#kept + 1] = name end
              end
              if #kept == 0 then
                redis.call('DEL', KEYS[4])
                redis.call('SREM', KEYS[5], ARGV[1])
              else
                redis.call('HSET', KEYS[4], 'services', table.concat(kept, ' '))
              end
            end
            return removed""");
    // KEYS: service set, failure counter, index, ejection, ejected index.
    // ARGV: address, service, channel, threshold, key prefix, now ms, max eviction percent,
    // allow empty (1/0), ejection ms, max ejection ms, jitter in [0, 1), ejection key prefix.
    // A late report (the replica is no longer in that service) is dropped. A first failure is
    // published, so every gateway learns the count is pending. At the threshold (1 while the
    // address recovers) the guard is asked, for every service listing the address (their sets
    // are named from the index, not passed as KEYS: a single Redis, not a cluster), with the
    // replicas each has lost already: if any may not lose it, it stays and its count goes on;
    // otherwise it leaves them all, each published, and is remembered as ejected with the time of
    // its first probe (Quarantine's formulas, with the jitter drawn by the caller). Ejection
    // entries are hashes: ejections, services (space-separated; names have no spaces), probeAt, successes.
    private static final RedisScript RECORD_FAILURE = new RedisScript("""
            if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return {0, {}, 0, 0, 0} end
            local count = redis.call('INCR', KEYS[2])
            local past = redis.call('HMGET', KEYS[4], 'ejections', 'services')
            local ejections = tonumber(past[1]) or 0
            local recovering = ejections > 0 and (not past[2] or past[2] == '')
            if recovering then redis.call('HSET', KEYS[4], 'successes', 0) end
            local threshold = tonumber(ARGV[4])
            if recovering then threshold = 1 end
            if count < threshold then
              if count == 1 then redis.call('PUBLISH', ARGV[3], ARGV[2]) end
              return {count, {}, 0, 0, 0}
            end
            local listing = {}
            for _, name in ipairs(redis.call('SMEMBERS', KEYS[3])) do
              if redis.call('SISMEMBER', ARGV[5] .. name, ARGV[1]) == 1 then listing[#listing + 1] = name end
            end
            local lost = {}
            for _, other in ipairs(redis.call('SMEMBERS', KEYS[5])) do
              local held = redis.call('HGET', ARGV[12] .. other, 'services')
              if held then
                for name in string.gmatch(held, '%S+') do lost[name] = (lost[name] or 0) + 1 end
              end
            end
            local percent = tonumber(ARGV[7])
            for _, name in ipairs(listing) do
              local ejected = lost[name] or 0
              local total = redis.call('SCARD', ARGV[5] .. name) + ejected
              local share = math.max(1, math.floor(total * percent / 100))
              if ARGV[8] == '1' then share = math.min(share, total) else share = math.min(share, total - 1) end
              if ejected + 1 > share then
                if count == 1 then redis.call('PUBLISH', ARGV[3], ARGV[2]) end
                return {count, {}, 0, 0, 1}
              end
            end
            redis.call('DEL', KEYS[2])
            for _, name in ipairs(listing) do
              local set = ARGV[5] .. name
              redis.call('SREM', set, ARGV[1])
              if redis.call('SCARD', set) == 0 then redis.call('SREM', KEYS[3], name) end
              redis.call('PUBLISH', ARGV[3], name)
            end
            ejections = ejections + 1
            local nominal = math.min(tonumber(ARGV[9]) * 2 ^ math.min(ejections - 1, 20), tonumber(ARGV[10]))
            local wait = nominal - math.floor(nominal * tonumber(ARGV[11]) * 0.2)
            local held, seen = {}, {}
            for _, name in ipairs(listing) do held[#held + 1] = name; seen[name] = true end
            for name in string.gmatch(past[2] or '', '%S+') do
              if not seen[name] then held[#held + 1] = name end
            end
            redis.call('HSET', KEYS[4], 'ejections', ejections, 'services', table.concat(held, ' '),
                       'probeAt', string.format('%d', tonumber(ARGV[6]) + wait), 'successes', 0)
            redis.call('SADD', KEYS[5], ARGV[1])
            return {count, listing, ejections, wait, 0}""");
    // KEYS: ejected index. ARGV: ejection key prefix. Every entry, in one atomic read.
    private static final RedisScript EJECTIONS = new RedisScript("""
            local all = {}
            for _, address in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              local e = redis.call('HMGET', ARGV[1] .. address, 'ejections', 'services', 'probeAt', 'successes')
              if e[1] then all[#all + 1] = {address, e[1], e[2] or '', e[3] or '0', e[4] or '0'} end
            end
            return all""");
    // KEYS: ejection, probe lease. ARGV: now ms, lease ms. The due check and the SET NX are one
    // step, so a gateway that read the entry before another's probe ended cannot probe again.
    private static final RedisScript CLAIM_PROBE = new RedisScript("""
            local e = redis.call('HMGET', KEYS[1], 'services', 'probeAt')
            if not e[1] or e[1] == '' or tonumber(e[2]) > tonumber(ARGV[1]) then return 0 end
            if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return 1 end
            return 0""");
    // KEYS: ejection, probe lease, failure counter, index. ARGV: address, key prefix, channel.
    private static final RedisScript PROBE_PASSED = new RedisScript("""
            redis.call('DEL', KEYS[2])
            local held = redis.call('HGET', KEYS[1], 'services')
            if not held or held == '' then return {} end
            local joined = {}
            for name in string.gmatch(held, '%S+') do
              redis.call('SADD', ARGV[2] .. name, ARGV[1])
              redis.call('SADD', KEYS[4], name)
              redis.call('PUBLISH', ARGV[3], name)
              joined[#joined + 1] = name
            end
            redis.call('DEL', KEYS[3])
            redis.call('HSET', KEYS[1], 'services', '', 'probeAt', 0, 'successes', 0)
            return joined""");
    // KEYS: ejection, probe lease. ARGV: now ms, ejection ms, max ejection ms, jitter in [0, 1).
    private static final RedisScript PROBE_FAILED = new RedisScript("""
            redis.call('DEL', KEYS[2])
            local e = redis.call('HMGET', KEYS[1], 'services', 'ejections')
            if not e[1] or e[1] == '' then return {} end
            local ejections = tonumber(e[2]) + 1
            local nominal = math.min(tonumber(ARGV[2]) * 2 ^ math.min(ejections - 1, 20), tonumber(ARGV[3]))
            local wait = nominal - math.floor(nominal * tonumber(ARGV[4]) * 0.2)
            local at = string.format('%d', tonumber(ARGV[1]) + wait)
            redis.call('HSET', KEYS[1], 'ejections', ejections, 'probeAt', at)
            return {ejections, e[1], at}""");
    // KEYS: ejection, ejected index. ARGV: successes needed, address.
    private static final RedisScript SUCCEEDED = new RedisScript("""
            local e = redis.call('HMGET', KEYS[1], 'services', 'ejections')
            if not e[2] or (e[1] and e[1] ~= '') then return 0 end
            if redis.call('HINCRBY', KEYS[1], 'successes', 1) < tonumber(ARGV[1]) then return 0 end
            redis.call('DEL', KEYS[1])
            redis.call('SREM', KEYS[2], ARGV[2])
            return 1""");
    // KEYS: failure counter. ARGV: channel, address. Published only when there was a count to
    // forget, so that every gateway stops resetting it.
    private static final RedisScript RESET = new RedisScript("""
            if redis.call('DEL', KEYS[1]) == 1 then redis.call('PUBLISH', ARGV[1], ARGV[2]) end""");

    // KEYS: generation, index. ARGV: key prefix. It reads the sets the index names, which only a
    // script can do atomically (a standalone Redis allows keys not passed in KEYS).
    private static final RedisScript CONTENTS = new RedisScript("""
            local names = redis.call('SMEMBERS', KEYS[2])
            local replicas = {}
            for i, name in ipairs(names) do replicas[i] = redis.call('SMEMBERS', ARGV[1] .. name) end
            return {redis.call('GET', KEYS[1]), names, replicas}""");
    // KEYS: generation, one service set. What a change notice for that service costs to read.
    private static final RedisScript SERVICE = new RedisScript("""
            return {redis.call('GET', KEYS[1]), redis.call('SMEMBERS', KEYS[2])}""");
    // KEYS: generation, index, then one set per service. ARGV: a new generation, channel, then per
    // service its name, its replica count and its replicas.
    private static final RedisScript RESEED = new RedisScript("""
            local added, at = 0, 3
            for k = 3, #KEYS do
                local name, count, n = ARGV[at], tonumber(ARGV[at + 1]), 0
                for i = at + 2, at + 1 + count do n = n + redis.call('SADD', KEYS[k], ARGV[i]) end
                redis.call('SADD', KEYS[2], name)
                if n > 0 then redis.call('PUBLISH', ARGV[2], name) end
                added, at = added + n, at + 2 + count
            end
            redis.call('SET', KEYS[1], ARGV[1], 'NX')
            return {redis.call('GET', KEYS[1]), added}""");

    private final RedisUrl url;
    private final String prefix;
    private final HostAndPort hostAndPort;
    private final JedisClientConfig config;
    private final RedisPool pool;
    private final RedisClient client;
    private final Limits limits;
    private final Set<Jedis> subscribers = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    RedisStore(RedisUrl url, String keyPrefix) {
        this(url, keyPrefix, Limits.DEFAULT);
    }

    /** Connects lazily: a Redis that is down now makes calls fail, not the constructor. */
    RedisStore(RedisUrl url, String keyPrefix, Limits limits) {
        if (keyPrefix == null) throw new IllegalArgumentException("redis key prefix is missing");
        this.limits = limits;
        this.url = url;
        this.prefix = keyPrefix;
        this.hostAndPort = new HostAndPort(url.host(), url.port());
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(CONNECT_TIMEOUT_MILLIS)
                .socketTimeoutMillis(SOCKET_TIMEOUT_MILLIS)
                .database(url.database())
                .ssl(url.tls())
                .clientName("gateway")
                // RESP2, the server's default, without a HELLO: nothing here needs RESP3, and the
                // plain Jedis connection that subscribe() uses cannot negotiate it (it warns).
                .serverDefaultProtocol();
        if (url.password() != null) config.user(url.user()).password(url.password());
        this.config = config.build();
        this.pool = new RedisPool(url, hostAndPort, this.config);
        this.client = pool.client();
    }

    @Override
    public boolean add(String service, String address) {
        List<String> keys = List.of(key(service), key(Store.failureKey(address)), key(INDEX_KEY), key(EJECTION_PREFIX + address));
        List<String> args = List.of(address, service, changesChannel(),
                Integer.toString(limits.maxServices()), Integer.toString(limits.maxReplicasPerService()));
        long added = (Long) run(ADD, keys, args);
        if (added == -3) throw new Held(service, address);
        if (added == -1) throw limits.servicesFull(service);
        if (added == -2) throw limits.replicasFull(service);
        return added == 1;
    }

    @Override
    public boolean remove(String service, String address) {
        List<String> keys = List.of(key(service), key(Store.failureKey(address)), key(INDEX_KEY),
                key(EJECTION_PREFIX + address), key(EJECTED_KEY));
        return 1L == (Long) run(REMOVE, keys, List.of(address, service, changesChannel()));
    }

    @Override
    public Failure recordFailure(String service, String address, Quarantine quarantine, long nowMillis) {
        List<String> keys = List.of(key(service), key(Store.failureKey(address)), key(INDEX_KEY),
                key(EJECTION_PREFIX + address), key(EJECTED_KEY));
        List<String> args = List.of(address, service, changesChannel(), Integer.toString(quarantine.threshold()), prefix,
                Long.toString(nowMillis), Integer.toString(quarantine.maxEvictionPercent()),
                quarantine.allowEmptyService() ? "1" : "0", Long.toString(quarantine.ejectionTime().toMillis()),
                Long.toString(quarantine.maxEjectionTime().toMillis()), Double.toString(quarantine.jitter().getAsDouble()),
                key(EJECTION_PREFIX));
        List<?> reply = (List<?>) run(RECORD_FAILURE, keys, args);
        List<String> evictedFrom = ((List<?>) reply.get(1)).stream().map(String::valueOf).sorted().toList();
        return new Failure((Long) reply.get(0), evictedFrom, Math.toIntExact((Long) reply.get(2)), (Long) reply.get(3),
                1L == (Long) reply.get(4));
    }

    @Override
    public List<Ejection> ejections() {
        List<?> reply = (List<?>) run(EJECTIONS, List.of(key(EJECTED_KEY)), List.of(key(EJECTION_PREFIX)));
        List<Ejection> all = new ArrayList<>();
        for (Object item : reply) {
            List<?> e = (List<?>) item;
            String held = (String) e.get(2);
            List<String> services = held.isEmpty() ? List.of() : java.util.Arrays.stream(held.split(" ")).sorted().toList();
            all.add(new Ejection((String) e.get(0), Integer.parseInt((String) e.get(1)), services,
                    Long.parseLong((String) e.get(3)), Integer.parseInt((String) e.get(4))));
        }
        all.sort(java.util.Comparator.comparing(Ejection::address));
        return all;
    }

    @Override
    public boolean claimProbe(String address, long nowMillis, long leaseMillis) {
        List<String> keys = List.of(key(EJECTION_PREFIX + address), key(PROBE_PREFIX + address));
        return 1L == (Long) run(CLAIM_PROBE, keys, List.of(Long.toString(nowMillis), Long.toString(leaseMillis)));
    }

    @Override
    public List<String> probePassed(String address) {
        List<String> keys = List.of(key(EJECTION_PREFIX + address), key(PROBE_PREFIX + address),
                key(Store.failureKey(address)), key(INDEX_KEY));
        List<?> reply = (List<?>) run(PROBE_PASSED, keys, List.of(address, prefix, changesChannel()));
        return reply.stream().map(String::valueOf).sorted().toList();
    }

    @Override
    public java.util.Optional<Ejection> probeFailed(String address, Quarantine quarantine, long nowMillis) {
        List<String> keys = List.of(key(EJECTION_PREFIX + address), key(PROBE_PREFIX + address));
        List<String> args = List.of(Long.toString(nowMillis), Long.toString(quarantine.ejectionTime().toMillis()),
                Long.toString(quarantine.maxEjectionTime().toMillis()), Double.toString(quarantine.jitter().getAsDouble()));
        List<?> reply = (List<?>) run(PROBE_FAILED, keys, args);
        if (reply.isEmpty()) return java.util.Optional.empty();
        List<String> services = java.util.Arrays.stream(((String) reply.get(1)).split(" ")).sorted().toList();
        return java.util.Optional.of(new Ejection(address, Math.toIntExact((Long) reply.get(0)), services,
                Long.parseLong((String) reply.get(2)), 0));
    }

    @Override
    public boolean succeeded(String address, int needed) {
        List<String> keys = List.of(key(EJECTION_PREFIX + address), key(EJECTED_KEY));
        return 1L == (Long) run(SUCCEEDED, keys, List.of(Integer.toString(needed), address));
    }

    @Override
    public SortedMap<String, List<String>> registry() {
        return contents().registry();
    }

    @Override
    public Contents contents() {
        List<?> reply = (List<?>) run(CONTENTS, List.of(key(GENERATION_KEY), key(INDEX_KEY)), List.of(prefix));
        List<?> names = (List<?>) reply.get(1);
        List<?> replicas = (List<?>) reply.get(2);
        SortedMap<String, List<String>> registry = new TreeMap<>();
        for (int i = 0; i < names.size(); i++) {
            List<String> addresses = ((List<?>) replicas.get(i)).stream().map(String.class::cast).sorted().toList();
            if (!addresses.isEmpty()) registry.put((String) names.get(i), addresses);
        }
        return new Contents((String) reply.get(0), registry);
    }

    @Override
    public Contents contents(String service) {
        List<?> reply = (List<?>) run(SERVICE, List.of(key(GENERATION_KEY), key(service)), List.of());
        List<String> addresses = ((List<?>) reply.get(1)).stream().map(String.class::cast).sorted().toList();
        SortedMap<String, List<String>> one = new TreeMap<>();
        if (!addresses.isEmpty()) one.put(service, addresses);
        return new Contents((String) reply.get(0), one);
    }

    @Override
    public Reseeded reseed(Map<String, List<String>> registry) {
        List<String> keys = new ArrayList<>(List.of(key(GENERATION_KEY), key(INDEX_KEY)));
        List<String> args = new ArrayList<>(List.of(UUID.randomUUID().toString(), changesChannel()));
        registry.forEach((name, addresses) -> {
            if (addresses.isEmpty()) return;
            keys.add(key(name));
            args.add(name);
            args.add(Integer.toString(addresses.size()));
            args.addAll(addresses);
        });
        List<?> reply = (List<?>) run(RESEED, keys, args);
        return new Reseeded((String) reply.get(0), (Long) reply.get(1));
    }

    @Override
    public Map<String, Long> failures(Collection<String> addresses) {
        List<String> asked = List.copyOf(addresses);
        Map<String, Long> result = new LinkedHashMap<>();
        if (asked.isEmpty()) return result; // MGET with no keys is an error
        String[] keys = asked.stream().map(a -> key(Store.failureKey(a))).toArray(String[]::new);
        List<String> values = call(() -> client.mget(keys));
        for (int i = 0; i < asked.size(); i++) {
            result.put(asked.get(i), values.get(i) == null ? 0L : Long.parseLong(values.get(i)));
        }
        return result;
    }

    @Override
    public void resetFailures(String address) {
        run(RESET, List.of(key(Store.failureKey(address))), List.of(changesChannel(), address));
    }

    /** Answers within {@link #PING_DEADLINE}, whatever the pool or Redis do meanwhile. */
    @Override
    public boolean ping() {
        try {
            return "PONG".equals(pool.call(client::ping, PING_DEADLINE));
        } catch (Store.Unavailable e) { // "does it answer?" is a question, never an error
            return false;
        }
    }

    /** Other gateways change this Redis: hear their notices, and resync as the safety net. */
    @Override
    public Watch watch(Registry registry, Duration resync, Clock clock) {
        return new RegistryWatcher(this, registry, resync, clock);
    }

    /** A report is a round trip that may wait out a timeout: off the request thread, in order. */
    @Override
    public Reports reports(Clock clock) {
        return new ReportQueue(ReportQueue.CAPACITY, clock);
    }

    /** The full name of the channel on which each change publishes its service's name. */
    String changesChannel() {
        return key(CHANGES_CHANNEL);
    }

    /**
     * Delivers each message on {@code channel} (a full name, as for publish) to {@code onMessage}, on
     * this thread, over a connection of its own; runs {@code onSubscribed} once Redis confirms.
     * Blocks until {@link #close()}, then returns; throws {@link Store.Unavailable} when the
     * connection cannot be made or breaks. An exception from a callback ends it and propagates.
     */
    void subscribe(String channel, Consumer<String> onMessage, Runnable onSubscribed) {
        Jedis connection;
        try {
            connection = new Jedis(hostAndPort, config);
        } catch (JedisException e) {
            throw failure(e);
        }
        subscribers.add(connection);
        try {
            if (closed) return; // close() ran before it could see this connection
            connection.subscribe(new JedisPubSub() {
                @Override
                public void onSubscribe(String subscribed, int count) {
                    onSubscribed.run();
                }

                @Override
                public void onMessage(String from, String message) {
                    onMessage.accept(message);
                }
            }, channel);
            // Only an UNSUBSCRIBE ends a subscription cleanly, and nothing here sends one.
            if (!closed) throw failure(new JedisConnectionException("subscription ended"));
        } catch (JedisException e) {
            if (!closed) throw failure(e);
        } finally {
            subscribers.remove(connection);
            closeQuietly(connection);
        }
    }

    /** Closes the pool and ends every {@link #subscribe} in progress. */
    @Override
    public void close() {
        closed = true;
        subscribers.forEach(RedisStore::closeQuietly); // a closed socket wakes the blocked reader
        closeQuietly(pool);
    }

    private String key(String name) {
        return prefix + name;
    }

    private Object run(RedisScript script, List<String> keys, List<String> args) {
        return call(() -> script.run(client, keys, args));
    }

    private <T> T call(Supplier<T> command) {
        return pool.call(command, CALL_DEADLINE);
    }

    private Store.Unavailable failure(JedisException e) {
        return RedisPool.failure(url, e);
    }

    private static void closeQuietly(AutoCloseable connections) {
        try {
            connections.close();
        } catch (Exception e) {
            // they are being dropped: failing to close them cleanly changes nothing
        }
    }
}

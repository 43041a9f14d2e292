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
    /** The longest a store call may take, a new connection and a retry included (see {@link RedisPool#call}). */
    static final Duration CALL_DEADLINE = Duration.ofMillis(SOCKET_TIMEOUT_MILLIS);
    /** {@link #ping()} answers "down" after this: a Redis that takes longer is of no use to /health. */
    static final Duration PING_DEADLINE = Duration.ofMillis(500);

    // KEYS: service set, failure counter, index. ARGV: address, service, channel, max services,
    // max replicas per service. A new registration starts from zero failures; a heartbeat (already
    // registered) keeps the count and is never refused. The limits are checked in the same script
    // as the add, so gateways sharing this Redis cannot overshoot them together: -1 is "too many
    // services", -2 "too many replicas".
    private static final RedisScript ADD = new RedisScript("""
            if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
              redis.call('SADD', KEYS[3], ARGV[2])
              return 0
            end
            if redis.call('SISMEMBER', KEYS[3], ARGV[2]) == 0
                and redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return -1 end
            if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[5]) then return -2 end
            redis.call('SADD', KEYS[1], ARGV[1])
            redis.call('SADD', KEYS[3], ARGV[2])
            redis.call('DEL', KEYS[2])
            redis.call('PUBLISH', ARGV[3], ARGV[2])
            return 1""");
    // KEYS: service set, failure counter, index. ARGV: address, service, channel.
    private static final RedisScript REMOVE = new RedisScript("""
            redis.call('DEL', KEYS[2])
            local removed = redis.call('SREM', KEYS[1], ARGV[1])
            if redis.call('SCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[2]) end
            if removed == 1 then redis.call('PUBLISH', ARGV[3], ARGV[2]) end
            return removed""");
    // KEYS: service set, failure counter, index. ARGV: address, service, channel, threshold, key prefix.
    // A late report (the replica is no longer in that service) is dropped. A first failure is
    // published, so every gateway learns the count is pending; at the threshold the address leaves
    // every service in the index (their sets are named from it, not passed as KEYS: a single
    // Redis, not a cluster), and each service it left is published.
    private static final RedisScript RECORD_FAILURE = new RedisScript("""
            if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return {0, {}} end
            local count = redis.call('INCR', KEYS[2])
            if count < tonumber(ARGV[4]) then
              if count == 1 then redis.call('PUBLISH', ARGV[3], ARGV[2]) end
              return {count, {}}
            end
            redis.call('DEL', KEYS[2])
            local evicted = {}
            for _, name in ipairs(redis.call('SMEMBERS', KEYS[3])) do
              local set = ARGV[5] .. name
              if redis.call('SREM', set, ARGV[1]) == 1 then
                evicted[#evicted + 1] = name
                if redis.call('SCARD', set) == 0 then redis.call('SREM', KEYS[3], name) end
                redis.call('PUBLISH', ARGV[3], name)
              end
            end
            return {count, evicted}""");
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
        List<String> keys = List.of(key(service), key(Store.failureKey(address)), key(INDEX_KEY));
        List<String> args = List.of(address, service, changesChannel(),
                Integer.toString(limits.maxServices()), Integer.toString(limits.maxReplicasPerService()));
        long added = (Long) run(ADD, keys, args);
        if (added == -1) throw limits.servicesFull(service);
        if (added == -2) throw limits.replicasFull(service);
        return added == 1;
    }

    @Override
    public boolean remove(String service, String address) {
        List<String> keys = List.of(key(service), key(Store.failureKey(address)), key(INDEX_KEY));
        return 1L == (Long) run(REMOVE, keys, List.of(address, service, changesChannel()));
    }

    @Override
    public Failure recordFailure(String service, String address, int threshold) {
        List<String> keys = List.of(key(service), key(Store.failureKey(address)), key(INDEX_KEY));
        List<String> args = List.of(address, service, changesChannel(), Integer.toString(threshold), prefix);
        List<?> reply = (List<?>) run(RECORD_FAILURE, keys, args);
        List<String> evictedFrom = ((List<?>) reply.get(1)).stream().map(String::valueOf).sorted().toList();
        return new Failure((Long) reply.get(0), evictedFrom);
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

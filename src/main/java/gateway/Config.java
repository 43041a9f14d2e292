package gateway;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every setting of one gateway, parsed once from the command line and the environment
 * (a flag wins over its environment variable) into typed values: no other class parses a setting
 * again, and "not configured" is an empty {@code Optional}. Immutable; the constructor rejects bad values.
 */
record Config(
        InetAddress bind,
        int port,
        Optional<RedisUrl> redis,
        int failureThreshold,
        Duration connectTimeout,
        Duration requestTimeout,
        RequestThreads executor,
        String keyPrefix,
        Optional<Path> stateFile,
        Duration resyncInterval,
        Duration clientTimeout,
        long retryBufferBytes,
        int maxConnections,
        Optional<String> gatewayId,
        List<Cidr> trustedProxies,
        Duration headerTimeout,
        int maxHeaderBytes,
        Duration shutdownGrace,
        boolean accessLog,
        AdminToken adminToken,
        Store.Limits limits,
        Duration ejectionTime,
        Duration maxEjectionTime,
        String probePath,
        int maxEvictionPercent,
        boolean allowEmptyService,
        UpstreamClient upstream) {

    static final String DEFAULT_BIND = "0.0.0.0";
    static final int DEFAULT_PORT = 7171;
    /** None: the memory store, {@code --store memory}. */
    static final Optional<RedisUrl> DEFAULT_REDIS = Optional.empty();
    static final int DEFAULT_FAILURE_THRESHOLD = 3;
    static final int DEFAULT_CONNECT_TIMEOUT_MS = 1_000;
    static final int DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
    static final RequestThreads DEFAULT_EXECUTOR = RequestThreads.VIRTUAL;
    static final String DEFAULT_KEY_PREFIX = "";
    /** None: the memory store's registry lives as long as the process. */
    static final Optional<Path> DEFAULT_STATE_FILE = Optional.empty();
    static final int DEFAULT_RESYNC_MS = 5_000;
    static final int DEFAULT_CLIENT_TIMEOUT_MS = 30_000;
    /** At most; by default an eighth of the heap, so a small heap is not filled by bodies kept for retry. */
    static final int DEFAULT_RETRY_BUFFER_MB = 32;
    static final int DEFAULT_MAX_CONNECTIONS = 1_000;
    static final int DEFAULT_HEADER_TIMEOUT_MS = 10_000;
    static final int DEFAULT_MAX_HEADER_BYTES = 32 * 1024;
    static final int DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
    static final int DEFAULT_EJECTION_TIME_MS = 30_000;
    static final int DEFAULT_MAX_EJECTION_TIME_MS = 300_000;
    static final String DEFAULT_PROBE_PATH = "/";
    static final int DEFAULT_MAX_EVICTION_PERCENT = 50;
    /** Off: the last replica of a service stays, protected, however it fails. */
    static final boolean DEFAULT_ALLOW_EMPTY_SERVICE = false;
    /** A probe path is an origin-form target: a slash, then printable ASCII without spaces. */
    private static final Pattern PROBE_PATH = Pattern.compile("/[!-~]*");
    static final long MiB = 1L << 20;
    /** Below this a common request (cookies, a bearer token) no longer fits. */
    static final int MIN_HEADER_BYTES = 1024;
    /** The JDK's own cap is set to twice the limit (see JdkStack.limitProcess) and must stay an int. */
    static final int MAX_HEADER_BYTES = 64 * (int) MiB;

    /** None: each gateway makes up its own, {@code gw-} and 8 random hex digits (see Gateway). */
    static final Optional<String> DEFAULT_GATEWAY_ID = Optional.empty();
    static final List<Cidr> DEFAULT_TRUSTED_PROXIES = List.of();
    /** Off: benchmarks and busy gateways do not pay for a log line per request. */
    static final boolean DEFAULT_ACCESS_LOG = false;
    /** None: anyone who can reach the gateway may register replicas (it warns at start). */
    static final AdminToken DEFAULT_ADMIN_TOKEN = AdminToken.NONE;
    static final int DEFAULT_MAX_SERVICES = Store.Limits.DEFAULT.maxServices();
    static final int DEFAULT_MAX_REPLICAS_PER_SERVICE = Store.Limits.DEFAULT.maxReplicasPerService();
    /** A token file is a line or two; anything larger is the wrong file. */
    static final int MAX_TOKEN_FILE_BYTES = 4096;

    static final UpstreamClient DEFAULT_UPSTREAM = UpstreamClient.HTTPCLIENT;

    /** {@code --upstream}: the HTTP client that carries attempts to replicas (see {@link Upstream}). */
    enum UpstreamClient {
        /** java.net.http.HttpClient: {@link HttpClientUpstream}. */
        HTTPCLIENT,
        /** Blocking HTTP/1.1 on pooled sockets, on the request's thread: {@link SocketUpstream}. */
        SOCKETS;

        /** As written on the command line: lower case. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A gateway id is a Via received-by token (RFC 9110 §7.6.3); kept to a safe subset. */
    private static final Pattern GATEWAY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** {@code --executor}: the threads that serve requests. */
    enum RequestThreads {
        /** One virtual thread per request. */
        VIRTUAL,
        /** A pool of {@link Threads#PLATFORM_POOL_SIZE} platform threads, to compare with. */
        PLATFORM;

        /** As written on the command line: lower case. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One command-line flag, its environment variable and its help line; a switch ({@code value} SWITCH) needs no value. */
    record Flag(String name, String env, String value, String help) {
        static final String SWITCH = "";

        boolean isSwitch() {
            return value.isEmpty();
        }
    }

    static final List<Flag> FLAGS = List.of(
            new Flag("--port", "GATEWAY_PORT", "N", "port to listen on; 0 picks a free one (default " + DEFAULT_PORT + ")"),
            new Flag("--bind", "GATEWAY_BIND", "ADDR", "address to listen on (default " + DEFAULT_BIND + ")"),
            new Flag("--store", "GATEWAY_STORE", "memory|redis://[user:pw@]host:port[/db]",
                    "where the registry lives; rediss:// for TLS (default memory)"),
            new Flag("--key-prefix", "GATEWAY_KEY_PREFIX", "TEXT", "prefix of every Redis key, to share one Redis (default none)"),
            new Flag("--state-file", "GATEWAY_STATE_FILE", "PATH", "memory store: keep the registry in this file (default none)"),
            new Flag("--resync-ms", "GATEWAY_RESYNC_MS", "N",
                    "Redis store: reread the whole registry this often, besides change notices (default " + DEFAULT_RESYNC_MS + ")"),
            new Flag("--failure-threshold", "GATEWAY_FAILURE_THRESHOLD", "N",
                    "consecutive failures that evict a replica (default " + DEFAULT_FAILURE_THRESHOLD + ")"),
            new Flag("--connect-timeout-ms", "GATEWAY_CONNECT_TIMEOUT_MS", "N",
                    "upstream connect timeout (default " + DEFAULT_CONNECT_TIMEOUT_MS + ")"),
            new Flag("--request-timeout-ms", "GATEWAY_REQUEST_TIMEOUT_MS", "N",
                    "deadline for the attempts of a proxied request, retries included (default " + DEFAULT_REQUEST_TIMEOUT_MS + ")"),
            new Flag("--client-timeout-ms", "GATEWAY_CLIENT_TIMEOUT_MS", "N",
                    "longest wait for the next bytes of a client's request body; then 408 (default " + DEFAULT_CLIENT_TIMEOUT_MS + ")"),
            new Flag("--retry-buffer-mb", "GATEWAY_RETRY_BUFFER_MB", "N",
                    "memory for request bodies kept for retry, all requests together; 0 keeps none (default an"
                            + " eighth of the heap, at most " + DEFAULT_RETRY_BUFFER_MB + ")"),
            new Flag("--max-connections", "GATEWAY_MAX_CONNECTIONS", "N",
                    "client connections open at once; more are closed unanswered; per process (default "
                            + DEFAULT_MAX_CONNECTIONS + ")"),
            new Flag("--executor", "GATEWAY_EXECUTOR", "virtual|platform",
                    "request threads: one virtual thread per request, or a pool of 200 platform threads (default "
                            + DEFAULT_EXECUTOR + ")"),
            new Flag("--gateway-id", "GATEWAY_ID", "ID",
                    "this gateway's name in Via headers, for loop detection; unique per gateway (default gw- and 8 random hex digits)"),
            new Flag("--trusted-proxies", "GATEWAY_TRUSTED_PROXIES", "CIDR[,CIDR...]",
                    "peers whose X-Forwarded-*, Forwarded and X-Real-IP are believed, e.g. a TLS terminator (default none)"),
            new Flag("--header-timeout-ms", "GATEWAY_HEADER_TIMEOUT_MS", "N",
                    "longest time from a request's first byte to the end of its head; then the connection is closed (default "
                            + DEFAULT_HEADER_TIMEOUT_MS + ")"),
            new Flag("--max-header-bytes", "GATEWAY_MAX_HEADER_BYTES", "N",
                    "request line and header fields, 32 bytes counted per field; more is 414/431 (default "
                            + DEFAULT_MAX_HEADER_BYTES + ")"),
            new Flag("--shutdown-grace-ms", "GATEWAY_SHUTDOWN_GRACE_MS", "N",
                    "on SIGTERM, how long requests in flight may take to finish; 0 cuts them off (default "
                            + DEFAULT_SHUTDOWN_GRACE_MS + ")"),
            new Flag("--access-log", "GATEWAY_ACCESS_LOG", Flag.SWITCH,
                    "log one line per proxied request; the variable takes true or false (default off)"),
            new Flag("--admin-token", "GATEWAY_ADMIN_TOKEN", "TOKEN",
                    "POST/DELETE /register need Authorization: Bearer TOKEN (default none: anyone may register)"),
            new Flag("--admin-token-file", "GATEWAY_ADMIN_TOKEN_FILE", "PATH",
                    "as --admin-token, read from this file (one trailing newline dropped), so it is not in ps"),
            new Flag("--protect-reads", "GATEWAY_PROTECT_READS", Flag.SWITCH,
                    "GET /services (and /metrics) need the admin token too; env: true|false (default off)"),
            new Flag("--max-services", "GATEWAY_MAX_SERVICES", "N",
                    "services the registry holds; a new one beyond is 409 (default " + DEFAULT_MAX_SERVICES + ")"),
            new Flag("--max-replicas-per-service", "GATEWAY_MAX_REPLICAS_PER_SERVICE", "N",
                    "replicas of one service; a new one beyond is 409 (default " + DEFAULT_MAX_REPLICAS_PER_SERVICE + ")"),
            new Flag("--ejection-time-ms", "GATEWAY_EJECTION_TIME_MS", "N",
                    "an ejected replica's first wait for a probe, doubled on each ejection in a row (default "
                            + DEFAULT_EJECTION_TIME_MS + ")"),
            new Flag("--max-ejection-time-ms", "GATEWAY_MAX_EJECTION_TIME_MS", "N",
                    "the longest wait for a probe (default " + DEFAULT_MAX_EJECTION_TIME_MS + ")"),
            new Flag("--probe-path", "GATEWAY_PROBE_PATH", "PATH",
                    "what a probe GETs on an ejected replica; any status below 500 is alive (default " + DEFAULT_PROBE_PATH + ")"),
            new Flag("--max-eviction-percent", "GATEWAY_MAX_EVICTION_PERCENT", "N",
                    "the most of a service's replicas ejected at once, 1-100, at least one (default "
                            + DEFAULT_MAX_EVICTION_PERCENT + ")"),
            new Flag("--allow-empty-service", "GATEWAY_ALLOW_EMPTY_SERVICE", Flag.SWITCH,
                    "let a service's last replica be ejected too; the variable takes true or false (default off)"),
            new Flag("--upstream", "GATEWAY_UPSTREAM", "httpclient|sockets",
                    "upstream HTTP client: the JDK's HttpClient, or blocking HTTP/1.1 on pooled sockets (default "
                            + DEFAULT_UPSTREAM + ")"));

    Config {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(stateFile, "stateFile");
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("--port: " + port + " is not in 0-65535");
        if (stateFile.isPresent() && redis.isPresent()) {
            throw new IllegalArgumentException("--state-file: only for the memory store (Redis keeps its own data)");
        }
        if (resyncInterval.isNegative() || resyncInterval.isZero()) throw new IllegalArgumentException("--resync-ms: must be at least 1");
        if (failureThreshold < 1) throw new IllegalArgumentException("--failure-threshold: " + failureThreshold + " must be at least 1");
        if (connectTimeout.isNegative() || connectTimeout.isZero())
            throw new IllegalArgumentException("--connect-timeout-ms: must be at least 1");
        if (requestTimeout.isNegative() || requestTimeout.isZero())
            throw new IllegalArgumentException("--request-timeout-ms: must be at least 1");
        if (clientTimeout.isNegative() || clientTimeout.isZero())
            throw new IllegalArgumentException("--client-timeout-ms: must be at least 1");
        if (retryBufferBytes < 0) throw new IllegalArgumentException("--retry-buffer-mb: must be 0 or more");
        if (maxConnections < 1) throw new IllegalArgumentException("--max-connections: " + maxConnections + " must be at least 1");
        if (gatewayId.isPresent() && !GATEWAY_ID.matcher(gatewayId.get()).matches())
            throw new IllegalArgumentException("--gateway-id: '" + gatewayId.get() + "' must be 1-64 of A-Z a-z 0-9 . _ -");
        trustedProxies = List.copyOf(trustedProxies);
        if (headerTimeout.isNegative() || headerTimeout.isZero())
            throw new IllegalArgumentException("--header-timeout-ms: must be at least 1");
        if (maxHeaderBytes < MIN_HEADER_BYTES || maxHeaderBytes > MAX_HEADER_BYTES)
            throw new IllegalArgumentException("--max-header-bytes: " + maxHeaderBytes + " is not in " + MIN_HEADER_BYTES + "-" + MAX_HEADER_BYTES);
        if (shutdownGrace.isNegative()) throw new IllegalArgumentException("--shutdown-grace-ms: must be 0 or more");
        Objects.requireNonNull(adminToken, "adminToken");
        Objects.requireNonNull(limits, "limits");
        if (!ejectionTime.isPositive()) throw new IllegalArgumentException("--ejection-time-ms: must be at least 1");
        if (maxEjectionTime.compareTo(ejectionTime) < 0)
            throw new IllegalArgumentException("--max-ejection-time-ms: " + maxEjectionTime.toMillis()
                    + " is below --ejection-time-ms " + ejectionTime.toMillis());
        Objects.requireNonNull(probePath, "probePath");
        Objects.requireNonNull(upstream, "upstream");
        if (!PROBE_PATH.matcher(probePath).matches())
            throw new IllegalArgumentException("--probe-path: '" + probePath + "' must start with / and be printable ASCII without spaces");
        if (maxEvictionPercent < 1 || maxEvictionPercent > 100)
            throw new IllegalArgumentException("--max-eviction-percent: " + maxEvictionPercent + " is not in 1-100");
    }

    /** The ejection rules these settings make, with a random jitter. */
    Quarantine quarantine() {
        return Quarantine.of(failureThreshold, ejectionTime, maxEjectionTime, maxEvictionPercent, allowEmptyService);
    }

    /**
     * An eighth of {@code maxHeap}, at most {@link #DEFAULT_RETRY_BUFFER_MB}: 400 held uploads of
     * 1 MiB left a 64 MiB gateway deaf with a 32 MiB budget, and answering with 16 (OverloadTest).
     */
    static long defaultRetryBufferBytes(long maxHeap) {
        return Math.min(DEFAULT_RETRY_BUFFER_MB * MiB, maxHeap / 8);
    }

    /**
     * Parses {@code --flag value} and {@code --flag=value} pairs over the environment.
     *
     * @throws IllegalArgumentException with a one-line message naming the flag and the value
     */
    static Config parse(List<String> args, Map<String, String> env) {
        Map<String, String> values = new HashMap<>();
        for (Flag flag : FLAGS) {
            String fromEnv = env.get(flag.env());
            if (fromEnv != null) values.put(flag.name(), fromEnv);
        }
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            Flag flag = FLAGS.stream().filter(f -> f.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown option '" + name + "' (see --help)"));
            if (eq >= 0) {
                values.put(name, arg.substring(eq + 1));
            } else if (flag.isSwitch()) {
                values.put(name, "true");
            } else if (i + 1 < args.size()) {
                values.put(name, args.get(++i));
            } else {
                throw new IllegalArgumentException(name + ": missing value");
            }
        }
        return new Config(
                address(values.getOrDefault("--bind", DEFAULT_BIND)),
                integer(values, "--port", DEFAULT_PORT),
                redis(values.get("--store")),
                integer(values, "--failure-threshold", DEFAULT_FAILURE_THRESHOLD),
                Duration.ofMillis(integer(values, "--connect-timeout-ms", DEFAULT_CONNECT_TIMEOUT_MS)),
                Duration.ofMillis(integer(values, "--request-timeout-ms", DEFAULT_REQUEST_TIMEOUT_MS)),
                executor(values.get("--executor")),
                values.getOrDefault("--key-prefix", DEFAULT_KEY_PREFIX),
                path(values.get("--state-file")),
                Duration.ofMillis(integer(values, "--resync-ms", DEFAULT_RESYNC_MS)),
                Duration.ofMillis(integer(values, "--client-timeout-ms", DEFAULT_CLIENT_TIMEOUT_MS)),
                values.containsKey("--retry-buffer-mb") ? integer(values, "--retry-buffer-mb", 0) * MiB
                        : defaultRetryBufferBytes(Runtime.getRuntime().maxMemory()),
                integer(values, "--max-connections", DEFAULT_MAX_CONNECTIONS),
                Optional.ofNullable(values.get("--gateway-id")).or(() -> DEFAULT_GATEWAY_ID),
                cidrs(values, "--trusted-proxies", DEFAULT_TRUSTED_PROXIES),
                Duration.ofMillis(integer(values, "--header-timeout-ms", DEFAULT_HEADER_TIMEOUT_MS)),
                integer(values, "--max-header-bytes", DEFAULT_MAX_HEADER_BYTES),
                Duration.ofMillis(integer(values, "--shutdown-grace-ms", DEFAULT_SHUTDOWN_GRACE_MS)),
                bool(values, "--access-log", DEFAULT_ACCESS_LOG),
                adminToken(values),
                limits(values),
                Duration.ofMillis(integer(values, "--ejection-time-ms", DEFAULT_EJECTION_TIME_MS)),
                Duration.ofMillis(integer(values, "--max-ejection-time-ms", DEFAULT_MAX_EJECTION_TIME_MS)),
                values.getOrDefault("--probe-path", DEFAULT_PROBE_PATH),
                integer(values, "--max-eviction-percent", DEFAULT_MAX_EVICTION_PERCENT),
                bool(values, "--allow-empty-service", DEFAULT_ALLOW_EMPTY_SERVICE),
                upstream(values.get("--upstream")));
    }

    /**
     * From {@code --admin-token} or {@code --admin-token-file} (one, not both), with
     * {@code --protect-reads}. No message here ever contains the token.
     */
    private static AdminToken adminToken(Map<String, String> values) {
        String text = values.get("--admin-token");
        String file = values.get("--admin-token-file");
        boolean protectReads = bool(values, "--protect-reads", false);
        if (text != null && file != null) {
            throw new IllegalArgumentException("--admin-token, --admin-token-file: give one, not both");
        }
        if (text == null && file == null) {
            if (protectReads) throw new IllegalArgumentException("--protect-reads: needs --admin-token or --admin-token-file");
            return DEFAULT_ADMIN_TOKEN;
        }
        String flag = text != null ? "--admin-token" : "--admin-token-file";
        try {
            return AdminToken.of(text != null ? text : readToken(file), protectReads);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage());
        }
    }

    /** The file's content without one trailing newline (LF or CRLF), as {@code echo TOKEN > file} leaves it. */
    private static String readToken(String file) {
        byte[] bytes;
        try (var in = java.nio.file.Files.newInputStream(Path.of(file))) {
            bytes = in.readNBytes(MAX_TOKEN_FILE_BYTES + 1);
        } catch (java.io.IOException | InvalidPathException | SecurityException e) {
            throw new IllegalArgumentException("'" + file + "' cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (bytes.length > MAX_TOKEN_FILE_BYTES) throw new IllegalArgumentException("'" + file + "' is over " + MAX_TOKEN_FILE_BYTES + " bytes");
        String token = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (token.endsWith("\n")) token = token.substring(0, token.length() - (token.endsWith("\r\n") ? 2 : 1));
        if (token.isEmpty()) throw new IllegalArgumentException("'" + file + "' is empty");
        return token;
    }

    private static Store.Limits limits(Map<String, String> values) {
        int services = integer(values, "--max-services", DEFAULT_MAX_SERVICES);
        int replicas = integer(values, "--max-replicas-per-service", DEFAULT_MAX_REPLICAS_PER_SERVICE);
        if (services < 1) throw new IllegalArgumentException("--max-services: " + services + " must be at least 1");
        if (replicas < 1) throw new IllegalArgumentException("--max-replicas-per-service: " + replicas + " must be at least 1");
        return new Store.Limits(services, replicas);
    }

    private static List<Cidr> cidrs(Map<String, String> values, String flag, List<Cidr> fallback) {
        String value = values.get(flag);
        if (value == null) return fallback;
        List<Cidr> blocks = new ArrayList<>();
        for (String item : value.split(",")) {
            if (item.isBlank()) continue;
            try {
                blocks.add(Cidr.parse(item.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(flag + ": " + e.getMessage());
            }
        }
        return blocks;
    }

    /** {@code memory}, or the URL of a Redis. */
    private static Optional<RedisUrl> redis(String store) {
        if (store == null) return DEFAULT_REDIS;
        if (store.equals("memory")) return Optional.empty();
        try {
            return Optional.of(RedisUrl.parse(store));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--store: expected memory or a redis:// URL; " + e.getMessage());
        }
    }

    private static RequestThreads executor(String kind) {
        if (kind == null) return DEFAULT_EXECUTOR;
        for (RequestThreads threads : RequestThreads.values()) {
            if (threads.toString().equals(kind)) return threads;
        }
        throw new IllegalArgumentException("--executor: '" + kind + "' is not virtual or platform");
    }

    private static UpstreamClient upstream(String kind) {
        if (kind == null) return DEFAULT_UPSTREAM;
        for (UpstreamClient client : UpstreamClient.values()) {
            if (client.toString().equals(kind)) return client;
        }
        throw new IllegalArgumentException("--upstream: '" + kind + "' is not httpclient or sockets");
    }

    /** Empty (as {@code GATEWAY_STATE_FILE=} leaves it) is none. */
    private static Optional<Path> path(String file) {
        if (file == null || file.isEmpty()) return DEFAULT_STATE_FILE;
        try {
            return Optional.of(Path.of(file));
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("--state-file: '" + file + "' is not a path: " + e.getReason());
        }
    }

    /**
     * A literal IP or a name the resolver knows, resolved here once. The text is kept as the host
     * name (so the listening line shows "0.0.0.0" or "::" as configured, without a reverse lookup).
     */
    private static InetAddress address(String bind) {
        String text = bind.trim();
        if (text.isEmpty()) throw new IllegalArgumentException("--bind: must not be empty");
        try {
            InetAddress resolved = InetAddress.getByName(text);
            return resolved instanceof Inet6Address v6 && v6.getScopeId() != 0
                    ? Inet6Address.getByAddress(text, v6.getAddress(), v6.getScopeId())
                    : InetAddress.getByAddress(text, resolved.getAddress());
        } catch (UnknownHostException | SecurityException e) {
            throw new IllegalArgumentException("--bind: '" + bind + "' is not an IP address or a known host name");
        }
    }

    /** A switch: given alone it is on; {@code --flag=false} or its variable set to false turns it off. */
    private static boolean bool(Map<String, String> values, String flag, boolean fallback) {
        String value = values.get(flag);
        if (value == null) return fallback;
        return switch (value.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(flag + ": '" + value + "' is not true or false");
        };
    }

    private static int integer(Map<String, String> values, String flag, int fallback) {
        String value = values.get(flag);
        if (value == null) return fallback;
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": '" + value + "' is not a whole number");
        }
    }

    static String usage() {
        StringBuilder out = new StringBuilder("""
                usage: java -jar gateway.jar [options]

                A fault-tolerant HTTP gateway: replicas POST /register, clients call /SERVICE/...
                Every option can also be set by the environment variable shown; the option wins.

                """);
        for (Flag f : FLAGS) {
            out.append(String.format("  %-36s %-28s %s%n", (f.name() + " " + f.value()).strip(), f.env(), f.help()));
        }
        out.append(String.format("  %-36s %-28s %s%n", "--help", "", "print this help and exit"));
        return out.toString();
    }
}

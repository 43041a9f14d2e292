package gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every setting of one gateway, parsed once from the command line and the environment
 * (a flag wins over its environment variable). Immutable; the constructor rejects bad values.
 */
record Config(
        String bind,
        int port,
        String store,
        int failureThreshold,
        Duration connectTimeout,
        Duration requestTimeout,
        String executor,
        String keyPrefix,
        String stateFile,
        Duration resyncInterval,
        Optional<String> gatewayId,
        List<Cidr> trustedProxies) {

    static final String DEFAULT_BIND = "0.0.0.0";
    static final int DEFAULT_PORT = 7171;
    static final String DEFAULT_STORE = "memory";
    static final int DEFAULT_FAILURE_THRESHOLD = 3;
    static final int DEFAULT_CONNECT_TIMEOUT_MS = 1_000;
    static final int DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
    static final String DEFAULT_EXECUTOR = "virtual";
    static final String DEFAULT_KEY_PREFIX = "";
    static final int DEFAULT_RESYNC_MS = 5_000;
    /** None: each gateway makes up its own, {@code gw-} and 8 random hex digits (see Gateway). */
    static final Optional<String> DEFAULT_GATEWAY_ID = Optional.empty();
    static final List<Cidr> DEFAULT_TRUSTED_PROXIES = List.of();

    /** A gateway id is a Via received-by token (RFC 9110 §7.6.3); kept to a safe subset. */
    private static final Pattern GATEWAY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** One command-line flag, its environment variable and its help line. */
    record Flag(String name, String env, String value, String help) {}

    static final List<Flag> FLAGS = List.of(
            new Flag("--port", "GATEWAY_PORT", "N", "port to listen on; 0 picks a free one (default " + DEFAULT_PORT + ")"),
            new Flag("--bind", "GATEWAY_BIND", "ADDR", "address to listen on (default " + DEFAULT_BIND + ")"),
            new Flag("--store", "GATEWAY_STORE", "memory|redis://[user:pw@]host:port[/db]",
                    "where the registry lives; rediss:// for TLS (default " + DEFAULT_STORE + ")"),
            new Flag("--key-prefix", "GATEWAY_KEY_PREFIX", "TEXT", "prefix of every Redis key, to share one Redis (default none)"),
            new Flag("--state-file", "GATEWAY_STATE_FILE", "PATH", "memory store: keep the registry in this file (default none)"),
            new Flag("--resync-ms", "GATEWAY_RESYNC_MS", "N",
                    "Redis store: reread the whole registry this often, besides change notices (default " + DEFAULT_RESYNC_MS + ")"),
            new Flag("--failure-threshold", "GATEWAY_FAILURE_THRESHOLD", "N",
                    "consecutive failures that evict a replica (default " + DEFAULT_FAILURE_THRESHOLD + ")"),
            new Flag("--connect-timeout-ms", "GATEWAY_CONNECT_TIMEOUT_MS", "N",
                    "upstream connect timeout (default " + DEFAULT_CONNECT_TIMEOUT_MS + ")"),
            new Flag("--request-timeout-ms", "GATEWAY_REQUEST_TIMEOUT_MS", "N",
                    "deadline for a proxied request, retries included (default " + DEFAULT_REQUEST_TIMEOUT_MS + ")"),
            new Flag("--executor", "GATEWAY_EXECUTOR", "virtual|platform",
                    "request threads: one virtual thread per request, or a pool of 200 platform threads (default "
                            + DEFAULT_EXECUTOR + ")"),
            new Flag("--gateway-id", "GATEWAY_ID", "ID",
                    "this gateway's name in Via headers, for loop detection; unique per gateway (default gw- and 8 random hex digits)"),
            new Flag("--trusted-proxies", "GATEWAY_TRUSTED_PROXIES", "CIDR[,CIDR...]",
                    "peers whose X-Forwarded-For/-Proto/-Host are believed, e.g. a TLS terminator (default none)"));

    Config {
        if (bind.isBlank()) throw new IllegalArgumentException("--bind: must not be empty");
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("--port: " + port + " is not in 0-65535");
        if (!store.equals("memory")) {
            try {
                RedisUrl.parse(store);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--store: expected memory or a redis:// URL; " + e.getMessage());
            }
        }
        if (!stateFile.isEmpty() && !store.equals("memory")) {
            throw new IllegalArgumentException("--state-file: only for the memory store (Redis keeps its own data)");
        }
        if (resyncInterval.isNegative() || resyncInterval.isZero()) throw new IllegalArgumentException("--resync-ms: must be at least 1");
        if (failureThreshold < 1) throw new IllegalArgumentException("--failure-threshold: " + failureThreshold + " must be at least 1");
        if (connectTimeout.isNegative() || connectTimeout.isZero())
            throw new IllegalArgumentException("--connect-timeout-ms: must be at least 1");
        if (requestTimeout.isNegative() || requestTimeout.isZero())
            throw new IllegalArgumentException("--request-timeout-ms: must be at least 1");
        if (!executor.equals("virtual") && !executor.equals("platform"))
            throw new IllegalArgumentException("--executor: '" + executor + "' is not virtual or platform");
        if (gatewayId.isPresent() && !GATEWAY_ID.matcher(gatewayId.get()).matches())
            throw new IllegalArgumentException("--gateway-id: '" + gatewayId.get() + "' must be 1-64 of A-Z a-z 0-9 . _ -");
        trustedProxies = List.copyOf(trustedProxies);
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
            if (FLAGS.stream().noneMatch(f -> f.name().equals(name))) {
                throw new IllegalArgumentException("unknown option '" + name + "' (see --help)");
            }
            if (eq >= 0) {
                values.put(name, arg.substring(eq + 1));
            } else if (i + 1 < args.size()) {
                values.put(name, args.get(++i));
            } else {
                throw new IllegalArgumentException(name + ": missing value");
            }
        }
        return new Config(
                values.getOrDefault("--bind", DEFAULT_BIND),
                integer(values, "--port", DEFAULT_PORT),
                values.getOrDefault("--store", DEFAULT_STORE),
                integer(values, "--failure-threshold", DEFAULT_FAILURE_THRESHOLD),
                Duration.ofMillis(integer(values, "--connect-timeout-ms", DEFAULT_CONNECT_TIMEOUT_MS)),
                Duration.ofMillis(integer(values, "--request-timeout-ms", DEFAULT_REQUEST_TIMEOUT_MS)),
                values.getOrDefault("--executor", DEFAULT_EXECUTOR),
                values.getOrDefault("--key-prefix", DEFAULT_KEY_PREFIX),
                values.getOrDefault("--state-file", ""),
                Duration.ofMillis(integer(values, "--resync-ms", DEFAULT_RESYNC_MS)),
                Optional.ofNullable(values.get("--gateway-id")).or(() -> DEFAULT_GATEWAY_ID),
                cidrs(values, "--trusted-proxies", DEFAULT_TRUSTED_PROXIES));
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

    /** The Redis to use, or null for the memory store. */
    RedisUrl redis() {
        return store.equals("memory") ? null : RedisUrl.parse(store);
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
            out.append(String.format("  %-36s %-28s %s%n", f.name() + " " + f.value(), f.env(), f.help()));
        }
        out.append(String.format("  %-36s %-28s %s%n", "--help", "", "print this help and exit"));
        return out.toString();
    }
}

package sample;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Every setting of one replica, parsed once from the command line and the environment (a flag wins
 * over its variable), as the gateway's own Config does. "Not configured" is an empty Optional.
 * Immutable; the constructor rejects bad values with a message naming the flag.
 */
record Config(
        String service,
        InetAddress bind,
        int port,
        Optional<URI> gateway,
        Optional<URI> address,
        Optional<String> replica,
        Duration heartbeat,
        Optional<String> adminToken,
        Fault fault) {

    static final String DEFAULT_SERVICE = "sample";
    static final String DEFAULT_BIND = "0.0.0.0";
    static final int DEFAULT_PORT = 8080;
    static final String DEFAULT_GATEWAY = "http://127.0.0.1:7171";
    static final int DEFAULT_HEARTBEAT_MS = 10_000;
    static final int DEFAULT_HANG_MS = 10_000;

    /** One command-line flag, its environment variable and its help line. */
    record Flag(String name, String env, String value, String help) {}

    static final List<Flag> FLAGS = List.of(
            new Flag("--service", "SAMPLE_SERVICE", "NAME", "service name to register under (default " + DEFAULT_SERVICE + ")"),
            new Flag("--port", "SAMPLE_PORT", "N", "port to listen on; 0 picks a free one (default " + DEFAULT_PORT + ")"),
            new Flag("--bind", "SAMPLE_BIND", "ADDR", "address to listen on (default " + DEFAULT_BIND + ")"),
            new Flag("--gateway", "SAMPLE_GATEWAY", "URL|none", "the gateway to register with (default " + DEFAULT_GATEWAY + ")"),
            new Flag("--address", "SAMPLE_ADDRESS", "URL",
                    "the address registered, as the gateway reaches this replica (default http://127.0.0.1:PORT)"),
            new Flag("--replica", "SAMPLE_REPLICA", "NAME", "this replica's name in /hello (default its address)"),
            new Flag("--heartbeat-ms", "SAMPLE_HEARTBEAT_MS", "N", "register again this often (default " + DEFAULT_HEARTBEAT_MS + ")"),
            new Flag("--admin-token", "SAMPLE_ADMIN_TOKEN", "TOKEN",
                    "sent as Authorization: Bearer TOKEN on /register, for a gateway that requires it (default none)"),
            new Flag("--fault", "SAMPLE_FAULT", "none|503|hang|close", "the fault at start, as POST /fault sets it (default none)"),
            new Flag("--hang-ms", "SAMPLE_HANG_MS", "N", "how long the hang fault holds a request (default " + DEFAULT_HANG_MS + ")"),
            new Flag("--fault-fraction", "SAMPLE_FAULT_FRACTION", "F", "the fraction of requests the fault hits, 0-1 (default 1)"));

    Config {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(fault, "fault");
        if (!service.matches("[A-Za-z0-9._-]{1,64}")) throw new IllegalArgumentException("--service: '" + service + "' must be 1-64 of A-Z a-z 0-9 . _ -");
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("--port: " + port + " is not in 0-65535");
        if (heartbeat.isNegative() || heartbeat.isZero()) throw new IllegalArgumentException("--heartbeat-ms: must be at least 1");
    }

    /** The address registered: {@code --address}, else this machine's loopback on the bound port. */
    URI address(int boundPort) {
        return address.orElse(URI.create("http://127.0.0.1:" + boundPort));
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
        String gateway = values.getOrDefault("--gateway", DEFAULT_GATEWAY);
        int hangMs = integer(values, "--hang-ms", DEFAULT_HANG_MS);
        if (hangMs < 0) throw new IllegalArgumentException("--hang-ms: " + hangMs + " must be 0 or more");
        Fault.Mode mode;
        try {
            mode = Fault.Mode.parse(values.getOrDefault("--fault", "none"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--fault: " + e.getMessage());
        }
        Fault fault = new Fault(mode, Duration.ofMillis(hangMs), fraction(values.getOrDefault("--fault-fraction", "1")));
        return new Config(
                values.getOrDefault("--service", DEFAULT_SERVICE),
                bind(values.getOrDefault("--bind", DEFAULT_BIND)),
                integer(values, "--port", DEFAULT_PORT),
                gateway.equals("none") ? Optional.empty() : Optional.of(url("--gateway", gateway)),
                Optional.ofNullable(values.get("--address")).map(a -> url("--address", a)),
                Optional.ofNullable(values.get("--replica")).filter(r -> !r.isBlank()),
                Duration.ofMillis(integer(values, "--heartbeat-ms", DEFAULT_HEARTBEAT_MS)),
                Optional.ofNullable(values.get("--admin-token")).filter(t -> !t.isEmpty()),
                fault);
    }

    /** An absolute http(s) URL with a host, without a trailing slash. */
    private static URI url(String flag, String text) {
        try {
            URI uri = new URI(text.strip());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException(flag + ": '" + text + "' is not an http(s)://host[:port] URL");
            }
            String s = uri.toString();
            return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(flag + ": '" + text + "' is not a URL: " + e.getReason());
        }
    }

    private static InetAddress bind(String text) {
        try {
            return InetAddress.getByName(text.strip());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--bind: '" + text + "' is not an IP address or a known host name");
        }
    }

    private static double fraction(String text) {
        try {
            double f = Double.parseDouble(text.strip());
            if (f >= 0 && f <= 1) return f;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--fault-fraction: '" + text + "' is not a number from 0 to 1");
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
                usage: java -jar sample-service.jar [options]

                A sample replica for the gateway: registers itself, answers /hello, /echo and /health,
                and fails on demand (POST /fault). Every option can also be set by the environment
                variable shown; the option wins.

                """);
        for (Flag f : FLAGS) {
            out.append(String.format("  %-30s %-22s %s%n", f.name() + " " + f.value(), f.env(), f.help()));
        }
        out.append(String.format("  %-30s %-22s %s%n", "--help", "", "print this help and exit"));
        return out.toString();
    }
}

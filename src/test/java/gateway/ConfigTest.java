package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigTest {

    @Test
    void defaultsWhenNothingIsGiven() throws Exception {
        Config c = Config.parse(List.of(), Map.of());
        assertEquals(new Config(InetAddress.getByName("0.0.0.0"), 7171, Optional.empty(), 3, Duration.ofMillis(1000), Duration.ofMillis(30000),
                Config.RequestThreads.VIRTUAL, "", Optional.empty(), Duration.ofMillis(5000), Duration.ofMillis(30_000),
                Config.defaultRetryBufferBytes(Runtime.getRuntime().maxMemory()), 1000,
                Optional.empty(), List.of(), Duration.ofMillis(10_000), 32 * 1024, Duration.ofMillis(10_000), false,
                AdminToken.NONE, new Store.Limits(1024, 64),
                Duration.ofMillis(30_000), Duration.ofMillis(300_000), "/", 50, false, Config.UpstreamClient.HTTPCLIENT), c);
    }

    @Test
    void ejectionFlagsAndTheirVariables() {
        Config c = Config.parse(List.of("--ejection-time-ms", "500", "--max-ejection-time-ms=4000", "--probe-path", "/health?deep=1",
                "--max-eviction-percent", "100", "--allow-empty-service"), Map.of());
        assertEquals(Duration.ofMillis(500), c.ejectionTime());
        assertEquals(Duration.ofMillis(4000), c.maxEjectionTime());
        assertEquals("/health?deep=1", c.probePath());
        assertEquals(100, c.maxEvictionPercent());
        assertTrue(c.allowEmptyService());
        Config env = Config.parse(List.of(), Map.of("GATEWAY_EJECTION_TIME_MS", "10", "GATEWAY_MAX_EJECTION_TIME_MS", "10",
                "GATEWAY_PROBE_PATH", "/up", "GATEWAY_MAX_EVICTION_PERCENT", "1", "GATEWAY_ALLOW_EMPTY_SERVICE", "true"));
        Quarantine q = env.quarantine();
        assertEquals(List.of(3, Duration.ofMillis(10), Duration.ofMillis(10), 1, true),
                List.of(q.threshold(), q.ejectionTime(), q.maxEjectionTime(), q.maxEvictionPercent(), q.allowEmptyService()));
        assertEquals("/up", env.probePath());
        assertFalse(Config.parse(List.of("--allow-empty-service=false"), Map.of("GATEWAY_ALLOW_EMPTY_SERVICE", "true")).allowEmptyService());
    }

    @Test
    void headerTimeoutHeaderLimitAndShutdownGrace() {
        Config c = Config.parse(List.of("--header-timeout-ms", "300", "--max-header-bytes=8192"), Map.of("GATEWAY_SHUTDOWN_GRACE_MS", "0"));
        assertEquals(Duration.ofMillis(300), c.headerTimeout());
        assertEquals(8192, c.maxHeaderBytes());
        assertEquals(Duration.ZERO, c.shutdownGrace(), "0: requests in flight are cut off at once");
        Config env = Config.parse(List.of(), Map.of("GATEWAY_HEADER_TIMEOUT_MS", "50", "GATEWAY_MAX_HEADER_BYTES", "1024"));
        assertEquals(Duration.ofMillis(50), env.headerTimeout());
        assertEquals(1024, env.maxHeaderBytes());
    }

    @Test
    void flagsInBothSpellingsAndEnvironment() {
        Config c = Config.parse(List.of("--port", "8080", "--failure-threshold=5", "--executor", "platform"),
                Map.of("GATEWAY_BIND", "127.0.0.1", "GATEWAY_REQUEST_TIMEOUT_MS", "250", "GATEWAY_CONNECT_TIMEOUT_MS", "50"));
        assertEquals(8080, c.port());
        assertEquals(5, c.failureThreshold());
        assertEquals(Config.RequestThreads.PLATFORM, c.executor());
        assertEquals("127.0.0.1", c.bind().getHostAddress());
        assertEquals(Duration.ofMillis(250), c.requestTimeout());
        assertEquals(Duration.ofMillis(50), c.connectTimeout());
    }

    @Test
    void clientTimeoutRetryBufferAndConnectionCap() {
        Config c = Config.parse(List.of("--client-timeout-ms", "500", "--retry-buffer-mb=0"), Map.of("GATEWAY_MAX_CONNECTIONS", "5"));
        assertEquals(Duration.ofMillis(500), c.clientTimeout());
        assertEquals(0, c.retryBufferBytes());
        assertEquals(5, c.maxConnections());
        assertEquals(3L << 20, Config.parse(List.of("--retry-buffer-mb", "3"), Map.of()).retryBufferBytes());
        assertEquals(Config.defaultRetryBufferBytes(Runtime.getRuntime().maxMemory()),
                Config.parse(List.of(), Map.of()).retryBufferBytes(), "unset: from this JVM's heap");
    }

    @Test
    void theDefaultRetryBufferIsAnEighthOfTheHeapAndAtMost32MiB() {
        assertEquals(8L << 20, Config.defaultRetryBufferBytes(64L << 20)); // the launcher's heap
        assertEquals(32L << 20, Config.defaultRetryBufferBytes(256L << 20));
        assertEquals(32L << 20, Config.defaultRetryBufferBytes(6L << 30));
        assertEquals(2L << 20, Config.defaultRetryBufferBytes(16L << 20));
    }

    @Test
    void aFlagWinsOverItsEnvironmentVariable() {
        Config c = Config.parse(List.of("--port", "9000"), Map.of("GATEWAY_PORT", "9001"));
        assertEquals(9000, c.port());
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            --port               | abc     | --port: 'abc' is not a whole number
            --port               | -1      | --port: -1 is not in 0-65535
            --port               | 65536   | --port: 65536 is not in 0-65535
            --failure-threshold  | 0       | --failure-threshold: 0 must be at least 1
            --ejection-time-ms   | 0       | --ejection-time-ms: must be at least 1
            --ejection-time-ms   | 400000  | --max-ejection-time-ms: 300000 is below --ejection-time-ms 400000
            --max-ejection-time-ms | 29999 | --max-ejection-time-ms: 29999 is below --ejection-time-ms 30000
            --max-ejection-time-ms | 5m    | --max-ejection-time-ms: '5m' is not a whole number
            --probe-path         | health  | --probe-path: 'health' must start with / and be printable ASCII without spaces
            --probe-path         | '/a b'  | --probe-path: '/a b' must start with / and be printable ASCII without spaces
            --max-eviction-percent | 0     | --max-eviction-percent: 0 is not in 1-100
            --max-eviction-percent | 101   | --max-eviction-percent: 101 is not in 1-100
            --header-timeout-ms  | 0       | --header-timeout-ms: must be at least 1
            --header-timeout-ms  | 1s      | --header-timeout-ms: '1s' is not a whole number
            --max-header-bytes   | 1023    | --max-header-bytes: 1023 is not in 1024-67108864
            --max-header-bytes   | 67108865 | --max-header-bytes: 67108865 is not in 1024-67108864
            --shutdown-grace-ms  | -1      | --shutdown-grace-ms: must be 0 or more
            --failure-threshold  | x       | --failure-threshold: 'x' is not a whole number
            --connect-timeout-ms | 0       | --connect-timeout-ms: must be at least 1
            --request-timeout-ms | -5      | --request-timeout-ms: must be at least 1
            --request-timeout-ms | 1.5     | --request-timeout-ms: '1.5' is not a whole number
            --store              | mongo   | --store: expected memory or a redis:// URL; redis url 'mongo' is invalid: expected redis://[user:password@]host[:port][/db] or rediss://...
            --store              | redis://:pw@h:x | --store: expected memory or a redis:// URL; redis url 'redis://***@h:x' is invalid: port 'x' is not a number
            --resync-ms          | 0       | --resync-ms: must be at least 1
            --executor           | fibers  | --executor: 'fibers' is not virtual or platform
            --executor           | VIRTUAL | --executor: 'VIRTUAL' is not virtual or platform
            --upstream           | netty   | --upstream: 'netty' is not httpclient or sockets
            --upstream           | SOCKETS | --upstream: 'SOCKETS' is not httpclient or sockets
            --bind               | ' '     | --bind: must not be empty
            --bind               | 999.1.1.1 | --bind: '999.1.1.1' is not an IP address or a known host name
            --bind               | no-such-host.invalid | --bind: 'no-such-host.invalid' is not an IP address or a known host name
            --client-timeout-ms  | 0       | --client-timeout-ms: must be at least 1
            --retry-buffer-mb    | -1      | --retry-buffer-mb: must be 0 or more
            --retry-buffer-mb    | lots    | --retry-buffer-mb: 'lots' is not a whole number
            --max-connections    | 0       | --max-connections: 0 must be at least 1
            --gateway-id         | 'gw 1'  | --gateway-id: 'gw 1' must be 1-64 of A-Z a-z 0-9 . _ -
            --gateway-id         | a,b     | --gateway-id: 'a,b' must be 1-64 of A-Z a-z 0-9 . _ -
            --trusted-proxies    | proxy.local | --trusted-proxies: 'proxy.local' is not an IP address or CIDR block (e.g. 10.0.0.0/8, 2001:db8::/32)
            --trusted-proxies    | 10.0.0.0/8,999.1.1.1 | --trusted-proxies: '999.1.1.1' is not an IP address or CIDR block (e.g. 10.0.0.0/8, 2001:db8::/32)
            --trusted-proxies    | 10.0.0.0/33 | --trusted-proxies: '10.0.0.0/33': prefix /33 is not in 0-32
            --trusted-proxies    | 10.0.0.1/8 | --trusted-proxies: '10.0.0.1/8' has bits set after the first 8 (did you mean 10.0.0.0/8?)
            --trusted-proxies    | 10.0.0.0/x | --trusted-proxies: '10.0.0.0/x': prefix 'x' is not a number
            --trusted-proxies    | fe80::1%eth0 | --trusted-proxies: 'fe80::1%eth0' is not an IP address or CIDR block (e.g. 10.0.0.0/8, 2001:db8::/32)
            --max-services       | 0       | --max-services: 0 must be at least 1
            --max-services       | many    | --max-services: 'many' is not a whole number
            --max-replicas-per-service | -3 | --max-replicas-per-service: -3 must be at least 1
            --admin-token        | ''      | --admin-token: the admin token is empty
            --admin-token        | 'two words' | --admin-token: the admin token must be printable ASCII without spaces (character 4 is not)
            --trusted-proxies    | ::ffff:10.0.0.0/104 | --trusted-proxies: '::ffff:10.0.0.0/104' is an IPv4-mapped address: write it in IPv4 form
            """)
    void badValuesAreRejectedWithALineNamingTheFlag(String flag, String value, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> Config.parse(List.of(flag, value), Map.of()));
        assertEquals(message, e.getMessage());
    }

    @Test
    void theBindAddressIsResolvedOnceHereAndKeepsItsSpelling() {
        InetAddress v4 = Config.parse(List.of("--bind", "127.0.0.1"), Map.of()).bind();
        assertEquals("127.0.0.1", v4.getHostAddress());
        assertEquals("127.0.0.1", v4.getHostName(), "no reverse lookup");
        InetAddress any = Config.parse(List.of("--bind", "::"), Map.of()).bind();
        assertTrue(any.isAnyLocalAddress());
        assertEquals("::", any.getHostName());
        InetAddress named = Config.parse(List.of("--bind", "localhost"), Map.of()).bind();
        assertTrue(named.isLoopbackAddress());
        assertEquals("localhost", named.getHostName());
    }

    @Test
    void gatewayIdAndTrustedProxies() {
        Config c = Config.parse(List.of("--gateway-id", "edge-1", "--trusted-proxies", "10.0.0.0/8, 192.0.2.7,2001:db8::/32"),
                Map.of());
        assertEquals(Optional.of("edge-1"), c.gatewayId());
        assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("192.0.2.7/32"), Cidr.parse("2001:db8::/32")), c.trustedProxies());
        assertEquals(List.of(), Config.parse(List.of(), Map.of("GATEWAY_TRUSTED_PROXIES", "")).trustedProxies());
        assertEquals(Optional.of("from-env"), Config.parse(List.of(), Map.of("GATEWAY_ID", "from-env")).gatewayId());
    }

    @Test
    void theAccessLogIsASwitchOffByDefault() {
        assertEquals(false, Config.parse(List.of(), Map.of()).accessLog());
        assertEquals(true, Config.parse(List.of("--access-log"), Map.of()).accessLog());
        assertEquals(true, Config.parse(List.of("--access-log", "--port", "1"), Map.of()).accessLog(), "takes no value");
        assertEquals(1, Config.parse(List.of("--access-log", "--port", "1"), Map.of()).port());
        assertEquals(false, Config.parse(List.of("--access-log=false"), Map.of("GATEWAY_ACCESS_LOG", "true")).accessLog());
        assertEquals(true, Config.parse(List.of(), Map.of("GATEWAY_ACCESS_LOG", "true")).accessLog());
        assertEquals(false, Config.parse(List.of(), Map.of("GATEWAY_ACCESS_LOG", "false")).accessLog());
        assertEquals("--access-log: 'yes' is not true or false",
                assertThrows(IllegalArgumentException.class, () -> Config.parse(List.of("--access-log=yes"), Map.of())).getMessage());
        assertEquals("--access-log: '1' is not true or false",
                assertThrows(IllegalArgumentException.class, () -> Config.parse(List.of(), Map.of("GATEWAY_ACCESS_LOG", "1"))).getMessage());
    }

    @Test
    void redisStoreAndItsOptions() {
        Config c = Config.parse(List.of("--store", "redis://127.0.0.1:6390/2", "--key-prefix", "blue:"), Map.of());
        assertEquals(Optional.of(new RedisUrl(false, "127.0.0.1", 6390, null, null, 2)), c.redis());
        assertEquals("blue:", c.keyPrefix());
        assertEquals(Optional.empty(), Config.parse(List.of(), Map.of()).redis());
        assertEquals(Optional.empty(), Config.parse(List.of("--store", "memory"), Map.of()).redis());
        var e = assertThrows(IllegalArgumentException.class,
                () -> Config.parse(List.of("--store", "redis://h:1", "--state-file", "/tmp/x.json"), Map.of()));
        assertEquals("--state-file: only for the memory store (Redis keeps its own data)", e.getMessage());
    }

    @Test
    void theStateFileIsAPathAndEmptyMeansNone() {
        assertEquals(Optional.of(Path.of("/tmp/gw.json")), Config.parse(List.of("--state-file", "/tmp/gw.json"), Map.of()).stateFile());
        assertEquals(Optional.empty(), Config.parse(List.of(), Map.of()).stateFile());
        assertEquals(Optional.empty(), Config.parse(List.of(), Map.of("GATEWAY_STATE_FILE", "")).stateFile());
        var e = assertThrows(IllegalArgumentException.class, () -> Config.parse(List.of("--state-file", "a\0b"), Map.of()));
        assertTrue(e.getMessage().startsWith("--state-file: ") && e.getMessage().contains("is not a path"), e.getMessage());
    }

    @Test
    void theUpstreamIsHttpClientOrSocketsFromTheFlagOrTheEnvironment() {
        for (Config.UpstreamClient kind : Config.UpstreamClient.values()) {
            assertEquals(kind, Config.parse(List.of("--upstream", kind.toString()), Map.of()).upstream());
        }
        assertEquals(Config.UpstreamClient.SOCKETS, Config.parse(List.of(), Map.of("GATEWAY_UPSTREAM", "sockets")).upstream());
        assertEquals(Config.UpstreamClient.HTTPCLIENT,
                Config.parse(List.of("--upstream=httpclient"), Map.of("GATEWAY_UPSTREAM", "sockets")).upstream(), "the flag wins");
    }

    @Test
    void theExecutorIsOneOfTwoKindsWrittenInLowerCase() {
        for (Config.RequestThreads kind : Config.RequestThreads.values()) {
            assertEquals(kind, Config.parse(List.of("--executor", kind.toString()), Map.of()).executor());
        }
        assertEquals("virtual", Config.RequestThreads.VIRTUAL.toString(), "as the help and the start line show it");
    }

    @Test
    void badEnvironmentValuesAreRejectedToo() {
        var e = assertThrows(IllegalArgumentException.class, () -> Config.parse(List.of(), Map.of("GATEWAY_PORT", "http")));
        assertEquals("--port: 'http' is not a whole number", e.getMessage());
    }

    @Test
    void unknownFlagAndMissingValue() {
        assertEquals("unknown option '--prot' (see --help)",
                assertThrows(IllegalArgumentException.class, () -> Config.parse(List.of("--prot", "1"), Map.of())).getMessage());
        assertEquals("--port: missing value",
                assertThrows(IllegalArgumentException.class, () -> Config.parse(List.of("--port"), Map.of())).getMessage());
    }

    @Test
    void theAdminTokenComesFromAFlagAVariableOrAFileAndIsNeverPrinted() throws Exception {
        AdminToken fromFlag = Config.parse(List.of("--admin-token", "t0ken"), Map.of("GATEWAY_ADMIN_TOKEN", "other")).adminToken();
        assertEquals(AdminToken.of("t0ken", false), fromFlag, "the flag wins");
        assertEquals(AdminToken.of("env-t0ken", false), Config.parse(List.of(), Map.of("GATEWAY_ADMIN_TOKEN", "env-t0ken")).adminToken());
        assertEquals(AdminToken.NONE, Config.parse(List.of(), Map.of()).adminToken());

        Path dir = java.nio.file.Files.createTempDirectory("token");
        Path file = java.nio.file.Files.writeString(dir.resolve("token"), "file-t0ken\n");
        assertEquals(AdminToken.of("file-t0ken", false), Config.parse(List.of("--admin-token-file", file.toString()), Map.of()).adminToken(),
                "one trailing newline is dropped");
        java.nio.file.Files.writeString(file, "file-t0ken\r\n");
        assertEquals(AdminToken.of("file-t0ken", true),
                Config.parse(List.of("--protect-reads"), Map.of("GATEWAY_ADMIN_TOKEN_FILE", file.toString())).adminToken());

        Config c = Config.parse(List.of("--admin-token=t0ken", "--protect-reads"), Map.of());
        assertTrue(c.adminToken().protectsReads());
        assertFalse(c.toString().contains("t0ken"), c.toString());
        assertFalse(Config.parse(List.of("--admin-token=t0ken", "--protect-reads=false"), Map.of()).adminToken().protectsReads());
        assertTrue(Config.parse(List.of("--admin-token=t0ken"), Map.of("GATEWAY_PROTECT_READS", "true")).adminToken().protectsReads());
        assertEquals("--protect-reads: 'maybe' is not true or false", parseError(List.of("--admin-token=t0ken", "--protect-reads=maybe")));
    }

    @Test
    void aTokenFileThatIsEmptyUnreadableOrTooLargeIsRejectedWithoutItsContent() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("token");
        Path empty = java.nio.file.Files.writeString(dir.resolve("empty"), "\n");
        Path missing = dir.resolve("missing");
        Path spaced = java.nio.file.Files.writeString(dir.resolve("spaced"), "sec ret\n");
        Path huge = java.nio.file.Files.writeString(dir.resolve("huge"), "x".repeat(5000));
        assertEquals("--admin-token-file: '" + empty + "' is empty", parseError(List.of("--admin-token-file", empty.toString())));
        assertEquals("--admin-token-file: '" + missing + "' cannot be read (NoSuchFileException)",
                parseError(List.of("--admin-token-file", missing.toString())));
        assertTrue(parseError(List.of("--admin-token-file", dir.toString())).startsWith("--admin-token-file: '" + dir + "' cannot be read ("),
                "a directory");
        assertEquals("--admin-token-file: the admin token must be printable ASCII without spaces (character 4 is not)",
                parseError(List.of("--admin-token-file", spaced.toString())));
        assertEquals("--admin-token-file: '" + huge + "' is over 4096 bytes", parseError(List.of("--admin-token-file", huge.toString())));
        assertEquals("--admin-token, --admin-token-file: give one, not both",
                parseError(List.of("--admin-token", "t", "--admin-token-file", empty.toString())));
        assertEquals("--protect-reads: needs --admin-token or --admin-token-file", parseError(List.of("--protect-reads")));
    }

    @Test
    void theRegistryLimits() {
        assertEquals(new Store.Limits(10, 3), Config.parse(List.of("--max-services", "10", "--max-replicas-per-service=3"), Map.of()).limits());
        assertEquals(new Store.Limits(7, 64), Config.parse(List.of(), Map.of("GATEWAY_MAX_SERVICES", "7")).limits());
        assertEquals(new Store.Limits(1024, 9), Config.parse(List.of(), Map.of("GATEWAY_MAX_REPLICAS_PER_SERVICE", "9")).limits());
    }

    private static String parseError(List<String> args) {
        return assertThrows(IllegalArgumentException.class, () -> Config.parse(args, Map.of())).getMessage();
    }

    @Test
    void usageListsEveryFlagAndItsVariable() {
        String usage = Config.usage();
        for (Config.Flag f : Config.FLAGS) {
            assertTrue(usage.contains(f.name()) && usage.contains(f.env()), f.name());
        }
    }
}

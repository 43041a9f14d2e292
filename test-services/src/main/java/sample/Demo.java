package sample;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./build.sh demo}: a gateway (on a private redis-server when there is one), three sample
 * replicas and steady GET traffic; one replica is killed, comes back, then answers 503 for a
 * while. Prints the timeline, writes {@code failover.svg}, stops everything it started. Exit 0
 * when the eviction and the return were seen and no client saw an error. Not thread-safe: one run.
 */
public final class Demo implements AutoCloseable {

    static final String SERVICE = "sample";
    static final int REPLICAS = 3;
    static final int PER_SECOND = 30;
    /** The script, in seconds since the traffic started. */
    static final int EJECTION_MS = 2000;
    static final double KILL_AT = 5, RESTART_AT = 10, FAULT_AT = 15, FAULT_OFF_AT = 19, END_AT = 25;
    /** Short, so that the replica evicted while answering 503 rejoins soon after it is healthy. */
    static final int HEARTBEAT_MS = 2_000;

    private static final Pattern EVICTED = Pattern.compile("evicted (\\S+) from .*");
    private static final Pattern PROBE = Pattern.compile(".*probe of (https?://[^/\\s]+)\\S* (passed|failed)(.*)");
    private static final Pattern REGISTERED = Pattern.compile(".* registered (\\S+) with \\S+ \\((\\d+)\\)");

    private final PrintStream out;
    private final Path outDir;
    private final String java;
    private final Path sampleJar;
    private final List<Child> children = new CopyOnWriteArrayList<>();
    private final Map<String, Child> replicas = new ConcurrentHashMap<>();
    private final Map<String, String> nameOf = new ConcurrentHashMap<>();
    private final List<FailoverChart.Marker> markers = new CopyOnWriteArrayList<>();
    private final List<String> evictions = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final long started = System.nanoTime();
    private volatile long trafficStart = -1;
    private volatile boolean killedAndBack;
    private volatile boolean healedAndBack;

    private Demo(PrintStream out, Path outDir, Path sampleJar) {
        this.out = out;
        this.outDir = outDir;
        this.sampleJar = sampleJar;
        this.java = ProcessHandle.current().info().command().orElse("java");
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java -cp sample-service.jar sample.Demo GATEWAY_JAR [OUT_DIR]");
            System.exit(2);
        }
        Path outDir = Path.of(args.length > 1 ? args[1] : "target/demo");
        int status;
        try (Demo demo = new Demo(System.out, outDir, ownJar())) {
            status = demo.play(Path.of(args[0]));
        }
        System.exit(status);
    }

    private static Path ownJar() throws URISyntaxException {
        return Path.of(Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private int play(Path gatewayJar) throws Exception {
        Files.createDirectories(outDir.resolve("logs"));
        Optional<String> redis = startRedis();
        out.printf("Failover demo: %s, %s, %d replicas of '%s', %d GET/s%n", gatewayJar,
                redis.map(url -> "Redis store (" + url + ")").orElse("memory store (no redis-server on the PATH)"), REPLICAS, SERVICE, PER_SECOND);
        List<String> gatewayCommand = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-jar", gatewayJar.toString(), "--bind", "127.0.0.1", "--port", "0", "--gateway-id", "gw-demo",
                // probes every 2 s at first (doubling up to 8 s), so that a return fits in the demo
                "--ejection-time-ms", Integer.toString(EJECTION_MS), "--max-ejection-time-ms", Integer.toString(4 * EJECTION_MS)));
        redis.ifPresent(url -> gatewayCommand.addAll(List.of("--store", url)));
        Child gateway = start("gateway", gatewayCommand, this::gatewayLog);
        URI gw = URI.create(gateway.awaitLine("gateway listening on ", 30).substring("gateway listening on ".length()));
        say("gateway listening on " + gw);
        for (int i = 1; i <= REPLICAS; i++) startReplica("r" + i, gw, 0);
        awaitRegistered(gw, REPLICAS);

        trafficStart = System.nanoTime();
        say("traffic starts: GET " + gw + "/" + SERVICE + "/hello, " + PER_SECOND + " a second");
        Map<String, Long> failures = new HashMap<>();
        List<String> order = List.of("r1", "r2", "r3");
        try (Traffic traffic = new Traffic(gw.resolve("/" + SERVICE + "/hello"), PER_SECOND, trafficStart,
                error -> say("CLIENT-VISIBLE ERROR " + error))) {
            int printed = 0;
            boolean killed = false, restarted = false, faulted = false, healed = false;
            while (seconds() < END_AT) {
                // answers are tallied by the second they arrive in, so a second is complete once it is over
                while (printed + 1 <= seconds()) share(printed, traffic.second(printed++), order);
                watchFailures(gw, failures);
                if (!killed && seconds() >= KILL_AT) {
                    killed = true;
                    Child r2 = replicas.get("r2");
                    say("KILL r2 (SIGKILL to pid " + r2.process.pid() + "): no deregistration, its port refuses connections");
                    marker("kill", "r2 killed");
                    r2.kill();
                }
                if (!restarted && seconds() >= RESTART_AT) {
                    restarted = true;
                    int port = URI.create(addressOf("r2")).getPort();
                    say("RESTART r2 on port " + port + ": its registration is held until the gateway's probe passes");
                    startReplica("r2", gw, port);
                }
                if (!faulted && seconds() >= FAULT_AT) {
                    faulted = true;
                    say("FAULT r3 answers 503 from now (POST /fault {\"mode\":\"503\"})");
                    marker("fault", "r3 answers 503");
                    setFault("r3", "{\"mode\":\"503\"}");
                }
                if (!healed && seconds() >= FAULT_OFF_AT) {
                    healed = true;
                    say("HEAL r3 answers normally again (POST /fault {\"mode\":\"none\"}); the gateway's next probe lets it back");
                    marker("heal", "r3 healthy");
                    setFault("r3", "{\"mode\":\"none\"}");
                }
                LockSupport.parkNanos(Duration.ofMillis(25).toNanos()); // the poll interval of GET /services
            }
            traffic.stop();
            while (printed < (int) END_AT) share(printed, traffic.second(printed++), order);
            return finish(traffic, order);
        }
    }

    private int finish(Traffic traffic, List<String> order) throws IOException {
        List<Traffic.Second> seconds = traffic.seconds().subList(0, (int) END_AT);
        int errors = traffic.seconds().stream().mapToInt(Traffic.Second::errors).sum();
        long ok = traffic.seconds().stream().mapToLong(s -> s.total() - s.errors()).sum();
        Path svg = outDir.resolve("failover.svg");
        FailoverChart.write(svg, "Failover through the gateway: " + PER_SECOND + " GET/s over " + REPLICAS + " replicas",
                order, seconds, markers);
        out.printf("%nsummary: %d GETs sent, %d answered 200, client-visible errors: %d; evictions: %s%n",
                traffic.sent(), ok, errors, evictions.isEmpty() ? "none" : String.join(", ", evictions));
        out.println("picture: " + svg);
        if (errors > 0) out.println("FAILED: a client saw an error; a GET should always have been retried on another replica");
        if (!evictions.contains("r2")) out.println("FAILED: the killed replica r2 was never evicted");
        if (!killedAndBack) out.println("FAILED: r2 did not come back after its restart");
        return errors == 0 && evictions.contains("r2") && killedAndBack ? 0 : 1;
    }

    /** One line per second: each replica's answers and share, and the errors. */
    private void share(int second, Traffic.Second s, List<String> order) {
        StringBuilder line = new StringBuilder(String.format("%8s  ", second + "-" + (second + 1) + "s"));
        int total = Math.max(1, s.total());
        for (String r : order) {
            int n = s.byReplica().getOrDefault(r, 0);
            line.append(String.format("%s %-12s", r, n + " (" + Math.round(100.0 * n / total) + "%)"));
        }
        out.println(line.append("errors ").append(s.errors()));
    }

    /** Failure counts as GET /services shows them; an address that changed count is announced. */
    private void watchFailures(URI gw, Map<String, Long> seen) {
        try {
            JsonNode services = SampleService.JSON.readTree(get(gw.resolve("/services"))).path("services");
            Map<String, Long> now = new HashMap<>();
            for (JsonNode service : services) {
                for (JsonNode r : service.path("replicas")) now.put(r.path("address").asText(), r.path("failures").asLong());
            }
            now.forEach((address, count) -> {
                Long before = seen.get(address);
                if (count > 0 && !count.equals(before)) say("gateway counts " + count + " consecutive failure" + (count > 1 ? "s" : "") + " of " + name(address));
            });
            seen.clear();
            seen.putAll(now);
        } catch (IOException e) {
            // the next poll will tell
        }
    }

    private void gatewayLog(String line) {
        Matcher probe = PROBE.matcher(line);
        if (probe.matches()) {
            String who = name(probe.group(1));
            if (probe.group(2).equals("failed")) {
                say("probe of " + who + " failed" + probe.group(3));
                return;
            }
            say("PROBE passed: " + who + " is back" + probe.group(3));
            back(who);
            return;
        }
        Matcher m = EVICTED.matcher(line.substring(Math.max(0, line.indexOf("evicted "))));
        if (line.contains("WARNING") && m.matches()) {
            String who = name(m.group(1));
            evictions.add(who);
            say("EVICTED " + who + " (gateway: " + line.substring(line.indexOf("evicted ")) + ")");
            marker("evict", who + " evicted");
        }
    }

    private void replicaLog(String replica, String line) {
        Matcher m = REGISTERED.matcher(line);
        if (m.matches()) {
            if (m.group(2).equals("202")) {
                say(replica + " registered " + m.group(1) + " (202): held, it is ejected; only a passing probe lets it back");
                return;
            }
            say(replica + " registered " + m.group(1) + " (" + m.group(2) + ")");
            if (m.group(2).equals("201") && trafficStart >= 0) back(replica); // a new registration after a deregistration
        } else if (line.contains("deregistered") || line.contains("failed")) {
            say(replica + ": " + line.substring(line.indexOf(' ') + 1));
        }
    }

    /** {@code who} routes again: r2 after its kill and restart, r3 after its fault. */
    private void back(String who) {
        if (who.equals("r2") && seconds() >= RESTART_AT && !killedAndBack) {
            killedAndBack = true;
            marker("return", "r2 back");
        }
        if (who.equals("r3") && seconds() >= FAULT_OFF_AT && !healedAndBack) {
            healedAndBack = true;
            marker("return", "r3 back");
        }
    }

    private void startReplica(String name, URI gw, int port) throws IOException, InterruptedException {
        Child child = start(name, List.of(java, "-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-cp", sampleJar.toString(), "sample.Main", "--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--gateway", gw.toString(), "--service", SERVICE, "--replica", name, "--heartbeat-ms", Integer.toString(HEARTBEAT_MS)),
                line -> replicaLog(name, line));
        String line = child.awaitLine("sample listening on ", 30);
        String address = line.substring("sample listening on ".length(), line.indexOf(" as "));
        nameOf.put(address, name);
        replicas.put(name, child);
        say(name + " listening on " + address);
    }

    private Child start(String name, List<String> command, Consumer<String> onStderr) throws IOException {
        Child child = Child.start(name, command, outDir.resolve("logs").resolve(name + ".log"), onStderr);
        children.add(child);
        return child;
    }

    private void awaitRegistered(URI gw, int count) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode services = SampleService.JSON.readTree(get(gw.resolve("/services"))).path("services");
            for (JsonNode s : services) if (s.path("name").asText().equals(SERVICE) && s.path("replicas").size() == count) return;
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // polling the gateway
        }
        throw new IllegalStateException(count + " replicas did not register within 30 s");
    }

    private void setFault(String replica, String json) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(addressOf(replica) + "/fault"))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) throw new IllegalStateException("POST /fault: " + response.statusCode() + " " + response.body());
    }

    private String get(URI uri) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private String addressOf(String replica) {
        return nameOf.entrySet().stream().filter(e -> e.getValue().equals(replica)).map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    private String name(String address) {
        return nameOf.getOrDefault(address, address);
    }

    private double seconds() {
        return (System.nanoTime() - (trafficStart < 0 ? started : trafficStart)) / 1e9;
    }

    private void marker(String kind, String label) {
        markers.add(new FailoverChart.Marker(seconds(), kind, label));
    }

    private synchronized void say(String what) {
        out.println((trafficStart < 0 ? "  setup " : String.format("%6.2fs ", seconds())) + " " + what);
    }

    /** A redis-server of our own on a free port, without persistence, when one is on the PATH. */
    private Optional<String> startRedis() throws IOException, InterruptedException {
        boolean installed = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            installed |= !dir.isEmpty() && Files.isExecutable(Path.of(dir, "redis-server"));
        }
        if (!installed) return Optional.empty();
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        start("redis", List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no"), line -> { });
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (pong(port)) return Optional.of("redis://127.0.0.1:" + port);
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // polling for PONG
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within 10 s");
    }

    private static boolean pong(int port) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            return new String(in.readNBytes(7), StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops what it started, replicas first (they deregister), the store last. */
    @Override
    public void close() {
        List<Child> reversed = new ArrayList<>(children);
        Collections.reverse(reversed);
        for (Child child : reversed) {
            if (child.name.startsWith("r")) child.close();
        }
        for (Child child : reversed) child.close();
        http.close();
        out.printf("stopped everything the demo started, %.1f s after it began%n", (System.nanoTime() - started) / 1e9);
    }
}

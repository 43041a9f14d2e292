package sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Flags and environment, and the command line run as a real subprocess. */
class CliTest {

    @Test
    void defaults() {
        Config c = Config.parse(List.of(), Map.of());
        assertEquals("sample", c.service());
        assertEquals(8080, c.port());
        assertEquals("0.0.0.0", c.bind().getHostAddress());
        assertEquals(Optional.of(java.net.URI.create("http://127.0.0.1:7171")), c.gateway());
        assertEquals(java.net.URI.create("http://127.0.0.1:8080"), c.address(8080));
        assertEquals(Duration.ofSeconds(10), c.heartbeat());
        assertEquals(Optional.empty(), c.adminToken());
        assertEquals(Fault.Mode.NONE, c.fault().mode());
    }

    @Test
    void everyFlagHasItsVariableAndTheFlagWins() {
        Map<String, String> env = new java.util.HashMap<>(Map.of("SAMPLE_SERVICE", "orders", "SAMPLE_PORT", "9001",
                "SAMPLE_GATEWAY", "http://gw:7171", "SAMPLE_ADDRESS", "http://replica-1:9001", "SAMPLE_REPLICA", "one",
                "SAMPLE_HEARTBEAT_MS", "500", "SAMPLE_ADMIN_TOKEN", "t", "SAMPLE_FAULT", "hang", "SAMPLE_HANG_MS", "20",
                "SAMPLE_FAULT_FRACTION", "0.25"));
        env.put("SAMPLE_BIND", "127.0.0.1");
        Config c = Config.parse(List.of("--port", "9002"), env);
        assertEquals("127.0.0.1", c.bind().getHostAddress());
        assertEquals(9002, c.port());
        assertEquals("orders", c.service());
        assertEquals("http://gw:7171", c.gateway().orElseThrow().toString());
        assertEquals("http://replica-1:9001", c.address(9002).toString());
        assertEquals(Optional.of("one"), c.replica());
        assertEquals(Duration.ofMillis(500), c.heartbeat());
        assertEquals(Optional.of("t"), c.adminToken());
        assertEquals(new Fault(Fault.Mode.HANG, Duration.ofMillis(20), 0.25), c.fault());
        assertEquals(env.keySet().stream().sorted().toList(), Config.FLAGS.stream().map(Config.Flag::env).sorted().toList());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            --port abc                 | --port: 'abc' is not a whole number
            --port 70000               | --port: 70000 is not in 0-65535
            --heartbeat-ms 0           | --heartbeat-ms: must be at least 1
            --gateway ftp://x          | --gateway: 'ftp://x' is not an http(s)://host[:port] URL
            --address replica-1:8080   | --address: 'replica-1:8080' is not an http(s)://host[:port] URL
            --fault slow               | --fault: 'slow' is not none, 503, hang or close
            --fault-fraction 1.5       | --fault-fraction: '1.5' is not a number from 0 to 1
            --hang-ms -1               | --hang-ms: -1 must be 0 or more
            --service a/b              | --service: 'a/b' must be 1-64 of A-Z a-z 0-9 . _ -
            --nope                     | unknown option '--nope' (see --help)
            --gateway                  | --gateway: missing value
            """)
    void badValuesAreRejectedWithOneLineNamingTheFlag(String args, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> Config.parse(List.of(args.split(" ")), Map.of()));
        assertEquals(message, e.getMessage());
    }

    @Test
    void helpListsEveryFlagAndExitsZero() throws Exception {
        Run run = launch("--help");
        assertEquals(0, run.status);
        assertTrue(run.stdout.startsWith("usage: java -jar sample-service.jar"), run.stdout);
        for (Config.Flag f : Config.FLAGS) assertTrue(run.stdout.contains(f.name()) && run.stdout.contains(f.env()), f.name());
    }

    @Test
    void aBadValueExitsTwoWithOneLineOnStderr() throws Exception {
        Run run = launch("--port", "abc");
        assertEquals(2, run.status);
        assertEquals("error: --port: 'abc' is not a whole number\n", run.stderr);
        assertEquals("", run.stdout);
    }

    @Test
    void sigtermDeregisters() throws Exception {
        try (FakeGateway gw = FakeGateway.answering(200, 201)) {
            Process p = command("--bind", "127.0.0.1", "--port", "0", "--gateway", gw.uri().toString()).start();
            try {
                Await.until(RegistrarTest.LIMIT, "registered", () -> !gw.calls("POST").isEmpty());
                p.destroy(); // SIGTERM
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
                assertEquals(143, p.exitValue());
                assertEquals(1, gw.calls("DELETE").size(), gw.calls.toString());
                assertEquals(gw.calls("POST").get(0).body(), gw.calls("DELETE").get(0).body());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    record Run(int status, String stdout, String stderr) {}

    private static ProcessBuilder command(String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "sample.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("SAMPLE_"));
        return builder;
    }

    private static Run launch(String... args) throws IOException, InterruptedException {
        Path err = Files.createTempFile("sample-stderr", ".log");
        try {
            Process p = command(args).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            return new Run(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}

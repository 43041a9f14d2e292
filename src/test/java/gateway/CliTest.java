package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line, run as a real subprocess: exit codes, the one stdout line, one-line errors. */
class CliTest {

    @Test
    void helpPrintsUsageAndExitsZero() throws Exception {
        try (Launched gw = Launched.start(null, Map.of(), "--help")) {
            String out = gw.stdoutRest();
            assertEquals(0, gw.awaitExit());
            assertTrue(out.startsWith("usage: java -jar gateway.jar"), out);
            for (Config.Flag f : Config.FLAGS) assertTrue(out.contains(f.name()), f.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            --port abc                 | error: --port: 'abc' is not a whole number
            --failure-threshold 0      | error: --failure-threshold: 0 must be at least 1
            --nope                     | error: unknown option '--nope' (see --help)
            --store                    | error: --store: missing value
            --executor green           | error: --executor: 'green' is not virtual or platform
            --bind 999.1.1.1           | error: --bind: '999.1.1.1' is not an IP address or a known host name
            --trusted-proxies 10.0.0.0/40 | error: --trusted-proxies: '10.0.0.0/40': prefix /40 is not in 0-32
            """)
    void badFlagsExitTwoWithOneLineOnStderr(String args, String line) throws Exception {
        try (Launched gw = Launched.start(null, Map.of(), args.split(" "))) {
            assertEquals(2, gw.awaitExit());
            assertEquals("", gw.stdoutRest());
            assertEquals(line + System.lineSeparator(), gw.stderrText());
        }
    }

    @Test
    void badEnvironmentValueExitsTwo() throws Exception {
        try (Launched gw = Launched.start(null, Map.of("GATEWAY_REQUEST_TIMEOUT_MS", "soon"))) {
            assertEquals(2, gw.awaitExit());
            assertEquals("error: --request-timeout-ms: 'soon' is not a whole number" + System.lineSeparator(), gw.stderrText());
        }
    }

    @Test
    void printsExactlyOneListeningLineThenServesUntilStopped() throws Exception {
        try (Launched gw = Launched.start(null, Map.of("GATEWAY_BIND", "127.0.0.1"), "--port", "0")) {
            var uri = gw.awaitListening();
            assertEquals("127.0.0.1", uri.getHost());
            assertTrue(uri.getPort() > 0);
            assertEquals(200, new Client(uri).get("/health").statusCode());
            gw.process.toHandle().destroy(); // SIGTERM, leaving our pipes open (Process.destroy closes them)
            assertEquals(143, gw.awaitExit(), "128 + SIGTERM");
            assertEquals("", gw.stdoutRest(), "nothing after the listening line");
        }
    }

    @Test
    void sigtermLetsARequestInFlightFinish() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Backend slow = Backend.start(exchange -> {
                 arrived.countDown();
                 try {
                     release.await(20, TimeUnit.SECONDS);
                 } catch (InterruptedException e) {
                     Thread.currentThread().interrupt();
                 }
                 Backend.reply(exchange, 200, "finished");
             });
             Launched gw = Launched.start(null, Map.of(), "--bind", "127.0.0.1", "--port", "0")) {
            URI uri = gw.awaitListening();
            Client client = new Client(uri);
            client.register("svc", slow.address());
            var inFlight = client.http.sendAsync(HttpRequest.newBuilder(uri.resolve("/svc/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(arrived.await(10, TimeUnit.SECONDS));
            gw.process.toHandle().destroy(); // SIGTERM
            Await.until(Duration.ofSeconds(10), "the gateway stops accepting", () -> refuses(uri));
            release.countDown();
            var response = inFlight.get(10, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertEquals("finished", response.body());
            assertEquals(143, gw.awaitExit());
        }
    }

    private static boolean refuses(URI uri) {
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void aPortInUseExitsOneWithOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Launched gw = Launched.start(null, Map.of(), "--bind", "127.0.0.1", "--port", String.valueOf(taken.getLocalPort()))) {
            assertEquals(1, gw.awaitExit());
            List<String> lines = gw.stderrText().lines().filter(l -> l.startsWith("error:")).toList();
            assertEquals(1, lines.size(), gw.stderrText());
            assertTrue(lines.get(0).contains("Address already in use"), lines.get(0));
        }
    }
}

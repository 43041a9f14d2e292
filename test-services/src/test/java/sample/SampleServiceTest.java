package sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The replica's endpoints and every fault mode, over real sockets. */
class SampleServiceTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private SampleService service;
    private URI base;

    @BeforeEach
    void start() throws IOException {
        start("--replica", "r1");
    }

    private void start(String... args) throws IOException {
        if (service != null) service.close();
        List<String> all = new java.util.ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--gateway", "none"));
        all.addAll(List.of(args));
        service = SampleService.start(Config.parse(all, Map.of()));
        base = URI.create("http://127.0.0.1:" + service.port());
    }

    @AfterEach
    void stop() {
        service.close();
        http.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return SampleService.JSON.readTree(response.body());
    }

    @Test
    void helloNamesTheReplicaAndItsService() throws Exception {
        HttpResponse<String> response = get("/hello");
        assertEquals(200, response.statusCode());
        assertEquals("r1", json(response).get("replica").asText());
        assertEquals("sample", json(response).get("service").asText());
    }

    @Test
    void echoReturnsMethodPathQueryHeadersAndBody() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/echo/a%2Fb?x=1&y"))
                .header("X-Trace", "t-1").PUT(HttpRequest.BodyPublishers.ofString("héllo")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode echo = json(response);
        assertEquals(200, response.statusCode());
        assertEquals("PUT", echo.get("method").asText());
        assertEquals("/echo/a%2Fb", echo.get("path").asText());
        assertEquals("x=1&y", echo.get("query").asText());
        assertEquals("t-1", echo.get("headers").get("x-trace").get(0).asText());
        assertEquals("héllo", echo.get("body").asText());
        assertEquals("r1", echo.get("replica").asText());
    }

    @Test
    void healthIsUpAndUnknownPathsAre404() throws Exception {
        assertEquals("UP", json(get("/health")).get("status").asText());
        HttpResponse<String> missing = get("/nope");
        assertEquals(404, missing.statusCode());
        assertTrue(json(missing).get("error").asText().contains("/nope"));
    }

    @Test
    void fault503AnswersEveryRequestButFaultItselfUntilSwitchedOff() throws Exception {
        assertEquals(200, post("/fault", "{\"mode\":\"503\"}").statusCode());
        HttpResponse<String> sick = get("/hello");
        assertEquals(503, sick.statusCode());
        assertEquals("r1", json(sick).get("replica").asText());
        assertEquals(503, get("/health").statusCode(), "the gateway's probe sees the fault too");
        JsonNode state = json(get("/fault"));
        assertEquals("503", state.get("mode").asText());
        assertEquals(2, state.get("faulted").asLong());
        assertEquals(200, post("/fault", "{\"mode\":\"none\"}").statusCode());
        assertEquals(200, get("/hello").statusCode());
    }

    @Test
    void hangHoldsTheRequestForHangMs() throws Exception {
        post("/fault", "{\"mode\":\"hang\",\"hangMs\":60000}");
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/hello")).timeout(Duration.ofMillis(300)).build();
        assertThrows(HttpTimeoutException.class, () -> http.send(request, HttpResponse.BodyHandlers.ofString()));
        post("/fault", "{\"mode\":\"hang\",\"hangMs\":0}");
        assertEquals(200, get("/hello").statusCode(), "a hang of 0 ms answers as usual");
    }

    @Test
    void closeDropsTheConnectionWithoutAByteOfAnswer() throws Exception {
        post("/fault", "{\"mode\":\"close\"}");
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertEquals(-1, in.read(), "nothing but the end of the stream");
        }
    }

    @Test
    void aFractionFailsSomeRequestsAndServesTheRest() throws Exception {
        post("/fault", "{\"mode\":\"503\",\"fraction\":0.5}");
        int failed = 0;
        for (int i = 0; i < 200; i++) if (get("/hello").statusCode() == 503) failed++;
        assertTrue(failed > 0 && failed < 200, "both answers in 200 requests at 0.5 (all one way: 2^-199): " + failed);
        post("/fault", "{\"fraction\":0}");
        for (int i = 0; i < 20; i++) assertEquals(200, get("/hello").statusCode());
    }

    @Test
    void aFaultCanBeSetAtStart() throws Exception {
        start("--fault", "503");
        assertEquals(503, get("/hello").statusCode());
        assertEquals(200, get("/fault").statusCode());
    }

    @Test
    void aBadFaultIs400AndChangesNothing() throws Exception {
        for (String bad : List.of("{\"mode\":\"slow\"}", "{\"fraction\":2}", "{\"hangMs\":-1}", "{\"hangMs\":\"9\"}",
                "{\"moed\":\"503\"}", "not json", "[]")) {
            HttpResponse<String> response = post("/fault", bad);
            assertEquals(400, response.statusCode(), bad);
            assertTrue(json(response).has("error"), response.body());
        }
        assertEquals("none", json(get("/fault")).get("mode").asText());
    }

    @Test
    void otherMethodsOnFaultAre405WithAllow() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/fault")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, response.statusCode());
        assertEquals("GET, POST", response.headers().firstValue("Allow").orElse(""));
    }
}

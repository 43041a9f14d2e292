package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway's own endpoints over a real socket: every status of the contract. */
@Tag("contract") // run on every stack (benchmarks/variants)
class ApiIntegrationTest {

    /** The upstream client this test's gateways use; a *SocketsTest subclass runs the same tests on the other. */
    String upstream() {
        return "httpclient";
    }

    Gateway gateway;
    Client client;

    @BeforeEach
    void start() throws Exception {
        gateway = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--upstream", upstream()), Map.of()));
        client = new Client(gateway.uri());
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        return Client.JSON.readTree(response.body());
    }

    @Test
    void registerIsCreatedOnceThenOkAndNeverDuplicated() throws Exception {
        var first = client.register("client-service", "LOCALHOST:8081/");
        assertEquals(201, first.statusCode());
        assertEquals("{\"service\":\"client-service\",\"address\":\"http://localhost:8081\",\"replicas\":1}", first.body());
        var again = client.register("client-service", "http://localhost:8081");
        assertEquals(200, again.statusCode());
        assertEquals(1, json(again).get("replicas").asInt());
        assertEquals(201, client.register("client-service", "localhost:8082").statusCode());
        assertEquals("{\"services\":[{\"name\":\"client-service\",\"replicas\":["
                + "{\"address\":\"http://localhost:8081\",\"failures\":0,\"state\":\"active\",\"ejections\":0},{\"address\":\"http://localhost:8082\",\"failures\":0,\"state\":\"active\",\"ejections\":0}],\"ejected\":[]}],\"store\":\"UP\"}",
                client.get("/services").body());
    }

    @Test
    void deregisterRemovesOrSaysItWasNotThere() throws Exception {
        client.register("s", "h:1");
        var removed = client.deregister("s", "HTTP://H:1");
        assertEquals(200, removed.statusCode());
        assertEquals(0, json(removed).get("replicas").asInt());
        var missing = client.deregister("s", "h:1");
        assertEquals(404, missing.statusCode());
        assertEquals("replica http://h:1 of service 's' is not registered", json(missing).get("error").asText());
        assertEquals("{\"services\":[],\"store\":\"UP\"}", client.get("/services").body());
    }

    @Test
    void aRegistrationWithTrailingGarbageOrADuplicateKeyIs400AndStoresNothing() throws Exception {
        Map<String, String> cases = Map.of(
                "{\"service\":\"a\",\"address\":\"http://x\"} garbage", "Unrecognized token 'garbage'",
                "{\"service\":\"a\",\"address\":\"http://x\"}{}", "Trailing token",
                "{\"service\":\"a\",\"address\":\"http://x\"} 1", "Trailing token",
                "{\"service\":\"a\",\"address\":\"http://x\",\"service\":\"b\"}", "Duplicate field 'service'",
                "{\"service\":\"a\",\"address\":\"http://x\",\"address\":\"http://y\"}", "Duplicate field 'address'");
        for (var c : cases.entrySet()) {
            var response = client.send("POST", "/register", c.getKey());
            assertEquals(400, response.statusCode(), c.getKey() + " -> " + response.body());
            assertTrue(json(response).get("error").asText().contains(c.getValue()), response.body());
        }
        assertEquals(201, client.send("POST", "/register", "{\"service\":\"a\",\"address\":\"http://x\"}\r\n \t").statusCode(),
                "trailing white space is not garbage");
        assertEquals("{\"services\":[{\"name\":\"a\",\"replicas\":[{\"address\":\"http://x\",\"failures\":0,\"state\":\"active\","
                + "\"ejections\":0}],\"ejected\":[]}],\"store\":\"UP\"}", client.get("/services").body(), "only the clean registration was stored");
    }

    @Test
    void badRegistrationsAre400WithTheReason() throws Exception {
        Map<String, String> cases = Map.of(
                "{\"service\":\"s\"", "body is not valid JSON",
                "", "body is empty",
                "{\"service\":\"s\"}", "missing field 'address'",
                "{\"service\":\"bad name\",\"address\":\"h:1\"}", "must be 1-64 of",
                "{\"service\":\"health\",\"address\":\"h:1\"}", "reserved name",
                "{\"service\":\"s\",\"address\":\"gopher://h\"}", "must be http:// or https://",
                "{\"service\":1,\"address\":\"h:1\"}", "must be a string");
        for (var c : cases.entrySet()) {
            var response = client.send("POST", "/register", c.getKey());
            assertEquals(400, response.statusCode(), c.getKey());
            assertTrue(json(response).get("error").asText().contains(c.getValue()), response.body());
        }
        assertEquals("{\"services\":[],\"store\":\"UP\"}", client.get("/services").body(), "nothing was stored");
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        String big = "{\"service\":\"s\",\"address\":\"h:1\",\"pad\":\"" + "x".repeat(Api.MAX_BODY) + "\"}";
        var response = client.send("POST", "/register", big);
        assertEquals(413, response.statusCode());
        assertTrue(json(response).get("error").asText().contains("larger than 65536"));
    }

    @Test
    void wrongMethodIs405WithAllow() throws Exception {
        var put = client.send("PUT", "/register", "{}");
        assertEquals(405, put.statusCode());
        assertEquals("POST, DELETE", put.headers().firstValue("Allow").orElseThrow());
        var post = client.send("POST", "/services", "{}");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
        assertEquals(405, client.send("DELETE", "/health", null).statusCode());
    }

    @Test
    void theAllowOfA405IsAHeaderNotABodyField() throws Exception {
        var put = client.send("PUT", "/register", "{}");
        assertEquals(405, put.statusCode());
        assertEquals("POST, DELETE", put.headers().firstValue("Allow").orElseThrow());
        JsonNode body = json(put);
        assertEquals(List.of("error"), body.properties().stream().map(Map.Entry::getKey).toList(), put.body());
        assertEquals("PUT is not allowed on /register (allowed: POST, DELETE)", body.get("error").asText());
    }

    @Test
    void unknownPathsAre404AndUnknownServicesAre503() throws Exception {
        for (String path : List.of("/", "/health/deep", "/register/x", "/metrics/x", "/bad%20name/x")) {
            var response = client.get(path);
            assertEquals(404, response.statusCode(), path);
            assertTrue(json(response).get("error").asText().startsWith("no route for"), response.body());
        }
        var none = client.get("/nobody/x");
        assertEquals(503, none.statusCode());
        assertEquals("no replica registered for service 'nobody'", json(none).get("error").asText());
    }

    @Test
    void healthIsUpAndHeadHasTheLengthButNoBody() throws Exception {
        var get = client.get("/health");
        assertEquals(200, get.statusCode());
        assertEquals("{\"status\":\"UP\",\"store\":\"UP\"}", get.body());
        var head = client.send("HEAD", "/health", null);
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals(String.valueOf(get.body().length()), head.headers().firstValue("Content-Length").orElseThrow());
    }

    @Test
    void errorsNeverCarryAStackTrace() throws Exception {
        var response = client.send("POST", "/register", "{\"service\":\"s\",\"address\":\"http://[::1\"}");
        assertEquals(400, response.statusCode());
        assertFalse(response.body().contains("Exception") || response.body().contains("\tat "), response.body());
    }
}

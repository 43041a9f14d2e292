package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Who may change the registry: with {@code --admin-token}, {@code POST}/{@code DELETE /register}
 * need {@code Authorization: Bearer TOKEN}; proxied routes and {@code /health} never do; reads only
 * with {@code --protect-reads}. Raw sockets, so the headers sent are exactly those written here.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class AdminAccessTest extends GatewayTest {

    static final String TOKEN = "s3cret-Token_0123456789";
    static final String BODY = "{\"service\":\"users\",\"address\":\"10.0.0.1:8080\"}";

    private String post(String path, String... headers) throws Exception {
        return request("POST", path, BODY, headers);
    }

    private String request(String method, String path, String body, String... headers) throws Exception {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: gw\r\nConnection: close");
        for (String h : headers) head.append("\r\n").append(h);
        if (body == null) return RawHttp.exchange(gateway.uri(), head.toString());
        head.append("\r\nContent-Length: ").append(body.length());
        return RawHttp.exchange(gateway.uri(), head.toString(), body);
    }

    private static void assert401(String response) {
        assertTrue(response.startsWith("HTTP/1.1 401 "), response);
        // a field name's case is not significant (RFC 9110 §5.1): HttpServer writes Www-authenticate, Helidon WWW-Authenticate
        assertTrue(response.matches("(?s).*\r\n(?i:www-authenticate): Bearer( realm=\"gateway\")?\r\n.*"), response);
        assertTrue(response.contains("{\"error\":"), "a JSON reason: " + response);
        assertFalse(response.contains(TOKEN), "the token is never echoed: " + response);
    }

    @Test
    void aRegistrationWithoutTheAdminTokenIs401AndStoresNothing() throws Exception {
        startGateway("--admin-token", TOKEN);

        assert401(post("/register"));
        assert401(post("/register", "Authorization: Bearer wrong-token-of-another-length"));
        assert401(post("/register", "Authorization: Bearer " + TOKEN.substring(0, TOKEN.length() - 1) + "X"));
        assert401(post("/register", "Authorization: Bearer " + TOKEN + "X"));
        assert401(post("/register", "Authorization: Basic " + TOKEN));
        assert401(post("/register", "Authorization: Bearer"));
        assert401(post("/register", "Authorization: " + TOKEN));
        assert401(request("DELETE", "/register", BODY));

        assertEquals("{\"services\":[],\"store\":\"UP\"}", client.get("/services").body(), "nothing was stored");
    }

    @Test
    void theRightTokenRegistersAndDeregistersWhateverTheSchemesCase() throws Exception {
        startGateway("--admin-token", TOKEN);

        assertTrue(post("/register", "Authorization: Bearer " + TOKEN).startsWith("HTTP/1.1 201 "));
        assertTrue(post("/register", "Authorization: bearer " + TOKEN).startsWith("HTTP/1.1 200 "), "the scheme is case-insensitive");
        assertTrue(request("DELETE", "/register", BODY, "Authorization: BEARER " + TOKEN).startsWith("HTTP/1.1 200 "));
    }

    @Test
    void aRogueReplicaCannotJoinWithoutTheTokenButHealthAndProxiedRoutesNeedNone() throws Exception {
        Backend replica = closeLater(Backend.named("real"));
        startGateway("--admin-token", TOKEN);
        assertTrue(post("/register", "Authorization: Bearer " + TOKEN).startsWith("HTTP/1.1 201 ")); // a fake address first
        request("DELETE", "/register", BODY, "Authorization: Bearer " + TOKEN);
        String body = "{\"service\":\"users\",\"address\":\"" + replica.address() + "\"}";
        assertTrue(request("POST", "/register", body, "Authorization: Bearer " + TOKEN).startsWith("HTTP/1.1 201 "));

        assertTrue(request("GET", "/health", null).startsWith("HTTP/1.1 200 "));
        HttpResponse<String> proxied = client.get("/users/x");
        assertEquals(200, proxied.statusCode(), proxied.body());
        assertTrue(request("GET", "/services", null).startsWith("HTTP/1.1 200 "), "reads are open by default");
    }

    @Test
    void protectReadsGuardsServicesAndMetricsButNotHealth() throws Exception {
        startGateway("--admin-token", TOKEN, "--protect-reads");

        for (String read : List.of("/services", "/metrics")) {
            assert401(request("GET", read, null));
            assert401(request("GET", read, null, "Authorization: Bearer nope"));
            assertTrue(request("GET", read, null, "Authorization: Bearer " + TOKEN).startsWith("HTTP/1.1 200 "), read);
        }
        assertTrue(request("GET", "/health", null).startsWith("HTTP/1.1 200 "));
    }

    @Test
    void withoutProtectReadsMetricsAndServicesAreOpenEvenWithAToken() throws Exception {
        startGateway("--admin-token", TOKEN);

        assertTrue(request("GET", "/metrics", null).startsWith("HTTP/1.1 200 "));
        assertTrue(request("GET", "/services", null).startsWith("HTTP/1.1 200 "));
    }

    @Test
    void a401IsAnsweredBeforeTheBodyIsRead() throws Exception {
        startGateway("--admin-token", TOKEN);
        // Declares a body and never sends it: a gateway that read the body first would wait for it.
        String response = RawHttp.exchange(gateway.uri(), "POST /register HTTP/1.1\r\nHost: gw\r\nContent-Length: 50000");
        assert401(response);
    }

    @Test
    void withoutATokenTheGatewayWarnsOnceThatAnyoneCanRegister() throws Exception {
        try (LogCapture log = LogCapture.of(Gateway.class)) {
            startGateway();
            List<String> warnings = log.messages(Level.WARNING, "anyone who can reach");
            assertEquals(1, warnings.size(), warnings.toString());
        }
        try (LogCapture log = LogCapture.of(Gateway.class)) {
            startGateway("--admin-token", TOKEN);
            assertEquals(List.of(), log.messages(Level.WARNING, "anyone who can reach"));
            assertTrue(log.messages(Level.INFO, "").stream().noneMatch(m -> m.contains(TOKEN)), "the token is never logged");
        }
    }
}

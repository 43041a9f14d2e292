package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code --max-services} and {@code --max-replicas-per-service} over HTTP: 409 with the limit named, heartbeats still welcome. */
@Tag("contract") // run on every stack (benchmarks/variants)
class RegistryLimitsTest extends GatewayTest {

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return Client.JSON.readTree(response.body());
    }

    @Test
    void aServiceBeyondMaxServicesIs409NamingTheLimit() throws Exception {
        startGateway("--max-services", "2");
        assertEquals(201, client.register("a", "h:1").statusCode());
        assertEquals(201, client.register("b", "h:1").statusCode());

        HttpResponse<String> third = client.register("c", "h:1");

        assertEquals(409, third.statusCode(), third.body());
        assertEquals("max-services", json(third).get("limit").asText(), third.body());
        assertEquals(2, json(third).get("max").asInt(), third.body());
        assertTrue(json(third).get("error").asText().contains("--max-services"), third.body());
        assertEquals(200, client.register("a", "h:1").statusCode(), "a heartbeat at the limit still succeeds");
        assertEquals(201, client.register("a", "h:2").statusCode(), "a known service may still grow");
        assertEquals(200, client.deregister("b", "h:1").statusCode());
        assertEquals(201, client.register("c", "h:1").statusCode(), "the DELETE freed room");
    }

    @Test
    void aReplicaBeyondMaxReplicasPerServiceIs409NamingTheLimit() throws Exception {
        startGateway("--max-replicas-per-service", "2");
        assertEquals(201, client.register("a", "h:1").statusCode());
        assertEquals(201, client.register("a", "h:2").statusCode());

        HttpResponse<String> third = client.register("a", "h:3");

        assertEquals(409, third.statusCode(), third.body());
        assertEquals("max-replicas-per-service", json(third).get("limit").asText(), third.body());
        assertEquals(2, json(third).get("max").asInt(), third.body());
        assertEquals(200, client.register("a", "h:2").statusCode(), "a heartbeat at the limit still succeeds");
        assertEquals(201, client.register("b", "h:3").statusCode(), "the limit is per service");
        assertEquals(200, client.deregister("a", "h:1").statusCode());
        assertEquals(201, client.register("a", "h:3").statusCode(), "the DELETE freed room");
    }
}

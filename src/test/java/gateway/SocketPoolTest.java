package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sockets upstream's pool against replicas that close idle connections: a connection the
 * replica has closed is never used, and one it is closing costs only an idempotent request a resend.
 */
class SocketPoolTest {

    static Gateway gateway() throws Exception {
        return Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--upstream", "sockets"), Map.of()));
    }

    @Test
    void aPostOnAPooledConnectionTheReplicaHasClosedGoesOnAFreshOne() throws Exception {
        try (IdleClosingReplica replica = new IdleClosingReplica(Duration.ofMillis(100), Duration.ZERO);
             Gateway gateway = gateway()) {
            Client client = new Client(gateway.uri());
            client.register("svc", replica.address());
            assertEquals(200, client.send("POST", "/svc/1", "order-1").statusCode());
            // the replica closes the idle connection; the pool would keep it up to 1 s
            Await.until(Duration.ofSeconds(5), "the replica closed the idle connection", () -> replica.closed.get() == 1);
            assertEquals(200, client.send("POST", "/svc/2", "order-2").statusCode());
            assertEquals(List.of("order-1", "order-2"), replica.bodies);
            assertEquals(List.of("POST /1 HTTP/1.1", "POST /2 HTTP/1.1"), replica.requestLines.stream().map(String::strip).toList());
        }
    }

    @Test
    void aGetOnAPooledConnectionTheReplicaIsClosingIsSentOnceMoreOnAFreshOne() throws Exception {
        // The replica has decided to close (no FIN yet): the request is written, never read, and reset.
        try (IdleClosingReplica replica = new IdleClosingReplica(Duration.ofMillis(100), Duration.ofMillis(500));
             Gateway gateway = gateway()) {
            Client client = new Client(gateway.uri());
            client.register("svc", replica.address());
            assertEquals(200, client.get("/svc/1").statusCode());
            Await.until(Duration.ofSeconds(5), "the replica is about to close the idle connection", () -> replica.closing.get() == 1);
            assertEquals(200, client.get("/svc/2").statusCode());
            assertEquals(List.of("GET /1 HTTP/1.1", "GET /2 HTTP/1.1"), replica.requestLines.stream().map(String::strip).toList());
            assertEquals("{\"services\":[{\"name\":\"svc\",\"replicas\":[{\"address\":\"" + replica.address()
                    + "\",\"failures\":0,\"state\":\"active\",\"ejections\":0}],\"ejected\":[]}],\"store\":\"UP\"}", client.get("/services").body());
        }
    }
}

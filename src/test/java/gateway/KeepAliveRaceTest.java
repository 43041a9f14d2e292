package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A replica that closes idle keep-alive connections races the gateway's connection pool: a POST
 * written on a connection the replica is just closing is lost, and must not be sent again, since
 * the same failure follows a POST the replica acted on.
 */
class KeepAliveRaceTest {

    /** Node.js's default keepAliveTimeout (uvicorn and Apache httpd: 5 s too). */
    static final Duration REPLICA_IDLE = Duration.ofSeconds(5);

    @ParameterizedTest(name = "--upstream {0}")
    @ValueSource(strings = {"httpclient", "sockets"})
    void aPostOnAConnectionTheReplicaClosesWhileIdleIsNeither502NorCounted(String upstream) throws Exception {
        try (IdleClosingReplica replica = new IdleClosingReplica(REPLICA_IDLE, Duration.ofSeconds(1));
             Gateway gateway = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--upstream", upstream), Map.of()))) {
            Client client = new Client(gateway.uri());
            client.register("svc", replica.address());
            List<Integer> statuses = new ArrayList<>();
            statuses.add(client.get("/svc/0").statusCode());
            statuses.add(client.send("POST", "/svc/1", "order-1").statusCode());
            // Whichever side closes the idle connection first: the gateway (as it should, within
            // ~1-3 s), or the replica at REPLICA_IDLE, whose 1 s closing window the POST then meets.
            Await.until(Duration.ofSeconds(10), "the idle connection is closed by one side",
                    () -> replica.closedByClient.get() + replica.closing.get() > 0);
            statuses.add(client.send("POST", "/svc/2", "order-2").statusCode());

            assertEquals(List.of(200, 200, 200), statuses);
            assertEquals(List.of("GET /0 HTTP/1.1", "POST /1 HTTP/1.1", "POST /2 HTTP/1.1"),
                    replica.requestLines.stream().map(String::strip).toList(), "each request reached the replica once");
            assertEquals("{\"services\":[{\"name\":\"svc\",\"replicas\":[{\"address\":\"" + replica.address()
                    + "\",\"failures\":0,\"state\":\"active\",\"ejections\":0}],\"ejected\":[]}],\"store\":\"UP\"}", client.get("/services").body());
        }
    }
}

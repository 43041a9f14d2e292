package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The gateway's own endpoints at their edges: the body limit, and /services while the store is down. */
@Tag("contract") // run on every stack (benchmarks/variants)
class ApiBoundaryTest {

    @Test
    void aRegistrationOfExactlyTheBodyLimitIsAccepted() throws Exception {
        try (Gateway g = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0"), Map.of()))) {
            String json = "{\"service\":\"s\",\"address\":\"h:1\"}";
            var response = new Client(g.uri()).send("POST", "/register", json + " ".repeat(Api.MAX_BODY - json.length()));
            assertEquals(201, response.statusCode(), response.body());
        }
    }

    @Test
    void whileTheStoreIsDownServicesListsTheSnapshotSortedWithoutCounts() throws Exception {
        CountingStore store = new CountingStore(new MemoryStore());
        try (Gateway g = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0"), Map.of()), store)) {
            Client client = new Client(g.uri());
            client.register("b", "h:2");
            client.register("b", "h:1");
            client.register("a", "h:3");
            store.down.set(true);
            var response = client.get("/services");
            assertEquals(200, response.statusCode());
            assertEquals("{\"services\":[{\"name\":\"a\",\"replicas\":[{\"address\":\"http://h:3\"}]},"
                    + "{\"name\":\"b\",\"replicas\":[{\"address\":\"http://h:1\"},{\"address\":\"http://h:2\"}]}],"
                    + "\"store\":\"DOWN\"}", response.body());
        }
    }
}

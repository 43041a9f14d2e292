package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The packaged fat jar, black-box: started with java -jar, driven only over HTTP. */
class JarIT {

    static final Path JAR = Path.of("target/gateway.jar");

    @Test
    void theFatJarRegistersProxiesAndEvicts() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "package the jar first (mvn verify does)");
        try (Backend good = Backend.named("good");
             Launched gw = Launched.start(JAR, Map.of(), "--bind", "127.0.0.1", "--port", "0", "--failure-threshold", "2")) {
            Client client = new Client(gw.awaitListening());
            assertEquals(201, client.register("client-service", good.address()).statusCode());
            String refusing = Backend.refusing();
            assertEquals(201, client.register("client-service", refusing).statusCode());
            for (int i = 0; i < 4; i++) assertEquals("good", client.get("/client-service/hello").body());
            // the refusing replica is out of routing, ejected until a probe (30 s on) finds it alive
            assertTrue(client.get("/services").body().startsWith("{\"services\":[{\"name\":\"client-service\",\"replicas\":[{\"address\":\""
                    + good.address() + "\",\"failures\":0,\"state\":\"active\",\"ejections\":0}],\"ejected\":[{\"address\":\""
                    + Address.parse(refusing).url() + "\",\"ejections\":1,\"probeInMs\":"), client.get("/services").body());
            assertTrue(gw.stderrText().contains("evicted http://127.0.0.1:"), gw.stderrText());
        }
    }
}

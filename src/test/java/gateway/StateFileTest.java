package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory store's state file: a restart keeps the registry; a bad file is a clear error at start. */
class StateFileTest {

    @TempDir
    Path dir;

    Gateway start(Path file) throws Exception {
        return Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--state-file", file.toString()), Map.of()));
    }

    @Test
    void aRestartedGatewayKeepsItsRegistry() throws Exception {
        Path file = dir.resolve("registry.json");
        try (Backend replica = Backend.named("one")) {
            try (Gateway first = start(file)) {
                assertEquals(201, new Client(first.uri()).register("svc", replica.address()).statusCode());
                assertEquals(201, new Client(first.uri()).register("gone", "h:1").statusCode());
                assertEquals(200, new Client(first.uri()).deregister("gone", "h:1").statusCode());
            }
            assertEquals("{\"services\":{\"svc\":[\"" + replica.address() + "\"]}}", Files.readString(file));
            try (Gateway second = start(file)) {
                assertEquals("one", new Client(second.uri()).get("/svc/").body());
            }
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void anEvictionIsWrittenToo() throws Exception {
        Path file = dir.resolve("registry.json");
        try (Gateway g = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--state-file", file.toString(),
                "--failure-threshold", "1", "--allow-empty-service"), Map.of()))) { // one replica: the guard would keep it
            new Client(g.uri()).register("svc", Backend.refusing());
            assertEquals(502, new Client(g.uri()).get("/svc/").statusCode());
        }
        assertEquals("{\"services\":{}}", Files.readString(file));
    }

    @Test
    void aCorruptFileStopsTheStartWithAClearError() throws Exception {
        Path file = dir.resolve("registry.json");
        Files.writeString(file, "{\"services\": {\"svc\": [\"http://h:1\"");
        var e = assertThrows(IllegalStateException.class, () -> start(file));
        assertTrue(e.getMessage().startsWith("state file " + file + " is corrupt"), e.getMessage());
        assertEquals("{\"services\": {\"svc\": [\"http://h:1\"", Files.readString(file), "left as it was");
    }

    @Test
    void theCorruptFileMessageQuotesTheParsersFirstLine() throws Exception {
        Path file = Files.writeString(dir.resolve("registry.json"), "not json");
        var e = assertThrows(IllegalStateException.class, () -> new StateFile(file).load());
        assertTrue(e.getMessage().startsWith("state file " + file + " is corrupt (Unrecognized token 'not'"), e.getMessage());
        assertTrue(e.getMessage().endsWith("); fix or remove it"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void aDeregistrationThatCannotBeWrittenIs503AndTheReplicaStays() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path file = sub.resolve("registry.json");
        try (Gateway g = start(file)) {
            Client client = new Client(g.uri());
            assertEquals(201, client.register("svc", "h:1").statusCode());
            Files.delete(file);
            Files.delete(sub);
            var response = client.deregister("svc", "h:1");
            assertEquals(503, response.statusCode(), response.body());
            assertTrue(ApiIntegrationTest.json(response).get("error").asText().contains("cannot be written"), response.body());
            assertEquals("{\"services\":[{\"name\":\"svc\",\"replicas\":[{\"address\":\"http://h:1\",\"failures\":0,\"state\":\"active\",\"ejections\":0}],\"ejected\":[]}],\"store\":\"UP\"}",
                    client.get("/services").body(), "still registered: the client was told it was not removed");
        }
    }

    @Test
    void anInvalidEntryStopsTheStartToo() throws Exception {
        Path file = dir.resolve("registry.json");
        Files.writeString(file, "{\"services\": {\"svc\": [\"ftp://h:1\"]}}");
        var e = assertThrows(IllegalStateException.class, () -> start(file));
        assertTrue(e.getMessage().contains("holds an invalid entry: address 'ftp://h:1' must be http:// or https://"), e.getMessage());
    }

    @Test
    void aFileThatCannotBeWrittenStopsTheStart() throws Exception {
        Path file = dir.resolve("missing-dir").resolve("registry.json");
        var e = assertThrows(IllegalStateException.class, () -> start(file));
        assertTrue(e.getMessage().startsWith("state file " + file + " cannot be written"), e.getMessage());
    }

    @Test
    void whenTheFileCannotBeWrittenARegistrationIs503AndNotKept() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path file = sub.resolve("registry.json");
        try (Gateway g = start(file)) {
            Files.delete(file);
            Files.delete(sub); // the directory vanishes under the running gateway
            var response = new Client(g.uri()).register("svc", "h:1");
            assertEquals(503, response.statusCode());
            assertTrue(ApiIntegrationTest.json(response).get("error").asText().contains("cannot be written"), response.body());
            assertEquals("{\"services\":[],\"store\":\"UP\"}", new Client(g.uri()).get("/services").body());
            assertFalse(Files.exists(file));
        }
    }

    @Test
    @Tag("subprocess") // runs target/gateway.jar: left out of ./build.sh mutation (see pom.xml)
    void theCliSaysWhatIsWrongWithTheFileAndExitsOne() throws Exception {
        Path file = Files.writeString(dir.resolve("registry.json"), "not json");
        try (Launched gw = Launched.start(null, Map.of("GATEWAY_STATE_FILE", file.toString()), "--port", "0")) {
            assertEquals(1, gw.awaitExit());
            List<String> errors = gw.stderrText().lines().filter(l -> l.startsWith("error:")).toList();
            assertEquals(1, errors.size(), gw.stderrText());
            assertTrue(errors.get(0).startsWith("error: cannot start: state file " + file + " is corrupt"), errors.get(0));
        }
    }
}

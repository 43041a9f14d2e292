package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml, validated but never run (no Docker engine in our builds): Debian's
 * docker-compose accepts it, and every port, variable, service name and Dockerfile in it is one
 * the code and the jars actually use. The sample's variables come from its jar's --help, so
 * ./build.sh test builds test-services first.
 */
class ComposeFileTest {

    static final Path COMPOSE = Path.of("docker-compose.yml");
    static final Path SAMPLE_JAR = Path.of("test-services/target/sample-service.jar");
    private static final Pattern HEALTH = Pattern.compile("http://localhost:(\\d+)/health");
    private static final Pattern COPY_JAR = Pattern.compile("(?m)^COPY --from=build /src/target/(\\S+\\.jar) (\\S+)$");

    private final JsonNode services;

    ComposeFileTest() throws IOException {
        services = new ObjectMapper(new YAMLFactory()).readTree(COMPOSE.toFile()).get("services");
    }

    @Test
    void dockerComposeConfigAcceptsTheFile() throws Exception {
        String binary = "docker-compose";
        if (!onPath(binary)) {
            if ("true".equals(System.getenv("CI"))) fail(binary + " is not on the PATH: required in CI; .ci/run installs it");
            Assumptions.abort(binary + " is not on the PATH; install it (Debian: apt-get install docker-compose) to validate docker-compose.yml");
        }
        Path out = Files.createTempFile("compose-config", ".log");
        try {
            Process p = new ProcessBuilder(binary, "-f", COMPOSE.toString(), "config", "-q").redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "docker-compose config did not finish in 60 s");
            assertEquals(0, p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void theGatewaysUseOnlyTheirFlagsVariablesAndTheirValuesParse() {
        Set<String> known = new HashSet<>();
        for (Config.Flag f : Config.FLAGS) known.add(f.env());
        Set<String> ids = new HashSet<>();
        Set<String> hostPorts = new HashSet<>();
        for (var gateway : built(".").entrySet()) {
            String name = gateway.getKey();
            Map<String, String> env = env(gateway.getValue());
            for (String variable : env.keySet()) assertTrue(known.contains(variable), name + ": " + variable + " is not in Config.FLAGS");
            Config config = Config.parse(List.of(), env);
            assertTrue(config.redis().isPresent(), name + ": every gateway of the cluster shares Redis");
            RedisUrl redis = config.redis().get();
            assertEquals(List.of("redis-server", "--appendonly", "yes"), texts(services.get(redis.host()).get("command")),
                    name + ": GATEWAY_STORE names the Redis service, which keeps an append-only file");
            assertEquals(6379, redis.port());
            assertTrue(ids.add(config.gatewayId().orElseThrow()), name + ": each gateway needs its own GATEWAY_ID (Via loop detection)");
            String[] ports = texts(gateway.getValue().get("ports")).get(0).split(":");
            assertEquals(config.port(), Integer.parseInt(ports[1]), name + ": the container port is the one it listens on");
            assertTrue(hostPorts.add(ports[0]), name + ": host port " + ports[0] + " is taken twice");
            assertEquals(config.port(), healthPort(name, gateway.getValue()));
            assertEquals(config.port(), exposed(Path.of("Dockerfile")));
        }
        assertEquals(2, ids.size(), "two gateways on one Redis");
    }

    @Test
    void theReplicasUseOnlyTheSamplesVariablesAndRegisterWhereTheGatewaysListen() throws Exception {
        Set<String> known = sampleVariables();
        Map<String, JsonNode> gateways = built(".");
        Map<String, JsonNode> replicas = built("./test-services");
        assertEquals(3, replicas.size(), "three replicas");
        Set<String> names = new HashSet<>();
        for (var replica : replicas.entrySet()) {
            String name = replica.getKey();
            Map<String, String> env = env(replica.getValue());
            for (String variable : env.keySet()) assertTrue(known.contains(variable), name + ": " + variable + " is not in the sample's --help");
            int port = Integer.parseInt(env.get("SAMPLE_PORT"));
            URI address = URI.create(env.get("SAMPLE_ADDRESS"));
            assertEquals(name, address.getHost(), name + ": registers the name the gateways reach it by");
            assertEquals(port, address.getPort(), name + ": registers the port it listens on");
            URI gateway = URI.create(env.get("SAMPLE_GATEWAY"));
            assertTrue(gateways.containsKey(gateway.getHost()), name + ": " + gateway + " is not a gateway service");
            assertEquals(Config.parse(List.of(), env(gateways.get(gateway.getHost()))).port(), gateway.getPort());
            assertTrue(names.add(env.get("SAMPLE_REPLICA")), name + ": replica names are unique");
            assertEquals(port, healthPort(name, replica.getValue()));
            assertEquals(port, exposed(Path.of("test-services/Dockerfile")));
        }
    }

    @Test
    void everyServiceRestartsHasAHealthCheckAndDependsOnServicesThatExist() {
        for (var service : fields(services).entrySet()) {
            String name = service.getKey();
            JsonNode s = service.getValue();
            assertEquals("unless-stopped", s.path("restart").asText(), name);
            assertTrue(s.has("healthcheck"), name + " has no health check");
            for (String dependency : fields(s.path("depends_on")).keySet()) {
                assertTrue(services.has(dependency), name + " depends on " + dependency + ", which is not a service");
            }
        }
    }

    /** Each Dockerfile exists, copies the jar its project builds and runs it as a non-root user, exiting on OOM. */
    @Test
    void everyDockerfileExistsAndRunsTheJarItsProjectBuilds() throws IOException {
        Set<Path> dockerfiles = new TreeSet<>();
        for (var service : fields(services).entrySet()) {
            JsonNode build = service.getValue().get("build");
            if (build == null) continue;
            Path context = Path.of(build.get("context").asText()).normalize();
            Path dockerfile = context.resolve(build.path("dockerfile").asText("Dockerfile"));
            assertTrue(Files.isRegularFile(dockerfile), service.getKey() + ": " + dockerfile + " does not exist");
            assertTrue(Files.isRegularFile(context.resolve("pom.xml")), service.getKey() + ": no pom.xml in " + context);
            dockerfiles.add(dockerfile);
        }
        assertEquals(Set.of(Path.of("Dockerfile"), Path.of("test-services/Dockerfile")), dockerfiles);
        for (Path dockerfile : dockerfiles) {
            String text = Files.readString(dockerfile);
            String pom = Files.readString(dockerfile.resolveSibling("pom.xml"));
            Matcher finalName = Pattern.compile("<finalName>(.+)</finalName>").matcher(pom);
            assertTrue(finalName.find(), dockerfile + ": its pom.xml names no finalName");
            Matcher copy = COPY_JAR.matcher(text);
            assertTrue(copy.find(), dockerfile + ": no COPY of a jar from the build stage");
            assertEquals(finalName.group(1) + ".jar", copy.group(1), dockerfile + ": copies a jar its pom.xml does not build");
            String entrypoint = text.lines().filter(l -> l.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
            assertTrue(entrypoint.contains("\"-XX:+ExitOnOutOfMemoryError\", ") && entrypoint.contains("\"-jar\", \"" + copy.group(2) + "\""), entrypoint);
            String user = text.lines().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElse("USER root");
            assertNotEquals("USER root", user, dockerfile + " runs as root");
        }
        assertEquals(JarIT.JAR.getFileName().toString(), "gateway.jar");
    }

    /** Services built from {@code context}, by name. */
    private Map<String, JsonNode> built(String context) {
        Map<String, JsonNode> found = new LinkedHashMap<>();
        fields(services).forEach((name, s) -> {
            if (Path.of(s.path("build").path("context").asText("-")).normalize().equals(Path.of(context).normalize())) found.put(name, s);
        });
        assertTrue(!found.isEmpty(), "no service is built from " + context);
        return found;
    }

    private static int healthPort(String name, JsonNode service) {
        String test = String.join(" ", texts(service.path("healthcheck").path("test")));
        Matcher m = HEALTH.matcher(test);
        assertTrue(m.find(), name + ": the health check calls no http://localhost:PORT/health: " + test);
        return Integer.parseInt(m.group(1));
    }

    private static int exposed(Path dockerfile) {
        try {
            return Integer.parseInt(Files.readString(dockerfile).lines().filter(l -> l.startsWith("EXPOSE ")).findFirst()
                    .orElseThrow(() -> new AssertionError(dockerfile + " exposes no port")).substring("EXPOSE ".length()).strip());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The variables the sample service's jar names in its --help. */
    private static Set<String> sampleVariables() throws Exception {
        if (!Files.isRegularFile(SAMPLE_JAR)) {
            String why = SAMPLE_JAR + " is missing: ./build.sh test builds test-services before the gateway";
            if ("true".equals(System.getenv("CI"))) fail(why);
            Assumptions.abort(why);
        }
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar", SAMPLE_JAR.toString(), "--help")
                .redirectErrorStream(true).start();
        String help = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        Assertions.assertEquals(0, p.exitValue(), help);
        Set<String> variables = new HashSet<>();
        Matcher m = Pattern.compile("\\bSAMPLE_[A-Z_]+\\b").matcher(help);
        while (m.find()) variables.add(m.group());
        assertTrue(variables.contains("SAMPLE_PORT"), help);
        return variables;
    }

    private static Map<String, String> env(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        fields(service.path("environment")).forEach((k, v) -> env.put(k, v.asText()));
        return env;
    }

    private static Map<String, JsonNode> fields(JsonNode node) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static boolean onPath(String binary) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) return true;
        }
        return false;
    }
}

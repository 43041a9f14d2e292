package gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The gateway as a separate process, started the way users start it; for CLI and black-box tests. */
final class Launched implements AutoCloseable {

    final Process process;
    final Path stderr;
    private final BufferedReader stdout;

    private Launched(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** {@code java -cp <test classpath> gateway.Main args...}, or {@code java -jar jar args...} when jar is given. */
    static Launched start(Path jar, Map<String, String> env, String... args) throws IOException {
        return start(jar, env, List.of(), args);
    }

    /** As {@link #start(Path, Map, String...)}, with these flags for the JVM (e.g. {@code -Xmx256m}). */
    static Launched start(Path jar, Map<String, String> env, List<String> jvmFlags, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmFlags);
        if (jar == null) {
            // as the jar's manifest does (Add-Opens), for RequestHead
            command.addAll(List.of("--add-opens", RequestHead.OPENS + "=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "gateway.Main"));
        } else {
            command.addAll(List.of("-jar", jar.toString()));
        }
        command.addAll(List.of(args));
        Path stderr = Files.createTempFile("gateway-stderr", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("GATEWAY_"));
        builder.environment().putAll(env);
        return new Launched(builder.start(), stderr);
    }

    String readLine() throws IOException {
        return stdout.readLine();
    }

    /** Waits for the one "listening" line and returns the URI in it. */
    URI awaitListening() throws IOException {
        String line = readLine();
        if (line == null || !line.startsWith("gateway listening on ")) {
            throw new IllegalStateException("unexpected first line: " + line + "; stderr: " + stderrText());
        }
        return URI.create(line.substring("gateway listening on ".length()));
    }

    String stdoutRest() throws IOException {
        StringBuilder rest = new StringBuilder();
        for (String line; (line = stdout.readLine()) != null; ) rest.append(line).append('\n');
        return rest.toString();
    }

    String stderrText() throws IOException {
        return Files.readString(stderr);
    }

    int awaitExit() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("process did not exit");
        return process.exitValue();
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(stderr);
    }
}

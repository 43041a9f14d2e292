package sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A process the demo started: its stdout lines queued for {@link #awaitLine}, its stderr lines
 * copied to a log file and shown to a listener. Thread-safe.
 */
final class Child implements AutoCloseable {

    final String name;
    final Process process;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();

    private Child(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    static Child start(String name, List<String> command, Path log, Consumer<String> onStderr) throws IOException {
        Process process = new ProcessBuilder(command).start();
        Child child = new Child(name, process);
        Thread.ofVirtual().name(name + "-stdout").start(() -> pump(process.getInputStream(), child.stdout::add));
        PrintStream file = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8);
        Thread.ofVirtual().name(name + "-stderr").start(() -> {
            pump(process.getErrorStream(), line -> {
                file.println(line);
                onStderr.accept(line);
            });
            file.close();
        });
        return child;
    }

    private static void pump(InputStream in, Consumer<String> sink) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) sink.accept(line);
        } catch (IOException e) {
            // the process is gone; its last lines are in the log
        }
    }

    /** The next stdout line that starts with {@code prefix}, or an exception naming the child. */
    String awaitLine(String prefix, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String line = stdout.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) throw new IllegalStateException(name + " did not print '" + prefix + "...' within " + seconds + " s"
                    + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")"));
            if (line.startsWith(prefix)) return line;
        }
    }

    /** SIGKILL, as a crash: no shutdown hook, no deregistration. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL if it is still there after 10 s. */
    @Override
    public void close() {
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

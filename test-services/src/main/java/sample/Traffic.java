package sample;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Steady GET traffic through the gateway at a fixed rate (open loop: a slow answer never slows
 * the next request), tallied per second of completion by the replica that answered, and every
 * client-visible error (a status other than 200, or no answer). Thread-safe.
 */
final class Traffic implements AutoCloseable {

    /** The answers of one second: per replica, and the errors. */
    record Second(Map<String, Integer> byReplica, int errors) {
        int total() {
            return byReplica.values().stream().mapToInt(Integer::intValue).sum() + errors;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor())
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final URI target;
    private final int perSecond;
    private final long start;
    private final Consumer<String> onError;
    private final List<Map<String, Integer>> counts = new ArrayList<>();
    private final List<Integer> errors = new ArrayList<>();
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean running = true;
    private final Thread pacer;

    /** Starts sending now; second 0 is the first second after this call. */
    Traffic(URI target, int perSecond, long startNanos, Consumer<String> onError) {
        this.target = target;
        this.perSecond = perSecond;
        this.start = startNanos;
        this.onError = onError;
        this.pacer = Thread.ofVirtual().name("traffic").start(this::pace);
    }

    private void pace() {
        long interval = 1_000_000_000L / perSecond;
        long next = System.nanoTime();
        while (running) {
            LockSupport.parkNanos(next - System.nanoTime()); // pacing: the next request is due then
            if (System.nanoTime() < next) continue;
            next += interval;
            sent.incrementAndGet();
            HttpRequest request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5)).build();
            http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
                if (failure != null) {
                    error("no answer: " + failure);
                } else if (response.statusCode() != 200) {
                    error("status " + response.statusCode() + ": " + response.body());
                } else {
                    answered(replicaOf(response.body()));
                }
            });
        }
    }

    private static String replicaOf(String body) {
        try {
            JsonNode json = SampleService.JSON.readTree(body);
            return json.path("replica").asText("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private int second() {
        return (int) ((System.nanoTime() - start) / 1_000_000_000L);
    }

    private synchronized void answered(String replica) {
        int s = second();
        grow(s);
        counts.get(s).merge(replica, 1, Integer::sum);
    }

    private void error(String what) {
        synchronized (this) {
            int s = second();
            grow(s);
            errors.set(s, errors.get(s) + 1);
        }
        onError.accept(what);
    }

    private void grow(int s) {
        while (counts.size() <= s) {
            counts.add(new TreeMap<>());
            errors.add(0);
        }
    }

    /** Second {@code s} as tallied so far (complete once it is over). */
    synchronized Second second(int s) {
        grow(s);
        return new Second(Map.copyOf(counts.get(s)), errors.get(s));
    }

    /** Every whole second so far. */
    synchronized List<Second> seconds() {
        List<Second> all = new ArrayList<>();
        for (int s = 0; s < counts.size(); s++) all.add(new Second(Map.copyOf(counts.get(s)), errors.get(s)));
        return all;
    }

    long sent() {
        return sent.get();
    }

    /** Stops sending and waits up to 6 s (beyond the request timeout) for the answers still due. Idempotent. */
    void stop() {
        running = false;
        try {
            pacer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        while (answers() < sent.get() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // polling for the last answers
        }
    }

    @Override
    public void close() {
        stop();
        http.close();
    }

    private synchronized long answers() {
        long n = 0;
        for (int s = 0; s < counts.size(); s++) n += new Second(counts.get(s), errors.get(s)).total();
        return n;
    }
}

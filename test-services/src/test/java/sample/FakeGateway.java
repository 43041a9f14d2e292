package sample;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A gateway's {@code /register} as the sample sees it: records each call and answers the queued
 * statuses in turn, then {@code otherwise}. Thread-safe.
 */
final class FakeGateway implements AutoCloseable {

    record Call(String method, String path, String body, Optional<String> authorization) {}

    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    private final int otherwise;
    private final HttpServer server;

    private FakeGateway(int port, int otherwise, List<Integer> first) throws IOException {
        this.otherwise = otherwise;
        statuses.addAll(first);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                calls.add(new Call(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), body,
                        Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization"))));
                Integer next = statuses.poll();
                exchange.sendResponseHeaders(next == null ? otherwise : next, -1);
            }
        });
        server.start();
    }

    /** Answers {@code first} in order, then {@code otherwise} for ever. */
    static FakeGateway answering(int otherwise, Integer... first) throws IOException {
        return new FakeGateway(0, otherwise, List.of(first));
    }

    /** On a given port (one a test reserved while nothing listened). */
    static FakeGateway onPort(int port, int otherwise) throws IOException {
        return new FakeGateway(port, otherwise, List.of());
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Call> calls(String method) {
        return calls.stream().filter(c -> c.method().equals(method)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

package gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A real replica for tests: an HttpServer on an ephemeral loopback port that records what it saw. */
final class Backend implements AutoCloseable {

    /** What the replica received, for assertions. */
    record Seen(String method, String uri, com.sun.net.httpserver.Headers headers, byte[] body) {}

    final HttpServer server;
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    final AtomicInteger hits = new AtomicInteger();

    private Backend(HttpHandler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            hits.incrementAndGet();
            // not try-with-resources: a handler that throws must leave the exchange unfinished,
            // so the server drops the connection as a crashing replica would
            handler.handle(exchange);
            exchange.close();
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    static Backend start(HttpHandler handler) throws IOException {
        return new Backend(handler);
    }

    /** Answers 200 with its own name, recording the request and its body. */
    static Backend named(String name) throws IOException {
        Backend[] self = new Backend[1];
        self[0] = new Backend(exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            self[0].seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders(), body));
            reply(exchange, 200, name);
        });
        return self[0];
    }

    /** Always answers with {@code status}. */
    static Backend status(int status) throws IOException {
        return new Backend(exchange -> {
            exchange.getRequestBody().readAllBytes();
            reply(exchange, status, "status " + status);
        });
    }

    static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) exchange.getResponseBody().write(bytes);
    }

    String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** An address where nothing listens: a port that was free a moment ago, so connects are refused. */
    static String refusing() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

package sample;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One replica's HTTP side: {@code /hello}, {@code /echo}, {@code /health}, and the fault switch
 * {@code /fault}, which every other path obeys. An HttpServer on virtual threads. Thread-safe.
 */
final class SampleService implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    /** A fault switch body is a few dozen bytes. */
    private static final int MAX_FAULT_BODY = 4096;

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final String service;
    private final AtomicReference<String> replica = new AtomicReference<>();
    private final AtomicReference<Fault> fault;
    /** Requests answered with a fault, for GET /fault: the demo and tests read it. */
    private final AtomicLong faulted = new AtomicLong();

    private SampleService(Config config) throws IOException {
        this.service = config.service();
        this.fault = new AtomicReference<>(config.fault());
        server = HttpServer.create(new InetSocketAddress(config.bind(), config.port()), 0);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
        replica.set(config.replica().orElse(config.address(port()).toString()));
    }

    /** Binds and starts serving; the replica's name is {@code --replica}, else its address. */
    static SampleService start(Config config) throws IOException {
        return new SampleService(config);
    }

    int port() {
        return server.getAddress().getPort();
    }

    String replica() {
        return replica.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        // Not try-with-resources: the close fault throws so that HttpServer drops the connection unanswered.
        String path = exchange.getRequestURI().getRawPath();
        if (!path.equals("/fault") && misbehaved(exchange)) return;
        try (exchange) {
            switch (path) {
                case "/hello" -> send(exchange, 200, Map.of("service", service, "replica", replica()));
                case "/health" -> send(exchange, 200, Map.of("status", "UP"));
                case "/fault" -> fault(exchange);
                default -> {
                    if (path.equals("/echo") || path.startsWith("/echo/")) echo(exchange);
                    else send(exchange, 404, Map.of("error", "no such path: " + path + "; try /hello, /echo, /health, /fault"));
                }
            }
        }
    }

    /** Applies the current fault to this request; true when the fault has answered it. */
    private boolean misbehaved(HttpExchange exchange) throws IOException {
        Fault now = fault.get();
        if (now.mode() == Fault.Mode.NONE || ThreadLocalRandom.current().nextDouble() >= now.fraction()) return false;
        faulted.incrementAndGet();
        switch (now.mode()) {
            case STATUS_503 -> {
                try (exchange) {
                    send(exchange, 503, Map.of("error", "fault switched on: 503", "replica", replica()));
                }
                return true;
            }
            case HANG -> {
                try {
                    Thread.sleep(now.hang()); // the fault itself: a replica that is slow to answer
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }
            // HttpServer closes the connection of a handler that throws before answering (ServerImpl.Exchange.run).
            case CLOSE -> throw new IOException("fault switched on: connection closed unanswered");
            default -> {
                return false;
            }
        }
    }

    /** GET: the fault in force and how many requests it hit; POST: set it (see {@link Fault#fromJson}). */
    private void fault(HttpExchange exchange) throws IOException {
        switch (exchange.getRequestMethod()) {
            case "GET" -> send(exchange, 200, faultView());
            case "POST" -> {
                byte[] bytes;
                try (InputStream in = exchange.getRequestBody()) {
                    bytes = in.readNBytes(MAX_FAULT_BODY + 1);
                }
                if (bytes.length > MAX_FAULT_BODY) {
                    send(exchange, 413, Map.of("error", "body is larger than " + MAX_FAULT_BODY + " bytes"));
                    return;
                }
                try {
                    JsonNode json = JSON.readTree(bytes);
                    fault.updateAndGet(current -> Fault.fromJson(json, current));
                } catch (JsonProcessingException e) {
                    send(exchange, 400, Map.of("error", "body is not valid JSON: " + e.getOriginalMessage()));
                    return;
                } catch (IllegalArgumentException e) {
                    send(exchange, 400, Map.of("error", e.getMessage()));
                    return;
                }
                send(exchange, 200, faultView());
            }
            default -> {
                exchange.getResponseHeaders().set("Allow", "GET, POST");
                send(exchange, 405, Map.of("error", "method " + exchange.getRequestMethod() + " not allowed on /fault"));
            }
        }
    }

    private Map<String, Object> faultView() {
        Map<String, Object> body = new LinkedHashMap<>(fault.get().toJson());
        body.put("faulted", faulted.get());
        return body;
    }

    private void echo(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        URI uri = exchange.getRequestURI();
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(java.util.Locale.ROOT), values));
        Map<String, Object> echo = new LinkedHashMap<>();
        echo.put("replica", replica());
        echo.put("method", exchange.getRequestMethod());
        echo.put("path", uri.getRawPath());
        echo.put("query", uri.getRawQuery() == null ? "" : uri.getRawQuery());
        echo.put("headers", headers);
        echo.put("body", new String(body, StandardCharsets.UTF_8));
        send(exchange, 200, echo);
    }

    static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Stops listening, gives requests in flight up to a second to finish. */
    @Override
    public void close() {
        server.stop(1);
        threads.shutdownNow();
    }
}

package gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;

/**
 * The gateway's own endpoints: {@code /register}, {@code /services}, {@code /health}, {@code /metrics}. A
 * registration answers 2xx only once the store holds it; who may call which is the
 * {@link AdminToken}'s decision, taken before any byte of the body is read. Thread-safe.
 */
final class Api {

    /** Registrations are a few hundred bytes; anything this large is a mistake or an attack. */
    static final int MAX_BODY = 64 * 1024;

    private final Registry registry;
    private final Store store;
    private final int ownPort;
    private final AdminToken token;
    private final Metrics metrics;
    private final Quarantine quarantine;
    private final Clock clock;

    /**
     * {@code ownPort}: the port the gateway listens on, so that it never registers itself;
     * {@code quarantine} and {@code clock}: what {@code /services} says of failing and ejected replicas.
     */
    Api(Registry registry, Store store, int ownPort, AdminToken token, Metrics metrics, Quarantine quarantine, Clock clock) {
        this.registry = registry;
        this.store = store;
        this.ownPort = ownPort;
        this.token = token;
        this.metrics = metrics;
        this.quarantine = quarantine;
        this.clock = clock;
    }

    /**
     * POST adds a replica (201 new, 200 already there, 202 ejected: it rejoins after a passing
     * probe, so a sick replica's heartbeat cannot undo its ejection; 409 beyond a limit); DELETE
     * removes it (200, or 404). Both need the admin token, if there is one.
     */
    void register(Exchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (!method.equals("POST") && !method.equals("DELETE")) {
            throw HttpError.methodNotAllowed(method, "/register", "POST, DELETE");
        }
        token.check(exchange, AdminToken.Access.WRITE);
        Registration r = parse(exchange);
        if (method.equals("POST")) {
            if (isOwn(r.address(), ownPort)) {
                throw new HttpError(400, "address " + r.address().url() + " is the gateway itself: every request would loop");
            }
            boolean added;
            try {
                added = registry.register(r);
            } catch (Store.Full e) {
                // 409, not 507: the registry is in a state (full, by policy) that conflicts with this
                // request until someone removes a replica; it is no server failure, and a 5xx would
                // invite blind retries and count against the gateway's error rate.
                throw new HttpError(409, e.getMessage(), Map.of("limit", e.limit, "max", e.max));
            } catch (Store.Held e) {
                Map<String, Object> body = answer(r);
                body.put("ejected", true);
                body.put("message", e.getMessage());
                Json.send(exchange, 202, body);
                return;
            }
            Json.send(exchange, added ? 201 : 200, answer(r));
        } else if (registry.deregister(r)) {
            Json.send(exchange, 200, answer(r));
        } else {
            throw new HttpError(404, "replica " + r.address() + " of service '" + r.service() + "' is not registered");
        }
    }

    /**
     * Every service with its replicas and their current failure counts, read from the store; when
     * the store cannot be read, the replicas this gateway routes to, without counts (they live in
     * the store). {@code "store"} says which.
     */
    void services(Exchange exchange) throws IOException {
        readOnly(exchange, "/services");
        token.check(exchange, AdminToken.Access.READ);
        Map<String, Object> body = new LinkedHashMap<>();
        try {
            body.put("services", fromStore());
            body.put("store", "UP");
        } catch (Store.Unavailable e) {
            body.put("services", fromSnapshot());
            body.put("store", "DOWN");
        }
        Json.send(exchange, 200, body);
    }

    private List<ServiceView> fromStore() {
        Map<String, List<String>> all = store.registry();
        List<Store.Ejection> ejections = store.ejections();
        Map<String, Long> failures = store.failures(all.values().stream().flatMap(List::stream).toList());
        Map<String, Store.Ejection> byAddress = new TreeMap<>();
        Map<String, List<EjectedView>> ejected = new TreeMap<>();
        long now = clock.millis();
        for (Store.Ejection e : ejections) {
            byAddress.put(e.address(), e);
            for (String name : e.services()) {
                ejected.computeIfAbsent(name, n -> new ArrayList<>())
                        .add(new EjectedView(e.address(), e.ejections(), Math.max(0, e.probeAtMillis() - now)));
            }
        }
        java.util.SortedSet<String> names = new java.util.TreeSet<>(all.keySet());
        names.addAll(ejected.keySet()); // a service whose every replica is ejected (--allow-empty-service) is still shown
        List<ServiceView> services = new ArrayList<>();
        for (String name : names) {
            List<ReplicaView> replicas = all.getOrDefault(name, List.of()).stream().map(a -> {
                Store.Ejection e = byAddress.get(a);
                int ejectionCount = e == null || e.ejected() ? 0 : e.ejections();
                long count = failures.getOrDefault(a, 0L);
                String state = count >= quarantine.threshold(ejectionCount > 0) ? "protected" : "active";
                return new ReplicaView(a, count, state, ejectionCount);
            }).toList();
            services.add(new ServiceView(name, replicas, ejected.getOrDefault(name, List.of())));
        }
        return services;
    }

    private List<ServiceView> fromSnapshot() {
        List<ServiceView> services = new ArrayList<>();
        new TreeMap<>(registry.snapshot().toMap()).forEach((name, replicas) -> services.add(new ServiceView(name,
                replicas.stream().map(Address::url).sorted().map(a -> new ReplicaView(a, null, null, null)).toList(), null)));
        return services;
    }

    /**
     * A routable replica: {@code failures} in a row; {@code state} "protected" when they reached
     * the threshold but the guard kept it; {@code ejections} before it rejoined, while it
     * recovers. Each is null, and left out, when unknown (the store is down).
     */
    record ReplicaView(String address, Long failures, String state, Integer ejections) {}

    /** An ejected replica of a service, and the time until its next probe. */
    record EjectedView(String address, int ejections, long probeInMs) {}

    /** {@code ejected} is null, and left out, when unknown (the store is down). */
    record ServiceView(String name, List<ReplicaView> replicas, List<EjectedView> ejected) {}

    /** 200 while the gateway serves; the store's state is reported, not fatal (routing goes on from the snapshot). */
    void health(Exchange exchange) throws IOException {
        readOnly(exchange, "/health");
        Map<String, String> body = new LinkedHashMap<>();
        body.put("status", "UP");
        body.put("store", store.ping() ? "UP" : "DOWN");
        Json.send(exchange, 200, body);
    }

    /** Every metric in the Prometheus text format 0.0.4 (see {@link Metrics}). */
    void metrics(Exchange exchange) throws IOException {
        readOnly(exchange, "/metrics");
        token.check(exchange, AdminToken.Access.READ);
        byte[] bytes = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", Metrics.CONTENT_TYPE);
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * Whether {@code address} leads back to this gateway: its port, on a loopback, wildcard or own
     * interface address, or on "localhost". Other host names are not looked up (a registration
     * must not wait on DNS); a request that loops through one still ends in a 508 (see Proxy).
     */
    private static boolean isOwn(Address address, int ownPort) {
        URI uri = URI.create(address.url());
        int port = uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equals("https") ? 443 : 80;
        if (port != ownPort) return false;
        String host = uri.getHost();
        if (host.startsWith("[")) host = host.substring(1, host.length() - 1);
        if (host.equals("localhost") || host.endsWith(".localhost")) return true; // RFC 6761 §6.3
        Optional<InetAddress> ip = Cidr.literal(host);
        if (ip.isEmpty()) return false;
        InetAddress a = ip.get();
        try {
            return a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false; // interfaces unreadable: a loop is still caught by Via
        }
    }

    private static void readOnly(Exchange exchange, String path) {
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) throw HttpError.methodNotAllowed(method, path, "GET, HEAD");
    }

    private Map<String, Object> answer(Registration r) {
        Replicas replicas = registry.snapshot().get(r.service());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service", r.service());
        body.put("address", r.address().url());
        body.put("replicas", replicas == null ? 0 : replicas.size());
        return body;
    }

    private static Registration parse(Exchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) throw new HttpError(413, "body is larger than " + MAX_BODY + " bytes");
        if (bytes.length == 0) throw new HttpError(400, "body is empty; expected {\"service\": NAME, \"address\": URL}");
        Object json;
        try {
            json = Json.read(bytes);
        } catch (JsonProcessingException e) {
            throw new HttpError(400, "body is not valid JSON: " + e.getOriginalMessage());
        }
        try {
            return Registration.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
    }
}

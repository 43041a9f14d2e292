package gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** A test's HTTP client for one gateway: small helpers over java.net.http. */
final class Client {

    /** Reads the gateway's answers with a parser of its own (the gateway's {@link Json} has no object mapper). */
    static final ObjectMapper JSON = new ObjectMapper();

    final URI base;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    Client(URI base) {
        this.base = base;
    }

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
        return http.send(HttpRequest.newBuilder(base.resolve(path)).method(method, publisher).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    HttpResponse<String> register(String service, String address) throws IOException, InterruptedException {
        return send("POST", "/register", "{\"service\":\"" + service + "\",\"address\":\"" + address + "\"}");
    }

    HttpResponse<String> deregister(String service, String address) throws IOException, InterruptedException {
        return send("DELETE", "/register", "{\"service\":\"" + service + "\",\"address\":\"" + address + "\"}");
    }
}

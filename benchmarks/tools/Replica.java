import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A fast fake replica for the benchmark when nginx is not installed: answers every request with
 * the same ~100-byte body, on each port given (0 picks a free one). Prints
 * {@code replica listening on http://127.0.0.1:PORT} per port. Loopback only.
 *
 * <pre>java benchmarks/tools/Replica.java 0 0</pre>
 */
public final class Replica {

    static final byte[] BODY = ("{\"service\":\"bench\",\"replica\":\"java\",\"ok\":true,"
            + "\"padding\":\"0123456789abcdefghijklmnopqrstuvw\"}\n").getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws IOException {
        for (String arg : args.length == 0 ? new String[] {"0"} : args) {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(arg)), 1024);
            server.createContext("/", exchange -> {
                try (exchange) {
                    exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, BODY.length);
                    exchange.getResponseBody().write(BODY);
                }
            });
            // No executor: the trivial handler runs on the dispatcher thread, with no hand-off.
            server.start();
            System.out.println("replica listening on http://127.0.0.1:" + server.getAddress().getPort());
        }
        System.out.flush();
    }
}

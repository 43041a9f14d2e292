package gateway;

import com.sun.net.httpserver.Headers;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The header work of one proxied request: the upstream request headers from a browser-like
 * client's headers ({@link ForwardHeaders#request}), and the filter applied to a typical
 * response's headers on the way back (as {@code Proxy.relay} does it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ForwardHeadersBenchmark {

    /** 12 headers as a browser behind one proxy sends them, as HttpServer hands them over. */
    private final Headers request = new Headers();
    /** 8 headers of a typical JSON API response, as HttpClient hands them over. */
    private final Map<String, List<String>> response = HttpHeaders.of(Map.of(
            "content-type", List.of("application/json"),
            "content-length", List.of("97"),
            "date", List.of("Fri, 27 Nov 2026 04:00:00 GMT"),
            "server", List.of("nginx/1.22.1"),
            "connection", List.of("keep-alive"),
            "cache-control", List.of("no-store"),
            "etag", List.of("\"5f2b-1a\""),
            "x-request-id", List.of("0f8fad5b-d9cb-469f-a165-70867728950e")), (a, b) -> true).map();
    private final Headers out = new Headers();
    /** A client that is not a trusted proxy, as most are. */
    private final ForwardHeaders.Hop hop = new ForwardHeaders.Hop("127.0.0.1", false, "1.1", "gw-bench");

    public ForwardHeadersBenchmark() {
        request.add("Host", "api.example.com");
        request.add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
        request.add("Accept", "application/json, text/plain, */*");
        request.add("Accept-Language", "en-GB,en;q=0.5");
        request.add("Accept-Encoding", "gzip, deflate, br");
        request.add("Connection", "keep-alive");
        request.add("Cookie", "session=7d1f0c0e8a; theme=dark");
        request.add("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl");
        request.add("X-Forwarded-For", "203.0.113.7");
        request.add("X-Request-Id", "0f8fad5b-d9cb-469f-a165-70867728950e");
        request.add("Sec-Fetch-Mode", "cors");
        request.add("Referer", "https://app.example.com/orders");
    }

    @Benchmark
    public List<Map.Entry<String, String>> requestHeaders() {
        return ForwardHeaders.request(request, hop);
    }

    @Benchmark
    public void responseHeaders(Blackhole bh) {
        out.clear();
        Set<String> dropped = ForwardHeaders.dropped(response);
        response.forEach((name, values) -> {
            if (ForwardHeaders.returned(name, dropped)) out.put(name, values);
        });
        bh.consume(out);
    }
}

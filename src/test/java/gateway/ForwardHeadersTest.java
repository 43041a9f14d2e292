package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class ForwardHeadersTest {

    private static Gen<String> names() {
        Gen<String> known = arbitrary().pick("Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
                "Proxy-Authorization", "Proxy-Authenticate", "Host", "Content-Length", "Expect", "X-Forwarded-For",
                "Accept", "Authorization", "X-Custom", "x-request-id", "Cookie");
        return known.mix(strings().betweenCodePoints('a', 'z').ofLengthBetween(1, 8).map(s -> "X-" + s), 30);
    }

    private static Gen<Map<String, List<String>>> headerMaps() {
        Gen<Map.Entry<String, List<String>>> entry = names().zip(
                lists().of(arbitrary().pick("close", "x-custom, X-Request-Id", "v1", "10.0.0.1", "a, b", "keep-alive")).ofSizeBetween(1, 2),
                Map::entry);
        return lists().of(entry).ofSizeBetween(0, 10).map(list -> {
            Map<String, List<String>> map = new LinkedHashMap<>();
            for (var e : list) map.putIfAbsent(e.getKey(), e.getValue());
            return map;
        });
    }

    private static List<String> lowerNames(List<Map.Entry<String, String>> headers) {
        return headers.stream().map(e -> e.getKey().toLowerCase(Locale.ROOT)).toList();
    }

    @Test
    void noHopByHopOrConnectionNamedHeaderGoesUpstream() {
        qt().forAll(headerMaps()).checkAssert(in -> {
            var out = ForwardHeaders.request(in, "192.0.2.7", "http");
            var names = lowerNames(out);
            for (String hop : ForwardHeaders.HOP_BY_HOP) assertFalse(names.contains(hop), hop + " in " + out);
            for (String named : ForwardHeaders.dropped(in)) assertFalse(names.contains(named), named + " in " + out);
            for (String set : ForwardHeaders.SET_BY_CLIENT) assertFalse(names.contains(set), set + " in " + out);
        });
    }

    @Test
    void endToEndHeadersGoUpstreamUnchanged() {
        qt().forAll(headerMaps()).checkAssert(in -> {
            var out = ForwardHeaders.request(in, "192.0.2.7", "http");
            var drop = ForwardHeaders.dropped(in);
            in.forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (drop.contains(lower) || ForwardHeaders.SET_BY_CLIENT.contains(lower) || ForwardHeaders.FORWARDING.contains(lower)) return;
                var sent = out.stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue).toList();
                assertEquals(values, sent, name);
            });
        });
    }

    @Test
    void forwardedForAppendsTheClientAndTheProxyHeadersAreSetOnce() {
        qt().forAll(headerMaps()).checkAssert(in -> {
            var out = ForwardHeaders.request(in, "192.0.2.7", "http");
            Map<String, List<String>> byName = out.stream().collect(Collectors.groupingBy(
                    e -> e.getKey().toLowerCase(Locale.ROOT), Collectors.mapping(Map.Entry::getValue, Collectors.toList())));
            assertEquals(1, byName.get("x-forwarded-for").size());
            assertTrue(byName.get("x-forwarded-for").get(0).endsWith("192.0.2.7"));
            assertEquals(List.of("http"), byName.get("x-forwarded-proto"));
            var host = in.get("Host");
            assertEquals(host == null ? null : List.of(host.get(0)), byName.get("x-forwarded-host"));
        });
    }

    @Test
    void examples() {
        var out = ForwardHeaders.request(Map.of("X-Forwarded-For", List.of("203.0.113.1"), "Host", List.of("gw:7171"),
                "Connection", List.of("close, X-Secret"), "X-Secret", List.of("s"), "Accept", List.of("*/*")), "10.1.1.1", "http");
        Map<String, String> flat = new LinkedHashMap<>();
        out.forEach(e -> flat.put(e.getKey(), e.getValue()));
        assertEquals(Map.of("Accept", "*/*", "X-Forwarded-For", "203.0.113.1, 10.1.1.1", "X-Forwarded-Proto", "http",
                "X-Forwarded-Host", "gw:7171"), flat);
        assertFalse(ForwardHeaders.returned("Transfer-Encoding", ForwardHeaders.HOP_BY_HOP));
        assertFalse(ForwardHeaders.returned("content-length", ForwardHeaders.HOP_BY_HOP));
        assertTrue(ForwardHeaders.returned("Set-Cookie", ForwardHeaders.HOP_BY_HOP));
    }
}

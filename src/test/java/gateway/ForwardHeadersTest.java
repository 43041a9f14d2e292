package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class ForwardHeadersTest {

    static final String PEER = "192.0.2.7";
    static final String SELF = "gw-self";
    static final ForwardHeaders.Hop UNTRUSTED = new ForwardHeaders.Hop(PEER, false, "1.1", SELF);
    static final ForwardHeaders.Hop TRUSTED = new ForwardHeaders.Hop(PEER, true, "1.1", SELF);

    private static Gen<String> names() {
        Gen<String> known = arbitrary().pick("Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
                "Proxy-Authorization", "Proxy-Authenticate", "Host", "Content-Length", "Expect", "X-Forwarded-For",
                "x-forwarded-proto", "X-Forwarded-Host", "Via", "Forwarded", "X-Forwarded-Port", "x-forwarded-prefix", "X-Real-IP", "Accept", "Authorization", "X-Custom", "x-request-id", "Cookie", "Proxy-Foo", "proxy-status");
        return known.mix(strings().betweenCodePoints('a', 'z').ofLengthBetween(1, 8).map(s -> "X-" + s), 30);
    }

    /** Header values: some meaningful, some arbitrary printable text a client might send. */
    private static Gen<String> values() {
        return arbitrary().pick("close", "x-custom, X-Request-Id", "v1", "10.0.0.1", "a, b", "keep-alive", "https", "1.1 proxy-a", "")
                .mix(strings().betweenCodePoints(' ', '~').ofLengthBetween(1, 12), 40);
    }

    private static Gen<Map<String, List<String>>> headerMaps() {
        Gen<Map.Entry<String, List<String>>> entry = names().zip(lists().of(values()).ofSizeBetween(1, 2), Map::entry);
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
            var out = ForwardHeaders.request(in, UNTRUSTED);
            var names = lowerNames(out);
            for (String hop : ForwardHeaders.HOP_BY_HOP) assertFalse(names.contains(hop), hop + " in " + out);
            for (String named : ForwardHeaders.dropped(in)) assertFalse(names.contains(named), named + " in " + out);
            for (String set : ForwardHeaders.SET_BY_CLIENT) assertFalse(names.contains(set), set + " in " + out);
            for (String name : names) assertFalse(name.startsWith("proxy-"), name + " in " + out);
        });
    }

    /** Header names as a CGI-style server reads them: underscores and dashes alike (X_Forwarded_For is X-Forwarded-For). */
    private static String asCgiReadsIt(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Header maps in which some names come twice: as sent, and with underscores for dashes. */
    private static Gen<Map<String, List<String>>> withUnderscoredTwins() {
        return headerMaps().zip(booleans().all(), (in, twins) -> {
            Map<String, List<String>> out = new LinkedHashMap<>();
            if (twins) in.forEach((name, values) -> out.putIfAbsent(name.replace('-', '_'), values));
            in.forEach(out::putIfAbsent);
            return out;
        });
    }

    /** The headers the gateway drops or sets itself instead of passing them on, by lower-case name. */
    private static boolean notPassedOn(String lower, Set<String> drop) {
        return drop.contains(lower) || lower.startsWith("proxy-") || ForwardHeaders.SET_BY_CLIENT.contains(lower)
                || ForwardHeaders.FORWARDING.contains(lower);
    }

    /** What only a trusted proxy may tell a replica beside X-Forwarded-For/-Proto/-Host: the other X-Forwarded-*, X-Real-IP. */
    private static boolean claimedByProxies(String lower) {
        return lower.startsWith("x-forwarded-") || lower.equals("x-real-ip");
    }

    @Test
    void noHeaderGoesUpstreamThatACgiServerReadsAsOneTheGatewaySetsOrDrops() {
        qt().forAll(withUnderscoredTwins(), booleans().all()).checkAssert((in, trusted) -> {
            var out = ForwardHeaders.request(in, trusted ? TRUSTED : UNTRUSTED);
            var drop = ForwardHeaders.dropped(in);
            for (var header : out) {
                if (!header.getKey().contains("_")) continue;
                String read = asCgiReadsIt(header.getKey());
                assertFalse(notPassedOn(read, drop) || !trusted && claimedByProxies(read), header.getKey() + " in " + out);
            }
        });
    }

    @Test
    void endToEndHeadersGoUpstreamUnchanged() {
        qt().forAll(withUnderscoredTwins()).checkAssert(in -> {
            var out = ForwardHeaders.request(in, UNTRUSTED);
            var drop = ForwardHeaders.dropped(in);
            in.forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (notPassedOn(lower, drop) || notPassedOn(asCgiReadsIt(name), drop) || claimedByProxies(asCgiReadsIt(name))) return;
                var sent = out.stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue).toList();
                assertEquals(values, sent, name);
            });
        });
    }

    private static Map<String, List<String>> byName(List<Map.Entry<String, String>> out) {
        return out.stream().collect(Collectors.groupingBy(
                e -> e.getKey().toLowerCase(Locale.ROOT), Collectors.mapping(Map.Entry::getValue, Collectors.toList())));
    }

    /** The client's values of one header, joined as one list value; null when it sent none. */
    private static String sent(Map<String, List<String>> in, String name) {
        return in.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                .map(e -> String.join(", ", e.getValue())).orElse(null);
    }

    @Test
    void fromAnUntrustedPeerForwardedForIsThePeerAloneAndProtoAndHostAreTheGatewaysOwn() {
        qt().forAll(headerMaps()).checkAssert(in -> {
            var out = byName(ForwardHeaders.request(in, UNTRUSTED));
            assertEquals(List.of(PEER), out.get("x-forwarded-for"), "no client-supplied value survives");
            assertEquals(List.of(ForwardHeaders.SCHEME), out.get("x-forwarded-proto"));
            var host = in.get("Host");
            assertEquals(host == null ? null : List.of(host.get(0)), out.get("x-forwarded-host"));
            assertNull(out.get("forwarded"), "RFC 7239's Forwarded would say the same things: not a client's to say");
            for (String name : out.keySet()) {
                assertFalse(name.equals("x-real-ip") || name.startsWith("x-forwarded-") && !ForwardHeaders.FORWARDING.contains(name),
                        name + ": only a trusted proxy's to say");
            }
        });
    }

    @Test
    void fromATrustedPeerForwardedForIsAppendedToAndProtoAndHostAreKept() {
        qt().forAll(headerMaps()).checkAssert(in -> {
            var out = byName(ForwardHeaders.request(in, TRUSTED));
            String forwardedFor = sent(in, "X-Forwarded-For");
            String proto = sent(in, "X-Forwarded-Proto");
            String forwardedHost = sent(in, "X-Forwarded-Host");
            assertEquals(List.of(forwardedFor == null || forwardedFor.isBlank() ? PEER : forwardedFor + ", " + PEER),
                    out.get("x-forwarded-for"));
            assertEquals(List.of(proto == null || proto.isBlank() ? ForwardHeaders.SCHEME : proto), out.get("x-forwarded-proto"));
            var host = in.get("Host");
            String expectedHost = forwardedHost != null && !forwardedHost.isBlank() ? forwardedHost : host == null ? null : host.get(0);
            assertEquals(expectedHost == null ? null : List.of(expectedHost), out.get("x-forwarded-host"));
            for (String claimed : List.of("X-Forwarded-Port", "x-forwarded-prefix", "X-Real-IP")) {
                assertEquals(in.get(claimed), out.get(claimed.toLowerCase(Locale.ROOT)), claimed + " is believed, as it came");
            }
            String forwarded = sent(in, "Forwarded");
            assertEquals(forwarded == null || forwarded.isBlank() ? null : List.of(forwarded + ", for=" + PEER), out.get("forwarded"));
        });
    }

    @Test
    void viaIsTheClientsListWithThisGatewayAppended() {
        qt().forAll(headerMaps(), booleans().all()).checkAssert((in, trusted) -> {
            var out = ForwardHeaders.request(in, trusted ? TRUSTED : UNTRUSTED);
            List<String> via = byName(out).get("via");
            assertEquals(1, via.size(), "one Via line");
            String before = sent(in, "Via");
            assertEquals(before == null || before.isBlank() ? "1.1 gw-self" : before + ", 1.1 gw-self", via.get(0));
            List<String> receivers = new ArrayList<>(ForwardHeaders.viaReceivers(in));
            receivers.add(SELF);
            assertEquals(receivers, ForwardHeaders.viaReceivers(Map.of("Via", via)));
        });
    }

    /** A Via header built from hops, each a received-by name, in one or two header lines, some with comments. */
    private static Gen<List<String>> hops() {
        return lists().of(arbitrary().pick("proxy-a", "proxy-b", "edge:8080", SELF, "GW-SELF", "gw-self2")).ofSizeBetween(0, 14);
    }

    @Test
    void aRequestLoopsWhenItsViaNamesThisGatewayOrHasTooManyHops() {
        qt().forAll(hops(), integers().between(0, 2), booleans().all()).checkAssert((hops, split, comments) -> {
            List<String> entries = new ArrayList<>();
            for (int i = 0; i < hops.size(); i++) {
                entries.add((i % 2 == 0 ? "1.1 " : "HTTP/1.0 ") + hops.get(i) + (comments && i % 3 == 0 ? " (Varnish/6.0)" : ""));
            }
            int cut = Math.min(split, entries.size());
            List<String> lines = new ArrayList<>();
            if (cut > 0) lines.add(String.join(", ", entries.subList(0, cut)));
            if (cut < entries.size()) lines.add(String.join(" ,, ", entries.subList(cut, entries.size())));
            Map<String, List<String>> in = lines.isEmpty() ? Map.of() : Map.of("via", lines);

            assertEquals(hops, ForwardHeaders.viaReceivers(in));
            boolean expected = hops.stream().anyMatch(SELF::equalsIgnoreCase) || hops.size() > ForwardHeaders.MAX_VIA_HOPS;
            assertEquals(expected, ForwardHeaders.loop(in, SELF).isPresent(), in.toString());
        });
    }

    @Test
    void examples() {
        Map<String, List<String>> in = Map.of("X-Forwarded-For", List.of("203.0.113.1"), "Host", List.of("gw:7171"),
                "X-Forwarded-Proto", List.of("https"), "Via", List.of("1.1 tls-edge"),
                "Connection", List.of("close, X-Secret"), "X-Secret", List.of("s"), "Accept", List.of("*/*"));
        assertEquals(Map.of("Accept", "*/*", "X-Forwarded-For", "203.0.113.1, 10.1.1.1", "X-Forwarded-Proto", "https",
                "X-Forwarded-Host", "gw:7171", "Via", "1.1 tls-edge, 1.0 gw-a"),
                flat(ForwardHeaders.request(in, new ForwardHeaders.Hop("10.1.1.1", true, "1.0", "gw-a"))));
        assertEquals(Map.of("Accept", "*/*", "X-Forwarded-For", "10.1.1.1", "X-Forwarded-Proto", "http",
                "X-Forwarded-Host", "gw:7171", "Via", "1.1 tls-edge, 1.1 gw-a"),
                flat(ForwardHeaders.request(in, new ForwardHeaders.Hop("10.1.1.1", false, "1.1", "gw-a"))));
        Map<String, List<String>> rfc7239 = Map.of("Forwarded", List.of("for=203.0.113.1;proto=https"));
        assertEquals(Map.of("Forwarded", "for=203.0.113.1;proto=https, for=\"[2001:db8::1]\"", "X-Forwarded-For", "2001:db8::1",
                "X-Forwarded-Proto", "http", "Via", "1.1 gw-a"),
                flat(ForwardHeaders.request(rfc7239, new ForwardHeaders.Hop("2001:db8::1", true, "1.1", "gw-a"))));
        assertEquals("for=203.0.113.1;proto=https, for=\"[::1]\"",
                flat(ForwardHeaders.request(rfc7239, new ForwardHeaders.Hop("::1", true, "1.1", "gw-a"))).get("Forwarded"));
        assertEquals(Map.of("X-Forwarded-For", "10.1.1.1", "X-Forwarded-Proto", "http", "Via", "1.1 gw-a"),
                flat(ForwardHeaders.request(rfc7239, new ForwardHeaders.Hop("10.1.1.1", false, "1.1", "gw-a"))));
        assertEquals(List.of("a", "b", ""), ForwardHeaders.viaReceivers(Map.of("VIA", List.of("1.0 a (squid), HTTP/1.1 b", ",1.1,"))));
        assertEquals(List.of("a", "gw-a"), ForwardHeaders.viaReceivers(Map.of("Via", List.of("1.1 a (unclosed, 1.1 gw-a"))),
                "an unclosed comment hides no entry after it");
        assertTrue(ForwardHeaders.loop(Map.of("Via", List.of("1.1 x, 1.1 gw-a")), "gw-a").orElseThrow().contains("loop"));
        assertFalse(ForwardHeaders.returned("Transfer-Encoding", ForwardHeaders.HOP_BY_HOP));
        assertFalse(ForwardHeaders.returned("content-length", ForwardHeaders.HOP_BY_HOP));
        assertTrue(ForwardHeaders.returned("Set-Cookie", ForwardHeaders.HOP_BY_HOP));
    }

    /** Response header names: hop-by-hop ones, Proxy-*, ones a server sets, and any text at all, control characters included. */
    private static Gen<String> responseNames() {
        Gen<String> known = arbitrary().pick("Connection", "Keep-Alive", "Transfer-Encoding", "Trailer", "Upgrade",
                "Proxy-Authenticate", "Proxy-Foo", "proxy-status", "Content-Length", "Date", "Via", "Set-Cookie",
                "X-Secret", "x-custom", "Cache-Control");
        return known.mix(strings().betweenCodePoints(0, 0x7f).ofLengthBetween(1, 8), 40);
    }

    /** Response header values: list values that name headers, and any text at all, CR, LF and NUL included. */
    private static Gen<String> responseValues() {
        return arbitrary().pick("close", "keep-alive, X-Secret", "x-custom", "1.0 cache-a", "a\rSet-Cookie: x=1",
                "v\r\n injected", "nul\0", "")
                .mix(strings().betweenCodePoints(0, 0x7f).ofLengthBetween(0, 12), 50);
    }

    private static Gen<Map<String, List<String>>> responseMaps() {
        Gen<Map.Entry<String, List<String>>> entry = responseNames().zip(lists().of(responseValues()).ofSizeBetween(1, 2), Map::entry);
        return lists().of(entry).ofSizeBetween(0, 10).map(list -> {
            Map<String, List<String>> map = new LinkedHashMap<>();
            for (var e : list) map.putIfAbsent(e.getKey(), e.getValue());
            return map;
        });
    }

    private static boolean splitsALine(String s) {
        return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\0') >= 0;
    }

    /** What reaches the client of an answer with these headers: nothing when the gateway refuses it (a 502). */
    private static Map<String, List<String>> reaching(Map<String, List<String>> in) {
        return ReplicaAnswer.malformed(200, in).isPresent() ? Map.of() : ForwardHeaders.response(in, "1.1", SELF);
    }

    @Test
    void noHeaderReachingTheClientSplitsALineOrIsHopByHop() {
        qt().forAll(responseMaps()).checkAssert(in -> {
            var out = reaching(in);
            var drop = ForwardHeaders.dropped(in);
            out.forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                assertFalse(splitsALine(name), "name " + name);
                for (String value : values) assertFalse(splitsALine(value), name + ": " + value);
                assertFalse(ForwardHeaders.HOP_BY_HOP.contains(lower), name);
                assertFalse(drop.contains(lower), name + " is named in Connection");
                assertFalse(lower.startsWith("proxy-"), name);
                assertFalse(ForwardHeaders.SET_BY_SERVER.contains(lower), name);
            });
        });
    }

    @Test
    void anAnswerIsRefusedOnlyForAHeaderThatSplitsALineOrForItsFraming() {
        qt().forAll(responseMaps()).checkAssert(in -> {
            boolean splits = in.entrySet().stream().anyMatch(e -> splitsALine(e.getKey()) || e.getValue().stream().anyMatch(ForwardHeadersTest::splitsALine));
            boolean framing = in.keySet().stream().anyMatch(n -> n.equalsIgnoreCase("content-length") || n.equalsIgnoreCase("transfer-encoding"));
            if (splits) assertTrue(ReplicaAnswer.malformed(200, in).isPresent(), in.toString());
            if (!splits && !framing) assertFalse(ReplicaAnswer.malformed(200, in).isPresent(), in.toString());
        });
    }

    @Test
    void answersKeepTheirEndToEndHeadersAndCarryViaWithThisGatewayLast() {
        qt().forAll(responseMaps()).checkAssert(in -> {
            if (ReplicaAnswer.malformed(200, in).isPresent()) return;
            var out = ForwardHeaders.response(in, "1.1", SELF);
            var drop = ForwardHeaders.dropped(in);
            in.forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (drop.contains(lower) || lower.startsWith("proxy-") || ForwardHeaders.SET_BY_SERVER.contains(lower) || lower.equals("via")) {
                    return;
                }
                assertEquals(values, out.get(name), name);
            });
            List<String> via = out.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("via"))
                    .flatMap(e -> e.getValue().stream()).toList();
            assertEquals(1, via.size(), "one Via line: " + out);
            String before = sent(in, "Via");
            assertEquals(before == null || before.isBlank() ? "1.1 gw-self" : before + ", 1.1 gw-self", via.get(0));
        });
    }

    @Test
    void responseExamples() {
        Map<String, List<String>> in = new LinkedHashMap<>();
        in.put("Connection", List.of("keep-alive, X-Secret"));
        in.put("X-Secret", List.of("s"));
        in.put("Proxy-Foo", List.of("bar"));
        in.put("Content-Length", List.of("2"));
        in.put("Set-Cookie", List.of("a=1", "b=2"));
        in.put("Via", List.of("1.0 cache-a"));
        assertEquals(Map.of("Set-Cookie", List.of("a=1", "b=2"), "Via", List.of("1.0 cache-a, 1.1 gw-a")),
                ForwardHeaders.response(in, "1.1", "gw-a"));
        assertEquals(Map.of("Via", List.of("1.1 gw-a")), ForwardHeaders.response(Map.of(), "1.1", "gw-a"));
        assertFalse(ForwardHeaders.returned("Proxy-Status", ForwardHeaders.HOP_BY_HOP));
    }

    private static Map<String, String> flat(List<Map.Entry<String, String>> headers) {
        Map<String, String> flat = new LinkedHashMap<>();
        headers.forEach(e -> flat.put(e.getKey(), e.getValue()));
        return flat;
    }
}

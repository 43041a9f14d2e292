package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quicktheories.core.Gen;

class AddressTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            localhost:8080                | http://localhost:8080
            LocalHost:8080/               | http://localhost:8080
            [::1]:9000                    | http://[::1]:9000
            HTTP://LocalHost:8080/        | http://localhost:8080
            http://10.0.0.1:80            | http://10.0.0.1
            https://svc.example:443/api// | https://svc.example/api
            https://svc.example:8443/Api  | https://svc.example:8443/Api
            http://[::1]:9000             | http://[::1]:9000
            http://host:65535             | http://host:65535
            """)
    void normalisesOneReplicaToOneSpelling(String raw, String normalised) {
        assertEquals(normalised, Address.parse(raw).url());
    }

    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                         | address must not be empty
            ftp://host:21              | must be http:// or https://
            http://                    | is not a URL
            http://user:pw@host:1      | must not carry user info
            http://host:1/x?y=1        | must not have a query or fragment
            http://host:1/#frag        | must not have a query or fragment
            http://host:0              | has port 0
            http://host:70000          | has port 70000
            http://ho st:1             | is not a URL
            http://under_score:1       | has no valid host
            http://host:/x             | has an empty port
            http://host:1/café         | must be ASCII
            """)
    void rejectsWhatIsNotAReplicaUrl(String raw, String reason) {
        var e = assertThrows(IllegalArgumentException.class, () -> Address.parse(raw));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertTrue(e.getMessage().contains(RULE), "names the rule: " + e.getMessage());
    }

    private static final String RULE = "expected http(s)://host[:port][/base] or host:port";

    /** Each was accepted before: the last two as http://https/example.com and http://http/localhost:9001. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            garbage
            localhost9001
            https:/example.com
            http:/localhost:9001
            localhost:9001/base
            localhost:
            :9001
            user@localhost:9001
            localhost:9001?x
            http:localhost:9001
            """)
    void aStringWithoutSchemeIsAcceptedOnlyAsHostColonPort(String raw) {
        var e = assertThrows(IllegalArgumentException.class, () -> Address.parse(raw), () -> "accepted as " + Address.parse(raw));
        assertEquals("address '" + raw + "' is not host:port; " + RULE, e.getMessage());
    }

    /** Fragments that make URL-like strings, well- and ill-formed. */
    private static Gen<String> urlish() {
        Gen<String> piece = arbitrary().pick("http", "https", "HTTP", "ftp", "://", ":/", ":", "/", "//", "h", "Host", "ex.com",
                "1", "80", "443", "9001", "65536", "[::1]", "[", ".", "@", "?", "#", "%20", "%2F", "_", "-", "a b", "\u00e9");
        return lists().of(piece).ofSizeBetween(1, 8).map(pieces -> String.join("", pieces));
    }

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[^\\]]*\\]|[^:/\\[\\]@?#]+):[0-9]+/?");

    @Test
    void anAcceptedAddressReparsesToItself() {
        qt().forAll(urlish().mix(spellings())).checkAssert(raw -> {
            Address parsed;
            try {
                parsed = Address.parse(raw);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().endsWith(RULE), e.getMessage());
                return;
            }
            assertEquals(parsed.url(), Address.parse(parsed.url()).url(), raw);
            assertTrue(parsed.url().startsWith("http://") || parsed.url().startsWith("https://"), parsed.url());
        });
    }

    @Test
    void withoutSchemeOnlyHostColonPortIsAccepted() {
        qt().forAll(urlish()).assuming(raw -> !raw.contains("://")).checkAssert(raw -> {
            boolean accepted;
            try {
                Address.parse(raw);
                accepted = true;
            } catch (IllegalArgumentException e) {
                accepted = false;
            }
            if (accepted) assertTrue(HOST_PORT.matcher(raw).matches(), "accepted without being host:port: " + raw);
        });
    }

    @Test
    void resolvesTheClientPathAndQueryAgainstTheBase() {
        Address a = Address.parse("http://h:1/base");
        assertEquals("http://h:1/base/x/y?q=1%202", a.resolve("/x/y", "q=1%202").toString());
        assertEquals("http://h:1/base/", a.resolve("/", null).toString());
    }

    /** Spellings of the same replica: case, default ports, trailing slashes, a missing scheme (then host:port only). */
    private static Gen<String> spellings() {
        Gen<String> scheme = arbitrary().pick("http://", "HTTP://", "Http://", "https://", "");
        Gen<String> host = strings().betweenCodePoints('a', 'z').ofLengthBetween(1, 12)
                .zip(arbitrary().pick("", ".local", ".EXAMPLE.com"), (h, d) -> h + d)
                .zip(booleansAsCase(), (h, upper) -> upper ? h.toUpperCase() : h);
        Gen<String> port = integers().between(1, 65535).map(p -> ":" + p).mix(arbitrary().pick(":80", ":443", ""));
        Gen<String> path = arbitrary().pick("", "/", "/api", "/api/", "/a/b//");
        return scheme.zip(host, port, path, (s, h, p, x) -> !s.isEmpty() ? s + h + p + x
                : p.isEmpty() ? "http://" + h + x
                : h + p + (x.equals("/") ? "/" : ""));
    }

    private static Gen<Boolean> booleansAsCase() {
        return arbitrary().pick(true, false);
    }

    @Test
    void normalisingIsIdempotent() {
        qt().forAll(spellings()).checkAssert(raw -> {
            Address once = Address.parse(raw);
            assertEquals(once, Address.parse(once.url()));
        });
    }

    @Test
    void normalisedAddressesHaveNoUpperCaseHostNoTrailingSlashNoDefaultPort() {
        qt().forAll(spellings()).checkAssert(raw -> {
            String url = Address.parse(raw).url();
            String authority = url.substring(url.indexOf("://") + 3).split("/")[0];
            assertEquals(authority.toLowerCase(), authority);
            assertTrue(!url.endsWith("/"), url);
            assertTrue(!(url.startsWith("http://") && authority.endsWith(":80")) && !(url.startsWith("https://") && authority.endsWith(":443")), url);
        });
    }

    @Test
    void theLengthLimitIsInclusive() {
        String base = "http://h:1/";
        String longest = base + "a".repeat(Address.MAX_LENGTH - base.length());
        assertEquals(longest, Address.parse(longest).url());
        var e = assertThrows(IllegalArgumentException.class, () -> Address.parse(longest + "a"));
        assertTrue(e.getMessage().startsWith("address is longer than 2048 characters"), e.getMessage());
    }

    @Test
    void controlCharactersAreRefusedAsNotPrintableAscii() {
        for (String raw : java.util.List.of("http://host:1/a\u007f", "http://host:1/a\u001f", "host:1\t")) {
            var e = assertThrows(IllegalArgumentException.class, () -> Address.parse(raw));
            assertTrue(e.getMessage().contains("must be ASCII"), e.getMessage());
        }
        assertEquals("http://host:1/~", Address.parse("http://host:1/~").url(), "'~' (0x7e) is the last printable one");
    }
}

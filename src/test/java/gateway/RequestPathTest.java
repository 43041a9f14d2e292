package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.lists;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quicktheories.core.Gen;

class RequestPathTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /                  | /
            /a/b               | /a/b
            /a/./b             | /a/b
            /a/b/../c          | /a/c
            /a/%2e%2e/c        | /c
            /a/.%2E/c          | /c
            /a/%2E./c          | /c
            /a/%2e/c           | /a/c
            /a/b/..            | /a/
            /a/b/.             | /a/b/
            /a/..              | /
            /.                 | /
            /a//../b           | /a/b
            /a/...             | /a/...
            /a/.b/c..          | /a/.b/c..
            /a/%2e%2e%2e       | /a/%2e%2e%2e
            /a%2Fb             | /a%2Fb
            /a/%2F             | /a/%2F
            /a/.%2Fb           | /a/.%2Fb
            """)
    void dotSegmentsAreRemovedInEveryEncoding(String raw, String forwarded) {
        assertEquals(forwarded, RequestPath.removeDotSegments(raw));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /..                 | climbs above the service's root
            /../admin           | climbs above the service's root
            /%2e%2e/admin       | climbs above the service's root
            /.%2e/admin         | climbs above the service's root
            /a/../../b          | climbs above the service's root
            /a/./../%2E%2E      | climbs above the service's root
            /%2E%2E%2Fadmin     | hides a dot-dot behind an encoded slash
            /..%2fadmin         | hides a dot-dot behind an encoded slash
            /a%2F..%2Fb         | hides a dot-dot behind an encoded slash
            /a/x%2f%2e%2e       | hides a dot-dot behind an encoded slash
            /a/..%5Cadmin       | hides a dot-dot behind an encoded slash
            """)
    void aPathThatWouldLeaveTheServiceIsRefused(String raw, String reason) {
        var e = assertThrows(IllegalArgumentException.class, () -> RequestPath.removeDotSegments(raw));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /svc/x              | /svc/x
            /svc/x?q=1          | /svc/x
            //echo/x            | //echo/x
            ///x                | ///x
            //echo              | //echo
            http://h:1/svc/x?q  | /svc/x
            http://h:1//echo/x  | //echo/x
            /svc/a%20b          | /svc/a%20b
            /svc/!a~            | /svc/!a~
            """)
    void theRawPathIsTheOneTheClientSent(String target, String path) {
        assertEquals(path, RequestPath.of(URI.create(target)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /svc/é            | must be ASCII
            /svc/x?q=é        | must be ASCII
            svc/x             | must be /PATH or an absolute URL
            *                 | must be /PATH or an absolute URL
            mailto:x          | must be /PATH or an absolute URL
            """)
    void aTargetThatCannotBeForwardedAsSentIsRefused(String target, String reason) {
        var e = assertThrows(IllegalArgumentException.class, () -> RequestPath.of(URI.create(target)));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    /** Segments that are dot segments in some encoding, hide one behind an encoded slash, or are plain. */
    private static final List<String> PLAIN = List.of("a", "b", "", "a.b", "...", ".x", "x.", "%2e%2e%2e", "a%2Fb", "%2F", ".%2Fb", "%20");
    private static final List<String> DOTS = List.of(".", "..", "%2e", "%2E", ".%2e", "%2E.", "%2e%2E");
    private static final List<String> HIDDEN = List.of("..%2F", "%2E%2E%2Fadmin", "a%2f..", "x%5C%2e%2E");

    private static Gen<String> paths(List<String> segments) {
        return lists().of(arbitrary().pick(segments)).ofSizeBetween(0, 8).map(list -> "/" + String.join("/", list));
    }

    private static String decodedDots(String segment) {
        return segment.toLowerCase(Locale.ROOT).replace("%2e", ".");
    }

    private static boolean isDotSegment(String segment) {
        String s = decodedDots(segment);
        return s.equals(".") || s.equals("..");
    }

    /** The model: the depth below the service's root never goes negative, and no dot-dot hides behind %2F or %5C. */
    private static boolean staysInside(String path) {
        int depth = 0;
        for (String segment : path.substring(1).split("/", -1)) {
            for (String piece : segment.split("(?i)%2f|%5c", -1)) {
                if (piece.length() < segment.length() && decodedDots(piece).equals("..")) return false;
            }
            String s = decodedDots(segment);
            if (s.equals("..")) {
                if (--depth < 0) return false;
            } else if (!s.equals(".")) {
                depth++;
            }
        }
        return true;
    }

    @Test
    void theOutputHasNoDotSegmentAndNeverClimbsAboveTheRoot() {
        List<String> all = new java.util.ArrayList<>(PLAIN);
        all.addAll(DOTS);
        all.addAll(HIDDEN);
        qt().forAll(paths(all)).checkAssert(path -> {
            String out;
            try {
                out = RequestPath.removeDotSegments(path);
            } catch (IllegalArgumentException e) {
                assertFalse(staysInside(path), "refused a path that stays inside: " + path);
                return;
            }
            assertTrue(staysInside(path), "accepted a path that leaves the root: " + path + " -> " + out);
            assertTrue(out.startsWith("/"), out);
            for (String segment : out.substring(1).split("/", -1)) {
                assertFalse(isDotSegment(segment), path + " -> " + out);
            }
            assertEquals(out, RequestPath.removeDotSegments(out), "idempotent");
        });
    }

    @Test
    void aPathWithoutDotSegmentsIsForwardedUnchanged() {
        qt().forAll(paths(PLAIN)).checkAssert(path -> assertEquals(path, RequestPath.removeDotSegments(path)));
    }
}

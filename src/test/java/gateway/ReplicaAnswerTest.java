package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplicaAnswerTest {

    /** One header line "Name: value" ('|' separates a second line of the same name), or none. */
    private static Map<String, List<String>> headers(String line) {
        if (line == null) return Map.of();
        String name = line.substring(0, line.indexOf(':'));
        return Map.of(name, List.of(line.substring(line.indexOf(':') + 1).strip().split("\\|")));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = ';', nullValues = "-", textBlock = """
            200; Content-Length: 5;                -
            200; content-length: 5|5;              -
            200; Content-Length: 0;                -
            200; Transfer-Encoding: chunked;       -
            200; transfer-encoding:  Chunked ;     -
            100; -;                                -
            599; -;                                -
            99;  -;                                status 99 is not in 100-599
            600; -;                                status 600 is not in 100-599
            999; -;                                status 999 is not in 100-599
            200; Content-Length: 3|5;              two Content-Lengths, 3 and 5
            200; Content-Length: -1;               Content-Length '-1' is not one number
            200; Content-Length: +5;               Content-Length '+5' is not one number
            200; Content-Length: 5, 5;             Content-Length '5, 5' is not one number
            200; Content-Length: ;                 Content-Length '' is not one number
            200; Content-Length: 1234567890123456789; Content-Length '1234567890123456789' is not one number
            200; Content-Length: 123456789012345678;  -
            200; Transfer-Encoding: gzip, chunked; Transfer-Encoding 'gzip, chunked' is not 'chunked' alone
            200; Transfer-Encoding: chunked|chunked; Transfer-Encoding 'chunked' is not 'chunked' alone
            200; Transfer-Encoding: identity;      Transfer-Encoding 'identity' is not 'chunked' alone
            """)
    void anAnswerIsRelayedOnlyWithAStatusInRangeAndOneFraming(int status, String header, String reason) {
        assertEquals(Optional.ofNullable(reason), ReplicaAnswer.malformed(status, headers(header)));
    }

    @Test
    void aHeaderThatCouldSplitALineIsRefused() {
        for (String value : List.of("a\rb", "a\nb", "a\0b", "a\r\n b", "\r")) {
            assertEquals(Optional.of("header X-A holds CR, LF or NUL"), ReplicaAnswer.malformed(200, Map.of("X-A", List.of("ok", value))),
                    value);
        }
        for (String name : List.of("X-A\rB", "X-\0", "\n")) {
            assertEquals(Optional.of("a header name holds CR, LF or NUL"), ReplicaAnswer.malformed(200, Map.of(name, List.of("v"))), name);
        }
    }

    @Test
    void contentLengthBesideTransferEncodingIsRefused() {
        Map<String, List<String>> both = new LinkedHashMap<>();
        both.put("Content-Length", List.of("3"));
        both.put("Transfer-Encoding", List.of("chunked"));
        assertEquals(Optional.of("both Content-Length and Transfer-Encoding"), ReplicaAnswer.malformed(200, both));
    }
}

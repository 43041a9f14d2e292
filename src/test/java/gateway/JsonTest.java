package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway's own JSON reader and writer, checked against an independent one (jackson-databind's
 * ObjectMapper, which the gateway itself no longer carries).
 */
class JsonTest {

    static Object read(String text) throws Exception {
        return Json.read(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anyStringsAndNumbersAreWrittenAsAnObjectMapperReadsThemBack() { // control characters, quotes, non-ASCII
        qt().forAll(strings().betweenCodePoints(0, 0xD7FF).ofLengthBetween(0, 40), lists().of(longs().all()).ofSizeBetween(0, 5),
                integers().all()).checkAssert((text, numbers, n) -> {
            Map<String, Object> value = new LinkedHashMap<>();
            value.put(text, List.of(text, n));
            value.put("numbers", numbers);
            value.put("none", null);
            value.put("yes", true);
            try {
                byte[] written = Json.write(value);
                Object back = Client.JSON.readValue(written, new TypeReference<Map<String, Object>>() {});
                Map<String, Object> expected = new LinkedHashMap<>(value);
                expected.put("numbers", numbers.stream().map(JsonTest::asReadBack).toList());
                assertEquals(expected, back, "as an ObjectMapper reads it");
                assertEquals(expected, Json.read(written), "as the gateway reads it");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    /** Both readers give a number that fits an int as an Integer. */
    private static Object asReadBack(long n) {
        return n == (int) n ? (Object) (int) n : (Object) n;
    }

    record View(String address, Long failures, int ejections) {}

    @Test
    void aRecordIsAnObjectOfItsComponentsInOrderWithoutTheNullOnes() {
        assertEquals("{\"address\":\"http://h:1\",\"failures\":3,\"ejections\":0}",
                new String(Json.write(new View("http://h:1", 3L, 0)), StandardCharsets.UTF_8));
        assertEquals("{\"address\":\"http://h:1\",\"ejections\":2}",
                new String(Json.write(new View("http://h:1", null, 2)), StandardCharsets.UTF_8));
    }

    @Test
    void otherNumbersAreWrittenAsNumbersAndOtherValuesAsTheirText() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("ratio", 0.5);
        value.put("state", Thread.State.NEW);
        assertEquals("{\"ratio\":0.5,\"state\":\"NEW\"}", new String(Json.write(value), StandardCharsets.UTF_8));
    }

    @Test
    void readsObjectsInTheirOrderArraysAndScalars() throws Exception {
        assertEquals(Map.of("a", List.of("x", 1, true), "b", Map.of()), read(" {\"a\": [\"x\", 1, true], \"b\": {}} "));
        assertEquals(List.of("b", "a"), List.copyOf(((Map<?, ?>) read("{\"b\":1,\"a\":2}")).keySet()));
        assertEquals("\u00e9\n", read("\"\\u00e9\\n\""));
        assertEquals(null, read("null"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"service\":\"a\",\"service\":\"b\"}", // a key twice: which one wins depends on the parser
            "{\"service\":\"a\"} {\"service\":\"b\"}", // a second value after the first
            "{\"service\":\"a\"}x",
            "[1,2",
            "",
            "   ",
            "{\"a\":01}",
            "{'a':1}",
    })
    void whatIsNotExactlyOneJsonValueIsRefused(String text) {
        assertThrows(JsonProcessingException.class, () -> read(text), text);
    }

    @Test
    void theMessageOfARefusalSaysWhatWasWrong() {
        var e = assertThrows(JsonProcessingException.class, () -> read("{\"a\":1,\"a\":2}"));
        assertTrue(e.getOriginalMessage().contains("Duplicate field 'a'"), e.getOriginalMessage());
        e = assertThrows(JsonProcessingException.class, () -> read("{} []"));
        assertTrue(e.getOriginalMessage().contains("Trailing token"), e.getOriginalMessage());
    }
}

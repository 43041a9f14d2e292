package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegistrationTest {

    private static Object json(String text) throws Exception {
        return Json.read(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void readsServiceAndNormalisedAddress() throws Exception {
        Registration r = Registration.fromJson(json("{\"service\":\"client-service\",\"address\":\"LOCALHOST:81/\"}"));
        assertEquals(new Registration("client-service", Address.parse("http://localhost:81")), r);
    }

    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            []                                            | body must be a JSON object
            {"address":"h:1"}                             | missing field 'service'
            {"service":"s"}                               | missing field 'address'
            {"service":null,"address":"h:1"}              | missing field 'service'
            {"service":7,"address":"h:1"}                 | field 'service' must be a string
            {"service":"s","address":["h:1"]}             | field 'address' must be a string
            {"service":"a b","address":"h:1"}             | service 'a b' must be 1-64 of A-Z a-z 0-9 . _ -
            {"service":"register","address":"h:1"}        | service 'register' is a reserved name
            {"service":"..","address":"h:1"}              | service '..' is a reserved name
            {"service":"s","address":"ftp://h:1"}         | address 'ftp://h:1' must be http:// or https://; expected http(s)://host[:port][/base] or host:port
            """)
    void saysWhichFieldIsWrong(String body, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> Registration.fromJson(json(body)));
        assertEquals(message, e.getMessage());
    }

    @Test
    void namesAreValidExactlyWhenTheyMatchTheRule() {
        qt().forAll(strings().ascii().ofLengthBetween(0, 70)).checkAssert(name -> {
            boolean expected = name.matches("[A-Za-z0-9._-]{1,64}") && !Registration.RESERVED.contains(name)
                    && !name.equals(".") && !name.equals("..");
            assertEquals(expected, Registration.isValidName(name), name);
        });
        assertTrue(Registration.isValidName("a".repeat(64)));
        assertFalse(Registration.isValidName("a".repeat(65)));
    }

    @Test
    void checkNameReturnsTheNameItAccepted() {
        assertEquals("client-service", Registration.checkName("client-service"));
        assertEquals("a", Registration.checkName("a"));
    }
}

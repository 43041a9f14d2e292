package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedisUrlTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(nullValues = "null", textBlock = """
            # url                                  | tls   | host             | port | user | password    | db
            redis://localhost                      | false | localhost        | 6379 | null | null        | 0
            redis://127.0.0.1:6380/2               | false | 127.0.0.1        | 6380 | null | null        | 2
            REDIS://Cache.example:1/15             | false | Cache.example    | 1    | null | null        | 15
            rediss://cache.example.com:6380        | true  | cache.example.com| 6380 | null | null        | 0
            redis://:s3cret@host                   | false | host             | 6379 | null | s3cret      | 0
            redis://gw:s3cret@host:7000/1          | false | host             | 7000 | gw   | s3cret      | 1
            redis://gw:p%40ss%2Fw+rd@host          | false | host             | 6379 | gw   | p@ss/w+rd   | 0
            redis://gw:p@ss/w?r:d@host:7000/1      | false | host             | 7000 | gw   | p@ss/w?r:d  | 1
            redis://[::1]:6380                     | false | ::1              | 6380 | null | null        | 0
            redis://[::1]                          | false | ::1              | 6379 | null | null        | 0
            redis://h:65535/123456789              | false | h                | 65535| null | null        | 123456789
            """, delimiter = '|')
    void parsesGoodUrls(String url, boolean tls, String host, int port, String user, String password, int db) {
        assertEquals(new RedisUrl(tls, host, port, user, password, db), RedisUrl.parse(url));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(textBlock = """
            # url                      | what the message says
            ''                         | expected redis://
            localhost:6379             | expected redis://
            http://host:6379           | scheme must be redis or rediss
            redis://                   | host is missing
            redis://:6379              | host is missing
            redis://host:              | port '' is not a number
            redis://host:abc           | port 'abc' is not a number
            redis://host:0             | port must be in 1..65535
            redis://host:70000         | port must be in 1..65535
            redis://host:65536         | port must be in 1..65535
            ://host                    | scheme must be redis or rediss
            redis:///0                 | host is missing
            redis://host/1234567890    | database '1234567890' is too large
            redis://@host              | credentials must be user:password or :password
            redis://host:99999999999   | port '99999999999' is too large
            redis://host/x             | database 'x' is not a number
            redis://host/-1            | database '-1' is not a number
            redis://host/0/1           | database '0/1' is not a number
            redis://host?timeout=1     | query and fragment are not supported
            redis://user@host          | credentials must be user:password or :password
            redis://user:@host         | password is empty
            redis://u:p%zz@host        | credentials have a bad %-escape
            redis://[::1               | IPv6 host has no closing ']'
            redis://[::1]x             | expected ':port' after the IPv6 host
            """, delimiter = '|')
    void rejectsBadUrlsNamingTheValueAndTheProblem(String url, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse(url));
        String shown = url.replaceAll("//.*@", "//***@"); // credentials hidden
        assertTrue(e.getMessage().startsWith("redis url '" + shown + "' is invalid: "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void rejectsAMissingUrl() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse(null));
        assertTrue(e.getMessage().startsWith("redis url is missing"), e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "redis://u:hunter2@host:bad",
        "redis://u:hunter2@host/x",
        "redis://u:hunter2@",
        "http://u:hunter2@host",
        "u:hunter2@host",
        "redis://u:hunter2%zz@host",
        "redis://u:hun/ter2@host:bad",
        "redis://u:hun:ter2@host?x",
        "redis://hunter2@host",
    })
    void badUrlMessagesNeverShowThePassword(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse(url));
        assertFalse(e.getMessage().contains("hun"), e.getMessage());
        assertFalse(e.getMessage().contains("ter2"), e.getMessage());
        assertTrue(e.getMessage().contains("***@"), e.getMessage());
    }

    @Test
    void toStringHidesThePassword() {
        assertEquals("redis://gw:***@host:6380/1", RedisUrl.parse("redis://gw:hunter2@host:6380/1").toString());
        assertEquals("rediss://:***@host:6379/0", RedisUrl.parse("rediss://:hunter2@host").toString());
        assertEquals("redis://host:6379/0", RedisUrl.parse("redis://host").toString());
        assertEquals("redis://[::1]:6379/0", RedisUrl.parse("redis://[::1]").toString());
    }

    @Test
    void theAuthorityIsHostAndPort() {
        assertEquals("host:6380", RedisUrl.parse("redis://u:hunter2@host:6380/3").authority());
        assertEquals("[::1]:6379", RedisUrl.parse("redis://[::1]").authority());
    }

    @Test
    void redactingHidesEverythingBeforeTheLastAtEvenWhenTheUrlDoesNotParse() {
        assertEquals("redis://***@host", RedisUrl.redact("redis://u:p@ss@host"));
        assertEquals("://***@host", RedisUrl.redact("://u:p@host"), "the scheme separator stays, even with no scheme");
        assertEquals("***@host", RedisUrl.redact("u:p@host"));
        assertEquals("***@host", RedisUrl.redact("@host"));
        assertEquals("***@host/a://b", RedisUrl.redact("u:p@host/a://b"), "a '://' after the '@' is not the scheme's");
        assertEquals("redis://host", RedisUrl.redact("redis://host"));
    }

    @Test
    void theConstructorTakesEveryPortAndDatabaseThatParseTakes() {
        assertEquals(1, new RedisUrl(false, "host", 1, null, null, 0).port());
        assertEquals(65535, new RedisUrl(false, "host", 65535, null, null, 0).port());
        assertEquals(0, new RedisUrl(false, "host", 6379, null, null, 0).database());
        assertEquals("gw", new RedisUrl(false, "host", 6379, "gw", "pw", 0).user());
        assertThrows(IllegalArgumentException.class, () -> new RedisUrl(false, "host", 65536, null, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new RedisUrl(false, null, 6379, null, null, 0));
    }

    @Test
    void theConstructorRejectsWhatParseWouldNot() {
        assertThrows(IllegalArgumentException.class, () -> new RedisUrl(false, " ", 6379, null, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new RedisUrl(false, "host", 0, null, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new RedisUrl(false, "host", 6379, null, null, -1));
        assertThrows(IllegalArgumentException.class, () -> new RedisUrl(false, "host", 6379, "gw", null, 0));
    }
}

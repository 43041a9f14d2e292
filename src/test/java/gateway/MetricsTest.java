package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void labelValuesEscapeBackslashQuoteAndLineFeedOnly() {
        assertEquals("plain http://127.0.0.1:80", Metrics.escape("plain http://127.0.0.1:80"));
        assertEquals("a\\\\b\\\"c\\nd\re\tf", Metrics.escape("a\\b\"c\nd\re\tf"));
    }

    @Test
    void anyLabelValueEscapedIsReadBackAsItWas() {
        qt().forAll(strings().allPossible().ofLengthBetween(0, 40)).checkAssert(value -> {
            Exposition.Sample s = Exposition.sample("m{replica=\"" + Metrics.escape(value) + "\",outcome=\"x\"} 1");
            assertEquals(Map.of("replica", value, "outcome", "x"), s.labels());
        });
    }

    @Test
    void labelValuesMadeOfTheEscapedCharactersAreReadBackToo() {
        qt().forAll(strings().betweenCodePoints('\n', '\\').ofLengthBetween(0, 20)).checkAssert(value -> {
            String only = value.replaceAll("[^\\n\"\\\\]", "");
            assertEquals(only, Exposition.sample("m{l=\"" + Metrics.escape(only) + "\"} 1").labels().get("l"));
        });
    }
}

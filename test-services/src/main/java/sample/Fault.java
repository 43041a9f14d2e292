package sample;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What this replica does wrong, on purpose: every failure the gateway's breaker handles. A fault
 * hits each request (except {@code /fault} itself) with probability {@code fraction}. Immutable.
 */
record Fault(Mode mode, Duration hang, double fraction) {

    static final Fault NONE = new Fault(Mode.NONE, Duration.ofMillis(Config.DEFAULT_HANG_MS), 1);

    enum Mode {
        /** Healthy. */
        NONE,
        /** Answer 503 Service Unavailable. */
        STATUS_503,
        /** Hold the request for {@link Fault#hang()}, then answer it as usual: a slow replica. */
        HANG,
        /** Close the connection without a byte of answer: a crashing replica. */
        CLOSE;

        /** As written in flags and JSON: {@code none}, {@code 503}, {@code hang}, {@code close}. */
        @Override
        public String toString() {
            return this == STATUS_503 ? "503" : name().toLowerCase(Locale.ROOT);
        }

        static Mode parse(String text) {
            for (Mode m : values()) {
                if (m.toString().equals(text.strip())) return m;
            }
            throw new IllegalArgumentException("'" + text + "' is not none, 503, hang or close");
        }
    }

    Fault {
        Objects.requireNonNull(mode, "mode");
        if (hang.isNegative()) throw new IllegalArgumentException("hangMs must be 0 or more");
        if (!(fraction >= 0 && fraction <= 1)) throw new IllegalArgumentException("fraction must be from 0 to 1");
    }

    /**
     * {@code {"mode": "none|503|hang|close", "hangMs": N, "fraction": F}}; a field left out keeps
     * its value in {@code current}, except that a new mode starts with fraction 1.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    static Fault fromJson(JsonNode json, Fault current) {
        if (json == null || !json.isObject()) throw new IllegalArgumentException("expected {\"mode\": \"none|503|hang|close\", \"hangMs\": N, \"fraction\": F}");
        for (var names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("mode") && !name.equals("hangMs") && !name.equals("fraction")) {
                throw new IllegalArgumentException("unknown field '" + name + "'; expected mode, hangMs, fraction");
            }
        }
        Mode mode = current.mode;
        double fraction = current.fraction;
        if (json.has("mode")) {
            if (!json.get("mode").isTextual()) throw new IllegalArgumentException("mode: expected none, 503, hang or close");
            mode = Mode.parse(json.get("mode").asText());
            fraction = 1;
        }
        Duration hang = current.hang;
        if (json.has("hangMs")) {
            if (!json.get("hangMs").isIntegralNumber()) throw new IllegalArgumentException("hangMs: expected a whole number");
            hang = Duration.ofMillis(json.get("hangMs").asLong());
        }
        if (json.has("fraction")) {
            if (!json.get("fraction").isNumber()) throw new IllegalArgumentException("fraction: expected a number from 0 to 1");
            fraction = json.get("fraction").asDouble();
        }
        return new Fault(mode, hang, fraction);
    }

    Map<String, Object> toJson() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("mode", mode.toString());
        body.put("hangMs", hang.toMillis());
        body.put("fraction", fraction);
        return body;
    }
}

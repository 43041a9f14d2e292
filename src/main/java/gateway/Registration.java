package gateway;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** One replica of one service, as {@code POST /register} names it. Immutable; always valid. */
record Registration(String service, Address address) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * First path segments that are the gateway's own, so no service may take them: exactly the
     * paths it answers itself (so Router can tell them from proxied requests, which it counts).
     */
    static final Set<String> RESERVED = Set.of("register", "services", "health", "metrics");

    Registration {
        checkName(service);
    }

    /** @throws IllegalArgumentException saying why {@code name} cannot be a service name */
    static String checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("service '" + name + "' must be 1-64 of A-Z a-z 0-9 . _ -");
        }
        if (reserved(name)) throw new IllegalArgumentException("service '" + name + "' is a reserved name");
        return name;
    }

    static boolean isValidName(String name) {
        return NAME.matcher(name).matches() && !reserved(name);
    }

    /** The gateway's own paths, and the dot segments a URL would normalise away. */
    private static boolean reserved(String name) {
        return RESERVED.contains(name) || name.equals(".") || name.equals("..");
    }

    /**
     * Reads {@code {"service": NAME, "address": URL}}, as {@link Json#read} gives it.
     *
     * @throws IllegalArgumentException naming the missing, mistyped or invalid field
     */
    static Registration fromJson(Object body) {
        if (!(body instanceof Map<?, ?> object)) throw new IllegalArgumentException("body must be a JSON object");
        return new Registration(text(object, "service"), Address.parse(text(object, "address")));
    }

    private static String text(Map<?, ?> body, String field) {
        Object value = body.get(field);
        if (value == null) throw new IllegalArgumentException("missing field '" + field + "'");
        if (!(value instanceof String text)) throw new IllegalArgumentException("field '" + field + "' must be a string");
        return text;
    }
}

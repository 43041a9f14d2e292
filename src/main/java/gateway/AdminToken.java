package gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;

/**
 * Who may use the gateway's own endpoints: the one place that decides. With a token, writes need
 * {@code Authorization: Bearer TOKEN} (RFC 6750 §2.1), and reads too when {@code protectReads};
 * {@link #NONE} lets everyone in. The secret is compared in constant time and never printed (not
 * even by {@link #toString()}). Immutable; thread-safe.
 */
final class AdminToken {

    /** No token: every request may read and write (the gateway warns at start). */
    static final AdminToken NONE = new AdminToken(new byte[0], false);

    /** What a request wants to do. */
    enum Access { READ, WRITE }

    private static final String SCHEME = "bearer"; // compared case-insensitively (RFC 9110 §11.1)

    private final byte[] secret;
    private final boolean protectReads;

    private AdminToken(byte[] secret, boolean protectReads) {
        this.secret = secret;
        this.protectReads = protectReads;
    }

    /**
     * A token that guards writes, and reads too when {@code protectReads}.
     *
     * @throws IllegalArgumentException when {@code secret} is empty or not printable ASCII without
     *         spaces (it could not be sent in a header); the message never contains it
     */
    static AdminToken of(String secret, boolean protectReads) {
        if (secret.isEmpty()) throw new IllegalArgumentException("the admin token is empty");
        for (int i = 0; i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (c < '!' || c > '~') {
                throw new IllegalArgumentException("the admin token must be printable ASCII without spaces (character "
                        + (i + 1) + " is not)");
            }
        }
        return new AdminToken(secret.getBytes(StandardCharsets.US_ASCII), protectReads);
    }

    boolean isNone() {
        return secret.length == 0;
    }

    boolean protectsReads() {
        return protectReads;
    }

    /**
     * Lets the request through, or refuses it with 401 and {@code WWW-Authenticate: Bearer}.
     * Reads only the request's headers, so a refusal comes before any byte of the body is read.
     *
     * @throws HttpError 401 when this access needs the token and the request does not carry it
     */
    void check(Exchange exchange, Access access) {
        if (isNone() || (access == Access.READ && !protectReads)) return;
        List<String> given = exchange.getRequestHeaders().getOrDefault("Authorization", List.of());
        if (given.isEmpty()) throw unauthorized("this needs the admin token: Authorization: Bearer TOKEN");
        if (given.size() > 1 || !matches(given.getFirst())) throw unauthorized("the admin token is missing or wrong");
    }

    /** {@code Bearer} (any case), one or more spaces, then exactly the secret. */
    private boolean matches(String authorization) {
        int space = authorization.indexOf(' ');
        if (space < 0 || !authorization.substring(0, space).toLowerCase(Locale.ROOT).equals(SCHEME)) return false;
        byte[] presented = authorization.substring(space).strip().getBytes(StandardCharsets.ISO_8859_1);
        // The secret first: isEqual's time depends on the first array's length only, never on
        // how much of the presented token is right, nor on its length.
        return MessageDigest.isEqual(secret, presented);
    }

    private static HttpError unauthorized(String message) {
        return HttpError.unauthorized(message, "Bearer realm=\"gateway\"");
    }

    /** Never the secret: a Config, and so this, may end up in a log line or a test's failure message. */
    @Override
    public String toString() {
        return isNone() ? "AdminToken[none]" : "AdminToken[set" + (protectReads ? ", reads protected" : "") + "]";
    }

    /** Equal when both are none, or hold the same secret and setting (for Config's equality in tests). */
    @Override
    public boolean equals(Object o) {
        return o instanceof AdminToken t && MessageDigest.isEqual(secret, t.secret) && protectReads == t.protectReads;
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(protectReads); // not of the secret: nothing about it leaks through a hash
    }
}

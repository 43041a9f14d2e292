package gateway;

/** The store could not be reached or answered wrongly; clients see it as 503. */
final class StoreException extends RuntimeException {
    StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}

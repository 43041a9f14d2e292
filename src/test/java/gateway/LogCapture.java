package gateway;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what one of the gateway's loggers logs while a test runs; {@link #close()} detaches it.
 * Loggers are JVM-wide, so every gateway in the test JVM logs into it. Thread-safe.
 */
final class LogCapture extends Handler implements AutoCloseable {

    private final Logger logger; // held: the logging system keeps loggers only weakly
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
    }

    static LogCapture of(Class<?> owner) {
        LogCapture capture = new LogCapture(Log.get(owner));
        capture.setLevel(Level.ALL);
        capture.logger.addHandler(capture);
        return capture;
    }

    /** Messages logged at {@code level} that contain {@code text}. */
    List<String> messages(Level level, String text) {
        return records.stream().filter(r -> r.getLevel().equals(level)).map(LogRecord::getMessage)
                .filter(m -> m.contains(text)).toList();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}

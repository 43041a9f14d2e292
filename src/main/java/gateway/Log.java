package gateway;

import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One log stream, on stderr, one line per event: {@code TIME LEVEL logger: message}. Stdout is
 * kept for the single "listening" line that scripts wait for.
 */
final class Log {

    private Log() {}

    static Logger get(Class<?> owner) {
        return Logger.getLogger(owner.getName());
    }

    /** Replaces the JDK's two-line console format; called once by the entry point. */
    static void configure() {
        Logger root = Logger.getLogger("");
        for (var handler : root.getHandlers()) root.removeHandler(handler);
        ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(new OneLine());
        console.setLevel(Level.ALL);
        root.addHandler(console);
        root.setLevel(Level.INFO);
        // Jedis logs a warning per dead pooled connection after a Redis restart; the gateway's own
        // store messages already say the store is down and when it is back.
        Logger.getLogger("redis.clients.jedis").setLevel(Level.SEVERE);
    }

    private static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            String name = r.getLoggerName() == null ? "" : r.getLoggerName().replace("gateway.", "");
            String thrown = r.getThrown() == null ? "" : " (" + r.getThrown() + ")";
            return Instant.ofEpochMilli(r.getMillis()) + " " + r.getLevel() + " " + name + ": "
                    + formatMessage(r) + thrown + System.lineSeparator();
        }
    }
}

package sample;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The sample replica's command line. {@link #run} returns the exit status instead of exiting, as
 * the gateway's Main does; only {@link #main} reads the real environment and exits.
 */
public final class Main {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Starts a replica, registers it, and blocks until SIGTERM, which deregisters it. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        List<String> argList = List.of(args);
        if (argList.contains("--help") || argList.contains("-h")) {
            out.print(Config.usage());
            return OK;
        }
        Config config;
        try {
            config = Config.parse(argList, env);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return BAD_USAGE;
        }
        Replica replica;
        try {
            replica = Replica.start(config, err);
        } catch (IOException e) {
            err.println("error: cannot start: " + e.getMessage());
            return FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            replica.close();
            stopped.countDown();
        }, "sample-shutdown"));
        out.println("sample listening on http://" + config.bind().getHostAddress() + ":" + replica.service().port()
                + " as " + replica.service().replica());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }
}

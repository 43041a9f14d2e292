package gateway;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The command line. {@link #run} returns the exit status instead of exiting, so that tests can
 * call it; only {@link #main} reads the real environment and exits.
 */
public final class Main {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Starts a gateway and blocks until it is stopped (SIGTERM, Ctrl-C). */
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
        Log.configure();
        JdkStack.limitProcess(config); // before the first HttpServer, which reads its limits once
        Gateway gateway;
        try {
            gateway = Gateway.start(config);
        } catch (IOException | RuntimeException e) {
            err.println("error: cannot start: " + e.getMessage());
            return FAILED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> gateway.close(config.shutdownGrace()), "gateway-shutdown"));
        out.println("gateway listening on " + gateway.uri());
        out.flush();
        gateway.awaitClose();
        return OK;
    }
}

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts a server process in the background and times how long it takes, from launch, to answer
 * its first request with a 200. The process keeps running after this program exits (its output
 * goes to files); the caller stops it by the printed pid. Loopback only, bounded in time.
 *
 * <pre>
 * java Launch.java --out FILE --err FILE [--port-from-stdout] [--register SERVICE=ADDRESS]...
 *                  --probe PATH [--port N] [--timeout-ms N] -- COMMAND...
 * </pre>
 *
 * With {@code --port-from-stdout} the port is read from the line
 * {@code gateway listening on http://HOST:PORT}; each {@code --register} is then POSTed to
 * {@code /register} before {@code --probe} is polled. Prints {@code pid=N port=N ready_ms=N first200_ms=N}.
 */
public final class Launch {

    private static final Pattern LISTENING = Pattern.compile("listening on http://[^\\s]*:(\\d+)");

    public static void main(String[] args) throws Exception {
        Path out = null, err = null;
        boolean portFromStdout = false;
        int port = -1;
        long timeoutMs = 20_000;
        String probe = "/";
        List<String[]> registrations = new ArrayList<>();
        List<String> command = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--err" -> err = Path.of(args[++i]);
                case "--port-from-stdout" -> portFromStdout = true;
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--timeout-ms" -> timeoutMs = Long.parseLong(args[++i]);
                case "--probe" -> probe = args[++i];
                case "--register" -> registrations.add(args[++i].split("=", 2));
                case "--" -> { for (i++; i < args.length; i++) command.add(args[i]); }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (out == null || err == null || command.isEmpty()) throw new IllegalArgumentException("need --out, --err and a command");
        warmUpOwnClasses();

        long t0 = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        long deadline = t0 + timeoutMs * 1_000_000;
        System.out.print("pid=" + process.pid());
        System.out.flush();
        long readyNanos = -1;
        if (portFromStdout) {
            while (port < 0) {
                if (!process.isAlive()) fail("exited with status " + process.exitValue() + " before listening", process);
                if (System.nanoTime() > deadline) fail("no listening line within " + timeoutMs + " ms", process);
                Matcher m = LISTENING.matcher(Files.readString(out, StandardCharsets.UTF_8));
                if (m.find()) port = Integer.parseInt(m.group(1));
                else Thread.sleep(1);
            }
            readyNanos = System.nanoTime() - t0;
        }
        if (port < 0) throw new IllegalArgumentException("need --port or --port-from-stdout");
        for (String[] r : registrations) {
            String body = "{\"service\":\"" + r[0] + "\",\"address\":\"" + r[1] + "\"}";
            int status = -1;
            while (status != 200 && status != 201) {
                if (System.nanoTime() > deadline) fail("registration of " + r[1] + " failed (status " + status + ")", process);
                status = request(port, "POST", "/register", body);
                if (status != 200 && status != 201) Thread.sleep(1);
            }
        }
        int status = -1;
        while (status != 200) {
            if (!process.isAlive()) fail("exited with status " + process.exitValue(), process);
            if (System.nanoTime() > deadline) fail("no 200 from " + probe + " within " + timeoutMs + " ms (last status " + status + ")", process);
            status = request(port, "GET", probe, null);
            if (status != 200) Thread.sleep(1);
        }
        long first = System.nanoTime() - t0;
        System.out.println(" port=" + port + " ready_ms=" + (readyNanos < 0 ? -1 : readyNanos / 1_000_000) + " first200_ms=" + first / 1_000_000);
    }

    private static void fail(String why, Process process) {
        process.destroy();
        System.out.println();
        System.err.println("launch: " + why);
        System.exit(1);
    }

    /** Loads this program's own socket classes before the clock starts, so they do not count. */
    private static void warmUpOwnClasses() {
        for (int i = 0; i < 3; i++) request(1, "GET", "/", null);
    }

    /** One HTTP/1.1 request on a fresh connection; the status, or -1 when none came. */
    static int request(int port, String method, String path, String body) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(2_000);
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n"
                    + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + payload.length + "\r\n") + "\r\n";
            OutputStream o = socket.getOutputStream();
            o.write(head.getBytes(StandardCharsets.US_ASCII));
            o.write(payload);
            o.flush();
            InputStream in = socket.getInputStream();
            byte[] line = new byte[12];
            int n = in.readNBytes(line, 0, 12);
            if (n < 12) return -1;
            return Integer.parseInt(new String(line, 9, 3, StandardCharsets.US_ASCII));
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}

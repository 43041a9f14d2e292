import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * A small closed-loop HTTP/1.1 load generator, used when wrk is not installed: C keep-alive
 * connections, each on its own virtual thread, send GET URL back to back for D seconds. Latency
 * goes to an HdrHistogram per connection. Loopback only; stops by itself.
 *
 * <pre>java -cp HdrHistogram.jar Load.java URL CONNECTIONS SECONDS</pre>
 *
 * Prints one line: {@code requests=N rps=X p50_ms=X p99_ms=X non2xx=N socket_errors=N}.
 */
public final class Load {

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        int connections = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        if (!uri.getHost().equals("127.0.0.1") && !uri.getHost().equals("localhost")) throw new IllegalArgumentException("loopback only");
        int port = uri.getPort();
        String path = uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + port + "\r\nUser-Agent: bench-load\r\nAccept: */*\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);

        AtomicBoolean running = new AtomicBoolean(true);
        LongAdder non2xx = new LongAdder(), socketErrors = new LongAdder();
        List<Histogram> histograms = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Histogram h = new Histogram(60_000_000L, 3); // microseconds, up to 60 s
            histograms.add(h);
            threads.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                        socket.setTcpNoDelay(true);
                        socket.setSoTimeout(10_000);
                        OutputStream out = socket.getOutputStream();
                        InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
                        while (running.get()) {
                            long start = System.nanoTime();
                            out.write(request);
                            out.flush();
                            int status = readResponse(in);
                            h.recordValue(Math.max(1, (System.nanoTime() - start) / 1_000));
                            if (status < 200 || status > 299) non2xx.increment();
                        }
                    } catch (IOException | RuntimeException e) {
                        if (running.get()) socketErrors.increment();
                    }
                }
            }));
        }
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1_000);
        running.set(false);
        long elapsed = System.nanoTime() - t0;
        for (Thread t : threads) t.join(12_000);
        Histogram all = new Histogram(60_000_000L, 3);
        for (Histogram h : histograms) all.add(h);
        System.out.printf("requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d%n",
                all.getTotalCount(), all.getTotalCount() * 1e9 / elapsed,
                all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0,
                non2xx.sum(), socketErrors.sum());
    }

    /** Reads one response (Content-Length or chunked body) and returns its status. */
    static int readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine.length() < 12) throw new IOException("bad status line '" + statusLine + "'");
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon < 0) continue;
            String name = h.substring(0, colon).trim();
            String value = h.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("content-length")) length = Long.parseLong(value);
            else if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) chunked = true;
        }
        if (chunked) {
            for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0; size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
                skip(in, size);
                line(in);
            }
            for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
                // trailers are not used
            }
        } else if (length > 0) {
            skip(in, length);
        } else if (length < 0 && status != 204 && status != 304) {
            throw new IOException("response without length");
        }
        return status;
    }

    private static void skip(InputStream in, long n) throws IOException {
        in.skipNBytes(n);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) throw new IOException("connection closed");
            if (b != '\r') sb.append((char) b);
        }
        return sb.toString();
    }
}

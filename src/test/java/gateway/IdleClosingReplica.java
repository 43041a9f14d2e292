package gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal HTTP/1.1 replica with keep-alive that, like Node.js or gunicorn, closes a connection
 * that stayed idle for {@code idle}. Real servers decide to close and then close a moment later;
 * a request that arrives in between is never read and the close resets it. Here that moment lasts
 * {@code closing}, or until a request arrives into it, so the race shows every time instead of
 * once in a while. Answers 200 "ok".
 */
final class IdleClosingReplica implements AutoCloseable {

    final List<String> bodies = new CopyOnWriteArrayList<>();
    final List<String> requestLines = new CopyOnWriteArrayList<>();
    /** Idle connections this replica has decided to close (it reads from them no more). */
    final AtomicInteger closing = new AtomicInteger();
    /** Idle connections it has closed. */
    final AtomicInteger closed = new AtomicInteger();
    /** Connections the client closed first. */
    final AtomicInteger closedByClient = new AtomicInteger();
    private final ServerSocket listener;
    private final Duration idle;
    private final Duration closingTime;

    IdleClosingReplica(Duration idle, Duration closing) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.idle = idle;
        this.closingTime = closing;
        Thread.ofVirtual().name("idle-closing-accept").start(this::accept);
    }

    String address() {
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                Thread.ofVirtual().name("idle-closing-conn").start(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout((int) idle.toMillis());
            InputStream in = socket.getInputStream();
            while (true) {
                String head;
                try {
                    head = readHead(in);
                } catch (SocketTimeoutException e) {
                    closing.incrementAndGet();
                    // The window between a real server's decision to close and its close: it ends
                    // when a request arrives into it (never read: the close then resets it), or
                    // after closingTime at the most.
                    if (closingTime.isPositive()) {
                        socket.setSoTimeout((int) closingTime.toMillis());
                        try {
                            in.read();
                        } catch (SocketTimeoutException nothingCame) {
                            // closed idle, as a real server would
                        }
                    }
                    socket.close();
                    closed.incrementAndGet();
                    return;
                }
                if (head == null) { // the client closed it
                    closedByClient.incrementAndGet();
                    return;
                }
                requestLines.add(head.lines().findFirst().orElse(""));
                int length = 0;
                for (String line : head.split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
                bodies.add(new String(in.readNBytes(length), StandardCharsets.UTF_8));
                socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
            }
        } catch (IOException e) {
            // the connection is gone either way
        }
    }

    /** The request head up to the blank line, or null at EOF before its first byte. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) return null;
                throw new IOException("EOF inside a request head");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}

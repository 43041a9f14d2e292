package gateway;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.Header;
import io.helidon.http.Http1HeadersParser;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.http1.Http1StatusParser;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Helidon's client does not read right, read from its connection with Helidon's own parsers:
 * the final answer after interim (1xx) ones, which the client returns as if final (but for a 100
 * to an upload it asked for); and any body that is chunked or runs to the end of the connection
 * (the client fails on chunk extensions and leaves unannounced trailers unread). One attempt's
 * thread only.
 */
final class HelidonInterim {

    private HelidonInterim() {}

    /** The status and headers of the next answer on {@code connection} that is not interim. */
    record Head(int status, Map<String, List<String>> headers) {}

    static Head next(TcpClientConnection connection, int maxHeaderBytes) {
        DataReader reader = connection.reader();
        while (true) {
            int status = Http1StatusParser.readStatus(reader, 256).code();
            var parsed = Http1HeadersParser.readHeaders(reader, maxHeaderBytes, false);
            if (status >= 200 || status == 101) {
                Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (Header header : parsed) headers.computeIfAbsent(header.name(), n -> new ArrayList<>()).addAll(header.allValues());
                return new Head(status, headers);
            }
        }
    }

    /** The body of an answer of {@code length} (-1: chunked when {@code chunked}, else to the end of the connection). */
    static InputStream body(TcpClientConnection connection, long length, boolean chunked) {
        return new Body(connection, length, chunked);
    }

    private static final class Body extends InputStream {
        private final TcpClientConnection connection;
        private final DataReader reader;
        private final boolean chunked;
        private final boolean toTheEnd;
        private long remaining;
        private boolean inChunk;
        private boolean done;

        Body(TcpClientConnection connection, long length, boolean chunked) {
            this.connection = connection;
            this.reader = connection.reader();
            this.chunked = chunked;
            this.toTheEnd = length < 0 && !chunked;
            this.remaining = Math.max(length, 0);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) return -1;
            if (len == 0) return 0;
            try {
                if (chunked && remaining == 0) {
                    if (inChunk && !reader.readLine().isEmpty()) throw new IOException("a chunk is not followed by CRLF");
                    String line = reader.readLine();
                    int semi = line.indexOf(';');
                    remaining = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).strip(), 16);
                    inChunk = true;
                    if (remaining == 0) {
                        while (!reader.readLine().isEmpty()) {} // trailers: not relayed
                        done = true;
                        return -1;
                    }
                }
                if (!chunked && !toTheEnd && remaining == 0) {
                    done = true;
                    return -1;
                }
                try {
                    reader.ensureAvailable();
                } catch (DataReader.InsufficientDataAvailableException e) {
                    if (!toTheEnd) throw new IOException("the replica closed the connection before the end of its answer");
                    done = true;
                    return -1;
                }
                int n = (int) Math.min(len, toTheEnd ? reader.available() : Math.min(reader.available(), remaining));
                System.arraycopy(reader.readBytes(n), 0, b, off, n);
                if (!toTheEnd) remaining -= n;
                return n;
            } catch (RuntimeException e) {
                throw HelidonStack.checked(e, "the replica's answer is malformed or broke off");
            }
        }

        /** A chunked body read to its last chunk leaves its connection for the next request; any other is closed. */
        @Override
        public void close() {
            if (done && chunked) connection.releaseResource();
            else connection.closeResource();
        }
    }
}

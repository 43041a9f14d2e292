package gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One raw HTTP/1.1 exchange over a socket, for headers that java.net.http refuses to send or hides. */
final class RawHttp {

    private static final Pattern LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");

    private RawHttp() {}

    /**
     * Sends {@code head} (request line and headers, CRLF-separated, no blank line, no body) and
     * returns the response's head and its Content-Length body (none when there is no length).
     */
    static String exchange(URI base, String head) throws IOException {
        return exchange(base, head, "");
    }

    /** As {@link #exchange(URI, String)}, with {@code body} sent after the blank line (its length is the caller's to declare). */
    static String exchange(URI base, String head, String requestBody) throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((head + "\r\n\r\n" + requestBody).getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            while (!got.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) break;
                got.write(b);
            }
            String responseHead = got.toString(StandardCharsets.ISO_8859_1);
            Matcher length = LENGTH.matcher(responseHead);
            byte[] body = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
            return responseHead + new String(body, StandardCharsets.ISO_8859_1);
        }
    }
}

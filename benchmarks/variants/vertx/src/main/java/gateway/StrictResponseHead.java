package gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a replica's answer heads as SocketUpstream does, on their raw bytes, before Netty's lenient
 * decoder sees them: a three-digit status, no bare CR, NUL or other control byte, no folded line or
 * line without a name, bounded size and field count, and one unambiguous framing
 * ({@link ReplicaAnswer#malformed}: Netty would drop a Content-Length beside Transfer-Encoding).
 * A head that fails is a {@link ProtocolException} on the connection, which Vert.x hands to the
 * attempt, and the connection closes. Between heads the body passes untouched, until the decoder
 * (watched by {@link End}, after it) has seen the answer's end. One per connection; its event loop only.
 */
final class StrictResponseHead extends ChannelInboundHandlerAdapter {

    /** Installs both handlers around Vert.x's client codec. */
    static void install(ChannelPipeline pipeline) {
        if (pipeline.get("codec") == null) return;
        StrictResponseHead head = new StrictResponseHead();
        pipeline.addBefore("codec", "strict-head", head);
        pipeline.addAfter("codec", "strict-head-end", head.new End());
    }

    private boolean inHead = true;
    private boolean failed;
    private byte[] line = new byte[256];
    private int length;
    private int headBytes;
    private int fields;
    private int status = -1;
    private Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private long bodyLeft = -1; // the final answer's body bytes still to come, when its length is known
    private int waiting; // requests written whose final answer has not ended (Vert.x sends one at a time)
    private final java.util.ArrayDeque<String> methods = new java.util.ArrayDeque<>(2); // theirs, oldest first

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (failed) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
            if (waiting == 0) { // nothing was asked: never read as the next request's answer
                unsolicited(ctx, bytes, 0);
                return;
            }
            int i = bytes.readerIndex();
            try {
                for (; i < bytes.writerIndex() && inHead; i++) take(bytes.getByte(i));
            } catch (ProtocolException e) {
                failed = true;
                bytes.release();
                ctx.fireExceptionCaught(e);
                ctx.close();
                return;
            }
            if (!inHead && bodyLeft >= 0) {
                long rest = bytes.writerIndex() - i;
                if (rest > bodyLeft) { // bytes beyond the answer's length
                    unsolicited(ctx, bytes, (int) (i - bytes.readerIndex() + bodyLeft));
                    return;
                }
                bodyLeft -= rest;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Passes on the first {@code keep} bytes (the end of the answer asked for) and closes the
     * connection: the rest was sent beyond any answer asked for. Netty would decode it as an
     * answer and Vert.x hand it to the next request on this connection, possibly long after (a
     * paused connection keeps it in the decoder).
     */
    private void unsolicited(ChannelHandlerContext ctx, ByteBuf bytes, int keep) {
        failed = true;
        ByteBuf asked = keep > 0 ? bytes.retainedSlice(bytes.readerIndex(), keep) : null;
        bytes.release();
        if (asked != null) ctx.fireChannelRead(asked);
        ctx.close();
    }

    private void take(byte b) throws ProtocolException {
        if (++headBytes > ReplicaConnection.MAX_HEAD_BYTES) {
            throw new ProtocolException("the answer's head is over " + ReplicaConnection.MAX_HEAD_BYTES + " bytes");
        }
        if (b != '\n') {
            if (length == line.length) line = java.util.Arrays.copyOf(line, length * 2);
            line[length++] = b;
            return;
        }
        if (length > 0 && line[length - 1] == '\r') length--;
        String text = new String(line, 0, length, StandardCharsets.ISO_8859_1);
        length = 0;
        if (text.indexOf('\r') >= 0) throw new ProtocolException("a bare CR in the answer's head: " + text);
        if (text.indexOf('\0') >= 0) throw new ProtocolException("a NUL in the answer's head: " + text);
        if (status < 0) {
            status = ReplicaConnection.statusLine(text).status();
        } else if (!text.isEmpty()) {
            field(text);
        } else {
            ended();
        }
    }

    private void field(String field) throws ProtocolException {
        if (++fields > ReplicaConnection.MAX_FIELDS) throw new ProtocolException("more than " + ReplicaConnection.MAX_FIELDS + " header fields");
        ReplicaConnection.field(field, headers);
    }

    /** The head's empty line: an interim (1xx) head is followed by another head, any other by a body. */
    private void ended() throws ProtocolException {
        var malformed = ReplicaAnswer.malformed(status, headers);
        if (malformed.isPresent()) throw new ProtocolException(malformed.get());
        if (status == 101) throw new ProtocolException("101 Switching Protocols: an upgrade is not relayed");
        inHead = status >= 100 && status < 200;
        if (!inHead) bodyLeft = bodyLength(status, headers, methods.peekFirst());
        reset();
    }

    /** How many body bytes the final answer has, or -1 when its end is not known by a length (chunked, or the connection's end). */
    private static long bodyLength(int status, Map<String, List<String>> headers, String method) {
        if ("HEAD".equals(method) || status == 204 || status == 304) return 0;
        if (headers.containsKey("Transfer-Encoding")) return -1;
        List<String> length = headers.get("Content-Length");
        return length == null ? -1 : Long.parseLong(length.get(0)); // ReplicaAnswer.malformed checked it
    }

    private void reset() {
        status = -1;
        headBytes = 0;
        fields = 0;
        headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    }

    /** After the codec: counts the requests written and the final answers read to their end. */
    final class End extends ChannelDuplexHandler {

        private boolean interim; // the answer being read is a 1xx: its end is not the request's

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof HttpRequest request) {
                waiting++;
                methods.addLast(request.method().name());
            }
            super.write(ctx, msg, promise);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse response) interim = response.status().code() < 200;
            if (msg instanceof LastHttpContent) {
                if (!interim) {
                    waiting--;
                    methods.pollFirst();
                    bodyLeft = -1;
                }
                inHead = true;
                length = 0;
                reset();
            }
            ctx.fireChannelRead(msg);
        }
    }
}

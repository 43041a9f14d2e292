package gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Vert.x read stream (a client's request body, a replica's answer) as a blocking InputStream: the
 * event loop queues what arrives, one reading thread takes it. The queue is bounded: past
 * {@link #HIGH} bytes the stream is paused, and resumed once the reader has taken it below
 * {@link #LOW}. A read waits until bytes, the end or a failure arrive, or its thread is interrupted
 * (how BodyWatch ends a read that waited too long). Thread-safe: one producer, one reader.
 */
final class ReadStreamInput extends InputStream {

    static final int HIGH = 64 * 1024;
    static final int LOW = 16 * 1024;

    private final ReadStream<Buffer> stream;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    // guarded by lock:
    private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
    private int queued;
    private int position; // in the queue's first buffer
    private boolean paused;
    private boolean ended;
    private boolean discarding;
    private Throwable failure;

    /** Takes over the stream's handlers; call on the stream's event loop, before it delivers anything. */
    ReadStreamInput(ReadStream<Buffer> stream) {
        this.stream = stream;
        stream.handler(this::offer);
        stream.endHandler(v -> end());
        stream.exceptionHandler(this::fail);
    }

    private void offer(Buffer buffer) {
        lock.lock();
        try {
            if (discarding || ended || failure != null) return;
            queue.add(buffer);
            queued += buffer.length();
            if (queued >= HIGH && !paused) {
                // under the lock, so that a reader's resume can never come before the pause it undoes
                // (each sets Vert.x's demand at once; neither calls back into this stream)
                paused = true;
                stream.pause();
            }
            arrived.signal();
        } finally {
            lock.unlock();
        }
    }

    private void end() {
        lock.lock();
        try {
            ended = true;
            arrived.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The stream failed: a read gets it as an IOException once what arrived before it is taken. */
    void fail(Throwable cause) {
        lock.lock();
        try {
            if (ended || failure != null) return;
            failure = cause;
            arrived.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the stream has ended, whole: its last byte arrived (it may not all be read yet). */
    boolean ended() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int off, int len) throws IOException {
        if (len == 0) return 0;
        int n;
        lock.lock();
        try {
            while (queue.isEmpty() && !ended && failure == null && !discarding) {
                try {
                    arrived.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // kept for whoever interrupted (ClientStream clears its own)
                    throw new InterruptedIOException("the read was interrupted");
                }
            }
            if (queue.isEmpty()) {
                if (failure != null) throw failure(failure);
                return -1;
            }
            Buffer head = queue.peek();
            n = Math.min(len, head.length() - position);
            head.getBytes(position, position + n, into, off);
            position += n;
            queued -= n;
            if (position == head.length()) {
                queue.poll();
                position = 0;
            }
            if (paused && queued <= LOW) {
                paused = false;
                stream.resume();
            }
        } finally {
            lock.unlock();
        }
        return n;
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return queued;
        } finally {
            lock.unlock();
        }
    }

    /** Drops what is queued and whatever still arrives, letting the stream run to its end. */
    void discard() {
        lock.lock();
        try {
            discarding = true;
            queue.clear();
            queued = 0;
            paused = false;
            stream.resume();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static IOException failure(Throwable cause) {
        return cause instanceof IOException io ? new IOException(io.getMessage(), io) : new IOException(String.valueOf(cause.getMessage()), cause);
    }
}

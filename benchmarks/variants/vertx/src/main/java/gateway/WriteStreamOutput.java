package gateway;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Vert.x write stream (an answer to a client, a request body to a replica) as a blocking
 * OutputStream, written from one (virtual) thread: bytes are gathered into pieces of up to
 * {@link #PIECE} and handed to the event loop (Vert.x writes are thread-safe); while the stream's
 * write queue is full the writer waits for its drain, so a slow reader holds back the writer, not
 * the memory. A failed write, or {@link #fail}, makes every later call throw. One writer thread.
 */
final class WriteStreamOutput extends OutputStream {

    static final int PIECE = 16 * 1024;

    private final WriteStream<Buffer> stream;
    private Buffer pending = Buffer.buffer(256);
    private boolean closed;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private boolean waiting; // guarded by lock
    private volatile Throwable failure;

    WriteStreamOutput(WriteStream<Buffer> stream) {
        this.stream = stream;
    }

    @Override
    public void write(int b) throws IOException {
        check();
        pending.appendByte((byte) b);
        if (pending.length() >= PIECE) push();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        check();
        pending.appendBytes(b, off, len);
        if (pending.length() >= PIECE) push();
    }

    @Override
    public void flush() throws IOException {
        check();
        if (pending.length() > 0) push();
    }

    /** Ends the stream with what is left; the returned future completes once it is written. */
    Future<Void> end() throws IOException {
        check();
        awaitRoom();
        closed = true;
        Buffer last = pending;
        pending = null;
        return watch(last.length() == 0 ? stream.end() : stream.end(last));
    }

    @Override
    public void close() throws IOException {
        if (!closed) end();
    }

    /** Whether {@link #end} was called. */
    boolean ended() {
        return closed;
    }

    /** The stream broke (its connection closed, a write failed): a waiting writer wakes up and gets it. */
    void fail(Throwable cause) {
        if (failure == null) failure = cause;
        lock.lock();
        try {
            drained.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void push() throws IOException {
        awaitRoom();
        Buffer piece = pending;
        pending = Buffer.buffer(PIECE);
        watch(stream.write(piece));
    }

    private Future<Void> watch(Future<Void> written) {
        return written.onFailure(this::fail);
    }

    private void awaitRoom() throws IOException {
        if (!stream.writeQueueFull()) return;
        lock.lock();
        try {
            waiting = true;
            stream.drainHandler(v -> {
                lock.lock();
                try {
                    waiting = false;
                    drained.signalAll();
                } finally {
                    lock.unlock();
                }
            });
            // the drain may have come between the check above and the handler: look again
            while (waiting && failure == null && stream.writeQueueFull()) {
                try {
                    drained.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the peer was not reading");
                }
            }
            waiting = false;
        } finally {
            lock.unlock();
        }
        check();
    }

    private void check() throws IOException {
        Throwable cause = failure;
        if (cause != null) throw new IOException("the connection broke: " + cause.getMessage(), cause);
        if (closed) throw new IOException("the stream is closed");
    }
}

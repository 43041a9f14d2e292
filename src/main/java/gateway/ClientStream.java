package gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * A client's request body as the gateway reads it, whichever thread reads (the request's own, or
 * the upstream client's while it streams the body to a replica). It remembers when the client
 * failed (hung up, reset, or sent nothing for the client timeout), so that an attempt that fails
 * because of the client is not blamed on the replica; and it lets {@link BodyWatch} end a read
 * that has waited too long. Its state is guarded by one lock, taken briefly around each read and
 * never across one. Thread-safe.
 */
final class ClientStream extends InputStream {

    private static final Logger LOG = Log.get(ClientStream.class);

    /** Who answers the client: still open, the request (a replica's answer or an error), or the watch (408). */
    private enum Answer { OPEN, REQUEST, TIMEOUT }

    private final Exchange exchange;
    private final InputStream in;
    private final BodyWatch watch;
    private final Clock clock;

    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock:
    private Thread reader; // the thread waiting in a read of the client's bytes, if any
    private long readSince; // when that read began
    private boolean interrupted; // the watch interrupted the reader: its read failed, its channel is closed
    private Answer answer = Answer.OPEN;
    private boolean ended; // the request is over; the watch forgets this body once no read is left
    private CountDownLatch answered; // made when the watch takes the answer; counted down once the 408 is out

    private volatile boolean failed;
    private volatile boolean complete;

    ClientStream(Exchange exchange, InputStream in, BodyWatch watch, Clock clock) {
        this.exchange = exchange;
        this.in = in;
        this.watch = watch;
        this.clock = clock;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        boolean cut;
        lock.lock();
        try {
            cut = answer == Answer.TIMEOUT || interrupted;
            if (!cut) {
                reader = Thread.currentThread();
                readSince = clock.nanoTime();
            }
        } finally {
            lock.unlock();
        }
        if (cut) throw timedOut();
        int n = -1;
        IOException error = null;
        try {
            n = in.read(b, off, len);
        } catch (IOException e) {
            error = e;
        } finally {
            cut = leave();
        }
        if (cut) throw timedOut();
        if (error != null) throw gone(error);
        if (n < 0) complete = true;
        return n;
    }

    /** After a read: no thread is reading any more. Whether the watch has cut this body off. */
    private boolean leave() {
        lock.lock();
        try {
            reader = null;
            // The interrupt was meant for the read; whatever this thread does next (it may be one
            // of HttpClient's) must not see it.
            if (interrupted) Thread.interrupted();
            return interrupted || answer == Answer.TIMEOUT;
        } finally {
            lock.unlock();
        }
    }

    /** Nothing to close here: the exchange owns the client's stream and closes it with the exchange. */
    @Override
    public void close() {}

    /** Whether the client's side failed: it hung up, reset, or stalled past the client timeout. */
    boolean failed() {
        return failed;
    }

    /** Whether the body has been read to its end. */
    boolean complete() {
        return complete;
    }

    /**
     * Takes the right to answer the client for the request. False when the watch has taken it
     * (and sent, or is sending, 408); then {@link #timedOut} is what to throw.
     */
    boolean answerForRequest() {
        lock.lock();
        try {
            if (answer == Answer.OPEN) answer = Answer.REQUEST;
            return answer == Answer.REQUEST;
        } finally {
            lock.unlock();
        }
    }

    /** The request is over: the watch stops watching once no thread is left reading. */
    void end() {
        lock.lock();
        try {
            ended = true;
            if (reader == null) watch.forget(this);
        } finally {
            lock.unlock();
        }
    }

    /**
     * What ends a request whose body the watch cut off, once the watch's 408 (if it sends one)
     * is out: the connection is then dropped, and must not be before.
     */
    Gone timedOut() {
        CountDownLatch out;
        lock.lock();
        try {
            out = answered;
        } finally {
            lock.unlock();
        }
        try {
            if (out != null) out.await(watch.limit().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return gone(null);
    }

    /**
     * Called by the watch on every tick. A read that has waited the limit for the client's next
     * bytes is ended: with a 408 when nothing has been answered yet, else (or when that 408 itself
     * cannot be written) by interrupting the reader, which closes the connection. True when this
     * call began ending the read (a later call for the same read is false).
     */
    boolean check(long now, long limitNanos) {
        lock.lock();
        try {
            if (reader == null) {
                if (ended) watch.forget(this);
                return false;
            }
            long waited = now - readSince;
            if (waited < limitNanos) return false;
            if (answer == Answer.OPEN) {
                answer = Answer.TIMEOUT;
                answered = new CountDownLatch(1);
                watch.start(this::answerTimeout);
                return true;
            }
            if (answer == Answer.REQUEST || waited >= 2 * limitNanos) {
                // after a 408 that is stuck (a client that does not read), the same read ends a second way
                return interruptReader() && answer == Answer.REQUEST;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Runs on its own thread, started by the watch: the 408 first, then the read is ended. */
    private void answerTimeout() {
        OutputStream body = null;
        try {
            exchange.getResponseHeaders().set("Connection", "close");
            body = Json.errorUnclosed(exchange, 408, timeoutMessage(), java.util.Map.of());
        } catch (IOException | RuntimeException e) {
            LOG.fine("could not send 408: " + e.getMessage());
        } finally {
            answered.countDown();
        }
        lock.lock();
        try {
            interruptReader();
        } finally {
            lock.unlock();
        }
        if (body == null) return;
        try {
            body.close(); // finishes the exchange; what it reads of the request body fails at once, the read being ended
        } catch (IOException e) {
            LOG.fine("408 not finished: " + e.getMessage());
        }
    }

    /** True when this call interrupted the reader, false when there is none or it already was. */
    private boolean interruptReader() {
        if (reader == null || interrupted) return false;
        interrupted = true;
        reader.interrupt(); // a blocked channel read ends by closing its channel: the only way the JDK offers
        return true;
    }

    private String timeoutMessage() {
        return "no bytes of the request body for " + watch.limit().toMillis() + " ms";
    }

    private Gone gone(IOException cause) {
        failed = true;
        if (cause == null) return new Gone(timeoutMessage(), null, true);
        return new Gone("the client's request body broke off: " + cause.getMessage(), cause);
    }

    /**
     * The client failed while its body was read. The request ends here, nothing is reported to the
     * breaker, and the connection is dropped: after a 400 when the body broke off or could not be
     * read (a client that hung up never sees it), with no more when the watch's 408 or a replica's
     * answer is already out.
     */
    static final class Gone extends IOException {

        /** Whether the client already has its answer: the client timeout's 408, or a replica's that had begun. */
        final boolean answered;

        Gone(String message, IOException cause) {
            this(message, cause, false);
        }

        private Gone(String message, IOException cause, boolean answered) {
            super(message, cause);
            this.answered = answered;
        }
    }
}

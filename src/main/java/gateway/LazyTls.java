package gateway;

import java.security.NoSuchAlgorithmException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import java.security.SecureRandom;
import javax.net.ssl.TrustManager;

/**
 * The upstream client's TLS context, made on the first https attempt instead of at start.
 * HttpClient takes a context and its default parameters when it is built, and the JDK's default
 * costs ~200 ms of a cold start (security providers, cipher suites, the cacerts trust store) on
 * every launch, although replicas are mostly plain http. Once made it is exactly
 * {@link SSLContext#getDefault()}; give the client {@link #PARAMETERS} too, or it asks for the
 * default parameters at once. Thread-safe.
 */
final class LazyTls extends SSLContext {

    /**
     * The client's TLS parameters: none set, so that each engine keeps the default context's own
     * (protocols and cipher suites left null mean "unchanged" to SSLEngine.setSSLParameters).
     */
    static final SSLParameters PARAMETERS = new SSLParameters();

    private final Spi spi;

    LazyTls() {
        this(new Spi());
    }

    private LazyTls(Spi spi) {
        super(spi, null, "TLS");
        this.spi = spi;
    }

    /** Whether the default context has been made: not before the first TLS connection. */
    boolean made() {
        return spi.context != null;
    }

    private static final class Spi extends SSLContextSpi {

        private volatile SSLContext context;

        private SSLContext context() {
            SSLContext made = context;
            if (made != null) return made;
            try {
                return context = SSLContext.getDefault(); // the JDK makes it once per process
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("no default TLS context: " + e.getMessage(), e);
            }
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
            throw new UnsupportedOperationException("the default context is used as it is");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return context().getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return context().getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return context().createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return context().createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return context().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return context().getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return context().getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return context().getSupportedSSLParameters();
        }
    }
}

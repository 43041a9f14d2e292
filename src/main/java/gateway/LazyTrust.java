package gateway;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's default trust manager, loaded on the first TLS handshake instead of at start-up:
 * HttpClient builds its SSLContext eagerly, and reading the default trust store (cacerts) costs
 * 150-350 ms of a cold start although most replicas are plain http. Same trust decisions as the
 * default. Thread-safe.
 */
final class LazyTrust extends X509ExtendedTrustManager {

    private final AtomicReference<X509ExtendedTrustManager> delegate = new AtomicReference<>();

    /** A TLS context with the default trust, loaded when first needed, and no client certificate. */
    static SSLContext context(LazyTrust trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS context: " + e.getMessage(), e);
        }
    }

    /** Whether the trust store has been read: not before the first TLS handshake. */
    boolean loaded() {
        return delegate.get() != null;
    }

    private X509ExtendedTrustManager trust() {
        X509ExtendedTrustManager tm = delegate.get();
        if (tm != null) return tm;
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            for (TrustManager m : factory.getTrustManagers()) {
                if (m instanceof X509ExtendedTrustManager x) {
                    delegate.compareAndSet(null, x);
                    return delegate.get();
                }
            }
            throw new IllegalStateException("the default trust manager factory has no X509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the default trust store: " + e.getMessage(), e);
        }
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException { trust().checkClientTrusted(chain, authType); }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException { trust().checkServerTrusted(chain, authType); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { trust().checkClientTrusted(chain, authType, s); }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { trust().checkServerTrusted(chain, authType, s); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { trust().checkClientTrusted(chain, authType, e); }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { trust().checkServerTrusted(chain, authType, e); }
    @Override public X509Certificate[] getAcceptedIssuers() { return trust().getAcceptedIssuers(); }
}

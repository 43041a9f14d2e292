package gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream client's TLS context is made on the first https attempt, not at start (it cost
 * ~200 ms of every start, for replicas that are mostly plain http), and its connections are set up
 * exactly as the JDK's default context sets them up.
 */
class LazyTlsTest {

    @Test
    void theTlsContextIsMadeOnTheFirstHttpsAttemptNotAtStartAndAnUntrustedReplicaStillFails(@TempDir Path dir) throws Exception {
        HttpsServer replica = selfSignedReplica(dir);
        try (HttpClientUpstream upstream = new HttpClientUpstream(Duration.ofSeconds(2))) {
            assertFalse(upstream.tls().made(), "not made at start");
            Address address = Address.parse("https://127.0.0.1:" + replica.getAddress().getPort());
            Upstream.Request request = new Upstream.Request("GET", "/", null, List.of(), RequestBody.none());
            IOException refused = assertThrows(IOException.class,
                    () -> upstream.send(request, address, TimeUnit.SECONDS.toNanos(5)));
            assertTrue(refused instanceof SSLHandshakeException || refused.getCause() instanceof SSLHandshakeException,
                    "a self-signed replica is not trusted: " + refused);
            assertTrue(upstream.tls().made(), "made by the first https attempt");
        } finally {
            replica.stop(0);
        }
    }

    @Test
    void anEngineWithTheClientsParametersIsSetUpAsTheDefaultContextSetsItUp() throws Exception {
        SSLEngine lazy = new LazyTls().createSSLEngine("replica.example", 443);
        lazy.setUseClientMode(true);
        lazy.setSSLParameters(LazyTls.PARAMETERS); // as HttpClient does, with its own additions
        SSLEngine standard = SSLContext.getDefault().createSSLEngine("replica.example", 443);
        standard.setUseClientMode(true);
        standard.setSSLParameters(SSLContext.getDefault().getDefaultSSLParameters()); // what HttpClient sets without ours
        assertArrayEquals(standard.getEnabledProtocols(), lazy.getEnabledProtocols());
        assertArrayEquals(standard.getEnabledCipherSuites(), lazy.getEnabledCipherSuites());
        // (the maximum packet size reads 0 from ours: SSLEngineImpl.setSSLParameters changes the engine's only when it is not)
        assertTrue(lazy.getEnabledProtocols().length > 0 && lazy.getEnabledCipherSuites().length > 0);
    }

    /** An https replica on loopback whose certificate no trust store holds (made by the JDK's keytool). */
    private static HttpsServer selfSignedReplica(Path dir) throws Exception {
        Path store = dir.resolve("replica.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "secret",
                "-alias", "replica", "-keyalg", "EC", "-dname", "CN=127.0.0.1", "-validity", "2")
                .redirectErrorStream(true).start();
        keytool.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertEquals(0, keytool.waitFor(), "keytool made a key pair");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(store.toFile())) {
            keys.load(in, "secret".toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, "secret".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        return server;
    }
}

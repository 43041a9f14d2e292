package gateway;

/** TrustedProxiesIntegrationTest's contract, on the sockets upstream ({@code --upstream sockets}). */
class TrustedProxiesIntegrationSocketsTest extends TrustedProxiesIntegrationTest {

    @Override
    String upstream() {
        return "sockets";
    }
}

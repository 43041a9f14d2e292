package gateway;

/** ProxyIntegrationTest's contract, on the sockets upstream ({@code --upstream sockets}). */
class ProxyIntegrationSocketsTest extends ProxyIntegrationTest {

    @Override
    String upstream() {
        return "sockets";
    }
}

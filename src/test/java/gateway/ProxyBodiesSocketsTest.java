package gateway;

/** ProxyBodiesTest's contract, on the sockets upstream ({@code --upstream sockets}). */
class ProxyBodiesSocketsTest extends ProxyBodiesTest {

    @Override
    String upstream() {
        return "sockets";
    }
}

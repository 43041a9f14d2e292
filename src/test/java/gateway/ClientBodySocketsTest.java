package gateway;

/** ClientBodyTest's contract, on the sockets upstream ({@code --upstream sockets}). */
class ClientBodySocketsTest extends ClientBodyTest {

    @Override
    String upstream() {
        return "sockets";
    }
}

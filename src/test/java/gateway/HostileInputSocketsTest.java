package gateway;

/** HostileInputTest's contract, on the sockets upstream ({@code --upstream sockets}). */
class HostileInputSocketsTest extends HostileInputTest {

    @Override
    String upstream() {
        return "sockets";
    }
}

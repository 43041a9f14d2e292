package gateway;

/** BodilessRequestTest's contract, on the sockets upstream ({@code --upstream sockets}). */
class BodilessRequestSocketsTest extends BodilessRequestTest {

    @Override
    String upstream() {
        return "sockets";
    }
}

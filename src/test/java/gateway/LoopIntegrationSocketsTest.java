package gateway;

/** LoopIntegrationTest's contract, on the sockets upstream ({@code --upstream sockets}). */
class LoopIntegrationSocketsTest extends LoopIntegrationTest {

    @Override
    String upstream() {
        return "sockets";
    }
}

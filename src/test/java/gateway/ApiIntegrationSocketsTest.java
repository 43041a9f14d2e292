package gateway;

/** ApiIntegrationTest's contract, on the sockets upstream ({@code --upstream sockets}). */
class ApiIntegrationSocketsTest extends ApiIntegrationTest {

    @Override
    String upstream() {
        return "sockets";
    }
}

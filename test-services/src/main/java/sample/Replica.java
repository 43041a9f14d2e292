package sample;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;

/**
 * One running replica: its HTTP side and, when a gateway is configured, its registration. Closing
 * deregisters first, so the gateway stops sending requests before the server stops. Thread-safe.
 */
final class Replica implements AutoCloseable {

    private final SampleService service;
    private final Optional<Registrar> registrar;

    private Replica(SampleService service, Optional<Registrar> registrar) {
        this.service = service;
        this.registrar = registrar;
    }

    static Replica start(Config config, PrintStream log) throws IOException {
        SampleService service = SampleService.start(config);
        Optional<Registrar> registrar = config.gateway().map(gw -> new Registrar(gw, config.service(),
                config.address(service.port()), config.heartbeat(), config.adminToken(), log).start());
        return new Replica(service, registrar);
    }

    SampleService service() {
        return service;
    }

    @Override
    public void close() {
        registrar.ifPresent(Registrar::close);
        service.close();
    }
}

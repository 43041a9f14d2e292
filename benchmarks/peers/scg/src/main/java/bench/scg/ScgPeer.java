package bench.scg;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Spring Cloud Gateway with one route, {@code /bench/**} round-robin over two replicas with one
 * retry (application.yml): the peer the end-to-end benchmark measures beside the gateway. No code
 * of its own beyond this entry point, as a team adopting it would start.
 */
@SpringBootApplication
public class ScgPeer {
    public static void main(String[] args) {
        SpringApplication.run(ScgPeer.class, args);
    }
}

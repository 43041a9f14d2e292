package gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The embedded store's registry on disk, so a single-node restart keeps it: JSON
 * {@code {"services": {NAME: [ADDRESS, ...]}}}, replaced whole on every change by write-and-rename,
 * so a crash leaves the old file or the new one, never half of one. Failure counters are not kept:
 * they describe the last few seconds only. Not thread-safe: its store serialises the calls.
 */
final class StateFile implements MemoryStore.Persistence {

    private final Path path;

    StateFile(Path path) {
        this.path = path.toAbsolutePath();
    }

    /**
     * Reads the registry, validating every name and address; an absent file is an empty registry.
     *
     * @throws IllegalStateException saying why the file cannot be used (never ignored silently)
     */
    @Override
    public SortedMap<String, List<String>> load() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        } catch (IOException e) {
            throw new IllegalStateException("state file " + path + " cannot be read: " + e);
        }
        Object json;
        try {
            json = Json.read(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("state file " + path + " is corrupt (" + firstLine(e.getMessage())
                    + "); fix or remove it");
        }
        if (!(json instanceof Map<?, ?> state) || !(state.get("services") instanceof Map<?, ?> saved)) {
            throw new IllegalStateException("state file " + path + " has no \"services\" object; fix or remove it");
        }
        SortedMap<String, List<String>> services = new TreeMap<>();
        saved.forEach((name, addresses) -> {
            try {
                String service = (String) name; // an object's keys are strings
                Registration.checkName(service);
                if (!(addresses instanceof List<?> list)) throw new IllegalArgumentException("'" + service + "' is not a list of addresses");
                services.put(service, list.stream().map(a -> Address.parse(String.valueOf(a)).url()).distinct().sorted().toList());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("state file " + path + " holds an invalid entry: " + e.getMessage());
            }
        });
        return services;
    }

    /** Replaces the file with {@code services}; on failure the old file stays as it was. */
    @Override
    public void save(Map<String, ? extends Collection<String>> services) throws IOException {
        SortedMap<String, List<String>> copy = new TreeMap<>();
        services.forEach((name, addresses) -> copy.put(name, List.copyOf(addresses)));
        Path dir = path.getParent();
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.wrap(Json.write(Map.of("services", copy))));
                out.force(true); // on disk before the rename makes it the state
            }
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** As messages name it. */
    @Override
    public String toString() {
        return "state file " + path;
    }

    private static String firstLine(String message) {
        return message == null ? "unreadable" : message.lines().findFirst().orElse(message);
    }
}

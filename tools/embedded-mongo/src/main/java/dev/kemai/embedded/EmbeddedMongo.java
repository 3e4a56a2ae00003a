package dev.kemai.embedded;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import java.io.File;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStoreException;

/**
 * Kemai's embedded MongoDB-protocol server: mongo-java-server with an H2 MVStore file (or in memory).
 *
 * <p>Contract with the Node side (server/src/core/db/embedded.ts):
 * <ul>
 *   <li>prints exactly one line on stdout, the {@code mongodb://} URI, once it listens;</li>
 *   <li>exits when its standard input closes, so it never outlives the process that spawned it,
 *       even when that process is killed with SIGKILL;</li>
 *   <li>exits with code 3 and a line starting {@code KEMAI_DB_LOCKED} on stderr when another
 *       process holds the data file.</li>
 * </ul>
 */
public final class EmbeddedMongo {

    static final int EXIT_USAGE = 2;
    static final int EXIT_LOCKED = 3;

    /** Driver 7 refuses servers below wire version 9; the library reports 8, so advertise 6.0 / 17. */
    enum AdvertisedVersion implements MongoVersion {
        MONGO_6_0;

        @Override
        public List<Integer> getVersionArray() {
            return List.of(6, 0, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 17;
        }
    }

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 0;
        String dataFile = "data/kemai.mv.db";
        boolean watchStdin = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = value(args, ++i);
                case "--port" -> port = Integer.parseInt(value(args, ++i));
                case "--data" -> dataFile = value(args, ++i);
                case "--in-memory" -> dataFile = null;
                case "--no-stdin-watch" -> watchStdin = false;
                default -> usage("unknown flag " + args[i]);
            }
        }

        MongoBackend backend;
        try {
            backend = openBackend(dataFile);
        } catch (MVStoreException e) {
            if (e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
                System.err.println("KEMAI_DB_LOCKED " + new File(dataFile).getAbsolutePath());
                System.exit(EXIT_LOCKED);
            }
            throw e;
        }
        backend.version(AdvertisedVersion.MONGO_6_0);

        MongoServer server = new MongoServer(backend);
        server.bind(host, port);
        InetSocketAddress address = server.getLocalAddress();
        Path uriFile = dataFile == null ? null : Path.of(dataFile + ".uri");
        String uri = "mongodb://" + address.getHostString() + ":" + address.getPort();

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Stop accepting, then close the backend so the H2 store is written and unlocked cleanly.
            server.shutdownNow();
            backend.close();
            if (uriFile != null) {
                try {
                    Files.deleteIfExists(uriFile);
                } catch (Exception ignored) {
                    // best effort: a stale .uri file is only a hint for the lock message
                }
            }
        }, "kemai-embedded-mongo-shutdown"));

        if (uriFile != null) {
            // A second Kemai on the same data file reads this to tell the user where the running one is.
            Files.writeString(uriFile, uri + "\n" + ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
        }
        System.out.println(uri);
        System.out.flush();

        if (watchStdin) {
            waitForEndOfInput(System.in);
            System.exit(0);
        } else {
            Thread.currentThread().join();
        }
    }

    private static MongoBackend openBackend(String dataFile) {
        if (dataFile == null) {
            return new IndexedMemoryBackend();
        }
        File file = new File(dataFile).getAbsoluteFile();
        File dir = file.getParentFile();
        if (dir != null && !dir.isDirectory() && !dir.mkdirs()) {
            throw new IllegalStateException("cannot create directory " + dir);
        }
        return new H2Backend(file.getPath());
    }

    private static void waitForEndOfInput(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // the parent writes nothing; any bytes are ignored
            }
        } catch (Exception ignored) {
            // a broken pipe means the parent is gone: same as end of input
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage("missing value for " + args[i - 1]);
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("kemai-embedded-mongo: " + problem);
        System.err.println("usage: java -jar kemai-embedded-mongo.jar [--host H] [--port N] [--data FILE | --in-memory] [--no-stdin-watch]");
        System.exit(EXIT_USAGE);
    }
}

package io.tailwater.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removes the temporary directories the embedded servers ran in. */
final class TempDirectories {
    private TempDirectories() {
    }

    /** Deletes {@code dir} and everything in it, as far as it can; a directory left behind is no error. */
    static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind
        }
    }
}

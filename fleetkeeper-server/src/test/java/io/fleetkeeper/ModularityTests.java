package io.fleetkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Features are closed: a feature's {@code internal} package is used only by that feature. Another
 * feature goes through the owning feature's root package (its API).
 */
class ModularityTests {

    private static final Pattern INTERNAL_IMPORT = Pattern.compile("^import (static )?io\\.fleetkeeper\\.([a-z]+)\\"
            + ".internal\\.", Pattern.MULTILINE);

    @Test
    void noFeatureReachesIntoAnotherFeaturesInternals() throws IOException {
        Path root = Path.of("src/main/java/io/fleetkeeper");
        assertThat(root).isDirectory();
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String feature = root.relativize(file).getName(0).toString();
                Matcher m = INTERNAL_IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(2).equals(feature)) {
                        violations.add(root.relativize(file) + " uses " + m.group(2) + ".internal");
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}

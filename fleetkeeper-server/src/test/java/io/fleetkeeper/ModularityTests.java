package io.fleetkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModule;
import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

/**
 * Module boundaries, checked on the compiled classes by Spring Modulith: every direct sub-package of
 * {@code io.fleetkeeper} is a module whose root package is its API; its sub-packages ({@code internal},
 * {@code web}) may be used by that module only, whether imported or written inline; no cycles between
 * modules. {@code api}, {@code store} and {@code web} are shared by all and depend on no feature.
 *
 * <p>Also keeps {@code docs/modules/README.md} (a mermaid graph) in step with the code: when the modules
 * change, regenerate it with {@code ./mvnw -B test -pl fleetkeeper-server -Dtest=ModularityTests
 * -Dfleetkeeper.modules.write=true}, which also writes the PlantUML diagram next to it.
 */
class ModularityTests {

    private static final ApplicationModules MODULES = ApplicationModules.of(FleetkeeperApplication.class);
    private static final List<String> SHARED = List.of("api", "store", "web");
    private static final Path DOCS = Path.of("../docs/modules");

    @Test
    void modulesUseOnlyEachOthersApiAndFormNoCycle() {
        MODULES.verify();
    }

    @Test
    void sharedModulesDependOnNoFeature() {
        for (String name : SHARED) {
            ApplicationModule module = MODULES.getModuleByName(name).orElseThrow();
            assertThat(dependencies(module)).as("module %s depends on", name).isSubsetOf(SHARED);
        }
    }

    @Test
    void moduleDocumentationIsCurrent() throws IOException {
        String generated = markdown();
        Path file = DOCS.resolve("README.md");
        if (Boolean.getBoolean("fleetkeeper.modules.write")) {
            Files.createDirectories(DOCS);
            Files.writeString(file, generated);
            new Documenter(MODULES, Documenter.Options.defaults().withOutputFolder(DOCS.toString()).withoutClean())
                    .writeModulesAsPlantUml(Documenter.DiagramOptions.defaults()
                            .withExclusions(m -> SHARED.contains(m.getIdentifier().toString())));
        }
        assertThat(file).as("docs/modules/README.md is generated: run ModularityTests with "
                + "-Dfleetkeeper.modules.write=true and commit the result").exists();
        List<String> committed = Files.readAllLines(file);
        List<String> current = generated.lines().toList();
        List<String> changes = new ArrayList<>();
        current.stream().filter(l -> !committed.contains(l)).forEach(l -> changes.add("+ " + l));
        committed.stream().filter(l -> !current.contains(l)).forEach(l -> changes.add("- " + l));
        assertThat(changes).as("docs/modules/README.md is out of date (+ now, - committed): run ModularityTests "
                + "with -Dfleetkeeper.modules.write=true and commit the result").isEmpty();
        assertThat(committed).isEqualTo(current);
    }

    private static List<String> dependencies(ApplicationModule module) {
        return module.getDirectDependencies(MODULES).uniqueModules().map(m -> m.getIdentifier().toString())
                .filter(n -> !n.equals(module.getIdentifier().toString())).distinct().sorted().toList();
    }

    private static String markdown() {
        List<ApplicationModule> features = MODULES.stream()
                .filter(m -> !SHARED.contains(m.getIdentifier().toString()))
                .sorted((a, b) -> a.getIdentifier().toString().compareTo(b.getIdentifier().toString())).toList();
        StringBuilder md = new StringBuilder("""
                # Application modules

                Generated from the compiled classes by `ModularityTests` (Spring Modulith); do not edit by hand.
                Regenerate after changing module dependencies:
                `./mvnw -B test -pl fleetkeeper-server -Dtest=ModularityTests -Dfleetkeeper.modules.write=true`
                (also writes `components.puml`, the same graph in PlantUML).

                Every direct sub-package of `io.fleetkeeper` is a module. Its root package is its API (services,
                records, events); its sub-packages (`internal`, `web`) are used by that module only. The build
                fails on a cycle between modules or on a use of another module's sub-package. `api` (errors
                with a stable code, keyset pages), `store` (database plumbing) and `web` (problem+json, request
                ids, body limits, OpenAPI) are shared: every module may use them and they use no feature, so
                they are left out of the graph.

                An arrow `a --> b` means: code in `a` uses `b`'s API (a type, a bean, or an event it listens to).

                ```mermaid
                graph LR
                """);
        for (ApplicationModule m : features) {
            for (String dep : dependencies(m)) {
                if (!SHARED.contains(dep)) {
                    md.append("  ").append(m.getIdentifier()).append(" --> ").append(dep).append('\n');
                }
            }
        }
        md.append("```\n\n| module | package | uses |\n| --- | --- | --- |\n");
        for (ApplicationModule m : features) {
            md.append("| ").append(m.getIdentifier()).append(" | `").append(m.getBasePackage().getName())
                    .append("` | ").append(dependencies(m).stream().filter(d -> !SHARED.contains(d))
                            .collect(Collectors.joining(", ")))
                    .append(" |\n");
        }
        return md.toString();
    }
}

package io.fleetkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Lazy;

/**
 * What {@code ./fleetkeeper} needs to run the build's Spring AOT bean definitions ({@code process-aot},
 * {@code -Dspring.aot.enabled=true}; docs/operations.md): no {@code @Lazy} injection point. Spring makes the lazy
 * proxy of a class at build time and again at run time, and the two do not match (the start fails with
 * "SerializableNoOp cannot be cast to Dispatcher", spring-framework#30985). An {@code ObjectProvider} breaks a
 * cycle the same way without a proxy.
 */
class SpringAotCompatibilityTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.fleetkeeper");

    @Test
    void noInjectionPointIsLazy() {
        assertThat(lazyInjectionPoints(CLASSES))
                .as("@Lazy injection points (use ObjectProvider<T> instead)").isEmpty();
    }

    @Test
    void aLazyConstructorParameterOrFieldIsFound() {
        JavaClasses sample = new ClassFileImporter().importClasses(LazyConstructor.class, LazyField.class);
        assertThat(lazyInjectionPoints(sample)).hasSize(2);
    }

    static List<String> lazyInjectionPoints(JavaClasses classes) {
        return classes.stream().flatMap(SpringAotCompatibilityTests::lazyInjectionPoints).sorted().toList();
    }

    private static Stream<String> lazyInjectionPoints(JavaClass c) {
        Stream<String> parameters = Stream.concat(c.getConstructors().stream(), c.getMethods().stream())
                .flatMap(m -> m.getParameters().stream())
                .filter(p -> p.isAnnotatedWith(Lazy.class))
                .map(p -> p.getOwner().getFullName() + " parameter " + p.getIndex());
        Stream<String> fields = c.getFields().stream()
                .filter(f -> f.isAnnotatedWith(Lazy.class))
                .map(f -> f.getFullName());
        return Stream.concat(parameters, fields);
    }

    static class LazyConstructor {
        LazyConstructor(@Lazy Object dependency) {
        }
    }

    static class LazyField {
        @Lazy
        Object dependency;
    }
}

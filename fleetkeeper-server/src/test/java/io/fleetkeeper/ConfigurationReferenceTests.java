package io.fleetkeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Executable;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.core.type.filter.TypeFilter;

/**
 * The configuration reference ({@code docs/configuration.md}) lists every {@code fleetkeeper.*} property the
 * server reads, with its default, and nothing that no longer exists. Properties come from the
 * {@code @ConfigurationProperties} records (names in kebab-case, as Spring binds them; nested records become
 * dotted prefixes) and from {@code ${fleetkeeper....:default}} placeholders in annotations such as
 * {@code @Value} and {@code @Scheduled}.
 */
class ConfigurationReferenceTests {

    private static final Path REFERENCE = Path.of("../docs/configuration.md");
    private static final String EMPTY = "*(empty)*";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(fleetkeeper\\.[a-z0-9.-]+)(?::([^}]*))?}");
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`(fleetkeeper\\.[a-z0-9.-]+)`\\s*\\|([^|]*)\\|",
            Pattern.MULTILINE);

    @Test
    void everyPropertyIsDocumentedWithItsDefault() throws IOException {
        Map<String, String> code = propertiesInCode();
        Map<String, String> documented = propertiesInReference();
        assertThat(code).as("properties found in the code").isNotEmpty();

        List<String> missing = code.keySet().stream().filter(name -> !documented.containsKey(name)).toList();
        assertThat(missing)
                .as("properties missing from %s (add a row: | `name` | `default` | meaning |)", REFERENCE)
                .isEmpty();
        List<String> wrongDefaults = new ArrayList<>();
        code.forEach((name, defaultValue) -> {
            String cell = documented.get(name);
            String expected = defaultValue.isEmpty() ? EMPTY : "`" + defaultValue + "`";
            if (cell != null && !cell.startsWith(expected)) {
                wrongDefaults.add(name + ": the code's default is " + expected + ", the reference says " + cell);
            }
        });
        assertThat(wrongDefaults).as("defaults in %s", REFERENCE).isEmpty();
    }

    @Test
    void everyDocumentedPropertyExists() throws IOException {
        Map<String, String> code = propertiesInCode();
        List<String> gone = propertiesInReference().keySet().stream().filter(name -> !code.containsKey(name)).toList();
        assertThat(gone).as("properties in %s that the code no longer reads", REFERENCE).isEmpty();
    }

    /** Property name → default as text ({@code ""} when none or empty). */
    static Map<String, String> propertiesInCode() {
        Map<String, String> properties = new TreeMap<>();
        for (Class<?> type : classes(new AnnotationTypeFilter(ConfigurationProperties.class))) {
            ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
            if (annotation == null) {
                continue;
            }
            String prefix = annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
            addRecord(prefix, type, properties);
        }
        for (Class<?> type : classes((reader, factory) -> true)) {
            for (AnnotatedElement element : annotatedElements(type)) {
                for (var annotation : element.getAnnotations()) {
                    for (Object value : AnnotationUtils.getAnnotationAttributes(annotation).values()) {
                        addPlaceholders(value, properties);
                    }
                }
            }
        }
        return properties;
    }

    private static void addRecord(String prefix, Class<?> type, Map<String, String> properties) {
        assertThat(type.isRecord())
                .as("%s: only records are read here; teach ConfigurationReferenceTests other shapes", type)
                .isTrue();
        RecordComponent[] components = type.getRecordComponents();
        var canonical = Arrays.stream(type.getDeclaredConstructors())
                .filter(c -> Arrays.equals(c.getParameterTypes(),
                        Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new)))
                .findFirst().orElseThrow();
        for (int i = 0; i < components.length; i++) {
            String name = prefix + "." + kebab(components[i].getName());
            Class<?> valueType = components[i].getType();
            if (valueType.isRecord() && valueType.getPackageName().startsWith("io.fleetkeeper")) {
                addRecord(name, valueType, properties);
                continue;
            }
            // @DefaultValue targets parameters: it sits on the canonical constructor's parameter.
            DefaultValue defaultValue = canonical.getParameters()[i].getAnnotation(DefaultValue.class);
            properties.put(name, defaultValue == null ? "" : String.join(",", defaultValue.value()));
        }
    }

    private static void addPlaceholders(Object value, Map<String, String> properties) {
        List<Object> values = value instanceof Object[] array ? Arrays.asList(array) : List.of(value);
        for (Object v : values) {
            if (v instanceof String text) {
                Matcher m = PLACEHOLDER.matcher(text);
                while (m.find()) {
                    properties.putIfAbsent(m.group(1), m.group(2) == null ? "" : m.group(2));
                }
            }
        }
    }

    private static List<AnnotatedElement> annotatedElements(Class<?> type) {
        List<AnnotatedElement> elements = new ArrayList<>();
        elements.add(type);
        elements.addAll(Arrays.asList(type.getDeclaredFields()));
        elements.addAll(Arrays.asList(type.getDeclaredMethods()));
        elements.addAll(Arrays.asList(type.getDeclaredConstructors()));
        List<Executable> executables = new ArrayList<>(Arrays.asList(type.getDeclaredConstructors()));
        executables.addAll(Arrays.asList(type.getDeclaredMethods()));
        for (Executable executable : executables) {
            elements.addAll(Arrays.asList(executable.getParameters()));
        }
        return elements;
    }

    /** The application's classes (not the tests') that the filter accepts. */
    private static List<Class<?>> classes(TypeFilter filter) {
        var scanner = new ClassPathScanningCandidateComponentProvider(false) {
            @Override
            protected boolean isCandidateComponent(AnnotatedBeanDefinition definition) {
                return true; // records, nested types, abstract classes and interfaces too
            }
        };
        scanner.addIncludeFilter(filter);
        List<Class<?>> classes = new ArrayList<>();
        for (BeanDefinition definition : scanner.findCandidateComponents("io.fleetkeeper")) {
            try {
                Class<?> type = Class.forName(definition.getBeanClassName(), false,
                        ConfigurationReferenceTests.class.getClassLoader());
                if (!type.getProtectionDomain().getCodeSource().getLocation().getPath().contains("test-classes")) {
                    classes.add(type);
                }
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return classes;
    }

    /** Property name → the reference's default cell, trimmed. */
    static Map<String, String> propertiesInReference() throws IOException {
        assertThat(REFERENCE).isRegularFile();
        Map<String, String> documented = new TreeMap<>();
        Matcher m = ROW.matcher(Files.readString(REFERENCE));
        while (m.find()) {
            assertThat(documented.put(m.group(1), m.group(2).trim()))
                    .as("%s is listed twice in %s", m.group(1), REFERENCE).isNull();
        }
        return documented;
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}

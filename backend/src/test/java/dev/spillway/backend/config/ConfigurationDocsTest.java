package dev.spillway.backend.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.description.HtmlFormatter;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps docs/configuration.md in step with the code: the option tables between the generated
 * markers are rendered from every public {@link ConfigOption} in this package. When an option
 * changes, run the test with {@code -Dspillway.docs.update=true} to rewrite the file, and commit it.
 */
class ConfigurationDocsTest {

    static final String BEGIN = "<!-- BEGIN GENERATED OPTIONS: ConfigurationDocsTest -->";
    static final String END = "<!-- END GENERATED OPTIONS -->";

    @Test
    void configurationReferenceMatchesTheOptions() throws Exception {
        Path doc = Paths.get("..", "docs", "configuration.md");
        String generated = render(optionClasses());
        String current = Files.readString(doc, StandardCharsets.UTF_8);
        int begin = current.indexOf(BEGIN);
        int end = current.indexOf(END);
        assertThat(begin).as("%s must contain the marker %s", doc, BEGIN).isNotNegative();
        assertThat(end).as("%s must contain the marker %s", doc, END).isGreaterThan(begin);
        String updated =
                current.substring(0, begin + BEGIN.length())
                        + "\n"
                        + generated
                        + current.substring(end);
        if (Boolean.getBoolean("spillway.docs.update")) {
            Files.writeString(doc, updated, StandardCharsets.UTF_8);
            return;
        }
        assertThat(current)
                .as(
                        "docs/configuration.md is out of date with the ConfigOptions; regenerate it with"
                                + " mvn -pl backend -am test -Dtest=ConfigurationDocsTest"
                                + " -Dsurefire.failIfNoSpecifiedTests=false -Dspillway.docs.update=true")
                .isEqualTo(updated);
    }

    @Test
    void everyOptionHasADescriptionAndADefault() throws Exception {
        for (Class<?> holder : optionClasses()) {
            for (ConfigOption<?> option : options(holder)) {
                assertThat(new HtmlFormatter().format(option.description()))
                        .as("description of %s", option.key())
                        .isNotBlank();
                assertThat(option.key()).startsWith("spillway.");
            }
        }
    }

    @Test
    void everyOptionIsListedInItsClassesAllList() throws Exception {
        // The backend copies options through these lists; a missing entry would be ignored silently.
        for (Class<?> holder : optionClasses()) {
            List<Object> all = new ArrayList<>((List<?>) holder.getField("ALL").get(null));
            assertThat(all)
                    .as("%s.ALL", holder.getSimpleName())
                    .containsExactlyInAnyOrderElementsOf(options(holder));
        }
    }

    /** Every class named *Options in this package, in name order. */
    static List<Class<?>> optionClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        String pkg = ConfigurationDocsTest.class.getPackageName();
        Path dir =
                Paths.get(
                        Class.forName(pkg + ".MemoryOptions")
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toURI())
                        .resolve(pkg.replace('.', '/'));
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().collect(Collectors.toList())) {
                String name = file.getFileName().toString();
                if (name.endsWith("Options.class") && !name.contains("$")) {
                    classes.add(Class.forName(pkg + "." + name.substring(0, name.length() - 6)));
                }
            }
        }
        return classes;
    }

    static List<ConfigOption<?>> options(Class<?> holder) throws IllegalAccessException {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Field f : holder.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                options.add((ConfigOption<?>) f.get(null));
            }
        }
        options.sort(Comparator.comparing(ConfigOption::key));
        return options;
    }

    static String render(List<Class<?>> holders) throws IllegalAccessException {
        StringBuilder md = new StringBuilder();
        for (Class<?> holder : holders) {
            md.append("\n### ").append(holder.getSimpleName()).append("\n\n");
            md.append("| Key | Default | Type | Description |\n|---|---|---|---|\n");
            for (Field f : holder.getFields()) {
                if (!(Modifier.isStatic(f.getModifiers())
                        && ConfigOption.class.isAssignableFrom(f.getType()))) {
                    continue;
                }
                ConfigOption<?> option = (ConfigOption<?>) f.get(null);
                md.append("| `")
                        .append(option.key())
                        .append("` | ")
                        .append(option.hasDefaultValue() ? "`" + formatDefault(option.defaultValue()) + "`" : "(none)")
                        .append(" | ")
                        .append(typeName(f.getGenericType()))
                        .append(" | ")
                        .append(
                                new HtmlFormatter()
                                        .format(option.description())
                                        .replace("|", "\\|")
                                        .replace("\n", " "))
                        .append(" |\n");
            }
        }
        return md.toString();
    }

    private static String formatDefault(Object value) {
        if (value instanceof Duration) {
            return org.apache.flink.util.TimeUtils.formatWithHighestUnit((Duration) value);
        }
        if (value instanceof MemorySize) {
            return value.toString();
        }
        return String.valueOf(value);
    }

    /** The option's value type without package names: {@code List<String>}, {@code Duration}. */
    private static String typeName(Type type) {
        Type valueType = ((ParameterizedType) type).getActualTypeArguments()[0];
        return valueType.getTypeName().replaceAll("[a-z0-9_]+\\.", "");
    }
}

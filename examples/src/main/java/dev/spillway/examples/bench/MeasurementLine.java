package dev.spillway.examples.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The line a benchmark child prints for its parent: a prefix, then {@code name=value} fields
 * separated by spaces. One parser for every benchmark's measurement.
 */
final class MeasurementLine {

    private final String line;
    private final Map<String, String> fields = new LinkedHashMap<>();

    private MeasurementLine(String line) {
        this.line = line;
    }

    /** Splits a line that must start with {@code prefix}; {@code what} names it in errors. */
    static MeasurementLine parse(String line, String prefix, String what) {
        if (!line.startsWith(prefix)) {
            throw new IllegalArgumentException("Not a " + what + " measurement: " + line);
        }
        MeasurementLine parsed = new MeasurementLine(line);
        for (String field : line.substring(prefix.length()).trim().split(" ")) {
            int eq = field.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("Malformed field '" + field + "' in: " + line);
            }
            parsed.fields.put(field.substring(0, eq), field.substring(eq + 1));
        }
        return parsed;
    }

    long longValue(String name) {
        try {
            return Long.parseLong(required(name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Malformed number in: " + line, e);
        }
    }

    double doubleValue(String name) {
        try {
            return Double.parseDouble(required(name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Malformed number in: " + line, e);
        }
    }

    private String required(String name) {
        String value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("Missing field '" + name + "' in: " + line);
        }
        return value;
    }
}

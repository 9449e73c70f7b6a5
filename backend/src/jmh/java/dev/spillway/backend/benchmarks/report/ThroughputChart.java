package dev.spillway.backend.benchmarks.report;

import dev.spillway.backend.benchmarks.BackendUnderTest;
import dev.spillway.backend.benchmarks.KeyDistribution;
import dev.spillway.backend.benchmarks.StateSize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws throughput against state size per backend as a self-contained SVG: one small panel per
 * operation, state size on the x axis (within the budget, ten times the budget), throughput on a
 * logarithmic y axis shared by all panels so panels compare at a glance. Each backend has a
 * colour; uniform key access is a solid line, Zipfian a dashed one. A backend that produced no
 * number at a size gets a mark on the x axis instead of a point: a cross for out of memory, an
 * exclamation mark for any other failure.
 */
final class ThroughputChart {

    private static final int COLUMNS = 4;
    private static final int PANEL_WIDTH = 250;
    private static final int PANEL_HEIGHT = 220;
    private static final int PLOT_LEFT = 52;
    private static final int PLOT_RIGHT = 18;
    private static final int PLOT_TOP = 30;
    private static final int PLOT_BOTTOM = 40;
    private static final int HEADER = 64;

    private static final Map<BackendUnderTest, String> COLOURS =
            Map.of(
                    BackendUnderTest.HEAP, "#d95f02",
                    BackendUnderTest.ROCKSDB, "#7570b3",
                    BackendUnderTest.SPILLWAY, "#1b9e77");

    private final StateBenchmarkResults results;
    private final StringBuilder svg = new StringBuilder();
    private final double minDecade;
    private final double maxDecade;

    private ThroughputChart(StateBenchmarkResults results) {
        this.results = results;
        double min = Double.MAX_VALUE;
        double max = Double.MIN_VALUE;
        for (BenchmarkCase c : results.cases()) {
            for (BackendUnderTest backend : BackendUnderTest.values()) {
                Measurement m = results.measurement(c, backend);
                if (m.hasThroughput() && m.opsPerMs() > 0) {
                    min = Math.min(min, m.opsPerMs());
                    max = Math.max(max, m.opsPerMs());
                }
            }
        }
        if (min > max) {
            min = 1;
            max = 10;
        }
        this.minDecade = Math.floor(Math.log10(min));
        this.maxDecade = Math.max(minDecade + 1, Math.ceil(Math.log10(max)));
    }

    static String render(StateBenchmarkResults results) {
        return new ThroughputChart(results).draw();
    }

    private String draw() {
        Map<String, List<BenchmarkCase>> panels = new LinkedHashMap<>();
        for (BenchmarkCase c : results.cases()) {
            panels.computeIfAbsent(c.stateType() + " " + c.operation(), k -> new ArrayList<>())
                    .add(c);
        }
        int rows = Math.max(1, (panels.size() + COLUMNS - 1) / COLUMNS);
        int width = COLUMNS * PANEL_WIDTH;
        int height = HEADER + rows * PANEL_HEIGHT;
        svg.append(
                        String.format(
                                Locale.ROOT,
                                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n",
                                width,
                                height,
                                width,
                                height))
                .append(
                        String.format(
                                Locale.ROOT,
                                "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
                                width,
                                height));
        text(
                12,
                20,
                "start",
                "font-size=\"14\" font-weight=\"bold\"",
                "State operations: throughput (ops/ms, log scale) against state size, budget "
                        + StateSize.BUDGET_MB
                        + " MiB managed memory");
        drawLegend();
        int index = 0;
        for (Map.Entry<String, List<BenchmarkCase>> panel : panels.entrySet()) {
            int x = (index % COLUMNS) * PANEL_WIDTH;
            int y = HEADER + (index / COLUMNS) * PANEL_HEIGHT;
            drawPanel(x, y, panel.getKey(), panel.getValue());
            index++;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private void drawLegend() {
        int x = 12;
        for (BackendUnderTest backend : BackendUnderTest.values()) {
            boolean measured =
                    results.cases().stream()
                            .anyMatch(c -> results.measurement(c, backend).hasThroughput());
            line(x, 40, x + 24, 40, COLOURS.get(backend), false);
            String label =
                    measured
                            ? backend.displayName()
                            : backend.displayName() + " (not available on this build)";
            text(x + 30, 44, "start", "", label);
            x += 40 + label.length() * 7;
        }
        line(x, 40, x + 24, 40, "#444", false);
        text(x + 30, 44, "start", "", "uniform");
        x += 90;
        line(x, 40, x + 24, 40, "#444", true);
        text(x + 30, 44, "start", "", "zipfian");
        x += 90;
        text(x, 44, "start", "", "✕ out of memory, ! failed (on the x axis)");
    }

    private void drawPanel(int x0, int y0, String title, List<BenchmarkCase> cases) {
        int left = x0 + PLOT_LEFT;
        int right = x0 + PANEL_WIDTH - PLOT_RIGHT;
        int top = y0 + PLOT_TOP;
        int bottom = y0 + PANEL_HEIGHT - PLOT_BOTTOM;
        text((left + right) / 2, y0 + 18, "middle", "font-weight=\"bold\"", title);
        for (double decade = minDecade; decade <= maxDecade; decade++) {
            double y = yOf(Math.pow(10, decade), top, bottom);
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                            left,
                            y,
                            right,
                            y));
            text(left - 4, y + 4, "end", "", tickLabel(decade));
        }
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n",
                        left,
                        top,
                        right - left,
                        bottom - top));
        StateSize[] sizes = StateSize.values();
        for (int i = 0; i < sizes.length; i++) {
            text(xOf(i, left, right), bottom + 16, "middle", "", sizes[i].label());
        }
        for (BackendUnderTest backend : BackendUnderTest.values()) {
            for (KeyDistribution distribution : KeyDistribution.values()) {
                drawSeries(cases, backend, distribution, left, right, top, bottom);
            }
        }
    }

    private void drawSeries(
            List<BenchmarkCase> cases,
            BackendUnderTest backend,
            KeyDistribution distribution,
            int left,
            int right,
            int top,
            int bottom) {
        String colour = COLOURS.get(backend);
        boolean dashed = distribution == KeyDistribution.ZIPFIAN;
        StateSize[] sizes = StateSize.values();
        double[] previous = null;
        for (int i = 0; i < sizes.length; i++) {
            Measurement m = measurementAt(cases, sizes[i], distribution, backend);
            double x = xOf(i, left, right) + (dashed ? 3 : -3);
            if (m == null || !m.hasThroughput()) {
                String marker = m == null ? null : failureMarker(m.display());
                if (marker != null) {
                    String style = "fill=\"" + colour + "\" font-size=\"14\"";
                    text(x, bottom - 3, "middle", style, marker);
                }
                previous = null;
                continue;
            }
            double y = yOf(m.opsPerMs(), top, bottom);
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                            x,
                            y,
                            colour));
            if (previous != null) {
                line(previous[0], previous[1], x, y, colour, dashed);
            }
            previous = new double[] {x, y};
        }
    }

    /** ✕ for out of memory, ! for another failure, none for "not available on this build". */
    private static String failureMarker(String outcome) {
        if (outcome.startsWith("OOM") || outcome.contains("OutOfMemoryError")) {
            return "✕";
        }
        return outcome.startsWith("failed") ? "!" : null;
    }

    private Measurement measurementAt(
            List<BenchmarkCase> cases,
            StateSize size,
            KeyDistribution distribution,
            BackendUnderTest backend) {
        for (BenchmarkCase c : cases) {
            if (c.size() == size && c.distribution() == distribution) {
                return results.measurement(c, backend);
            }
        }
        return null;
    }

    private static double xOf(int sizeIndex, int left, int right) {
        int count = StateSize.values().length;
        return left + (right - left) * (sizeIndex + 0.5) / count;
    }

    private double yOf(double opsPerMs, int top, int bottom) {
        double fraction = (Math.log10(opsPerMs) - minDecade) / (maxDecade - minDecade);
        return bottom - fraction * (bottom - top);
    }

    private static String tickLabel(double decade) {
        double value = Math.pow(10, decade);
        return value >= 1
                ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%s", value);
    }

    private void line(double x1, double y1, double x2, double y2, String colour, boolean dashed) {
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
                        x1,
                        y1,
                        x2,
                        y2,
                        colour,
                        dashed ? " stroke-dasharray=\"5,3\"" : ""));
    }

    private void text(double x, double y, String anchor, String attributes, String content) {
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>%s</text>\n",
                        x,
                        y,
                        anchor,
                        attributes,
                        escape(content)));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}

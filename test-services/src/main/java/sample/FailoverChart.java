package sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The demo's picture: answers per second per replica as a stacked area, client-visible errors as
 * a red line, and the events (kill, eviction, return, fault) as marked vertical lines. Plain SVG,
 * written by hand: each replica is one {@code <path class="series" data-replica=...>}, each event
 * one {@code <g class="marker" data-kind=...>}, so a test can read the picture back. Stateless.
 */
final class FailoverChart {

    /** An event on the time axis, in seconds since the traffic started. */
    record Marker(double at, String kind, String label) {}

    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948"};
    private static final int WIDTH = 900;
    private static final int HEIGHT = 400;
    private static final int LEFT = 56;
    private static final int RIGHT = 24;
    private static final int TOP = 96;
    /** Rows of event labels above the plot. */
    private static final int ROWS = 4;
    private static final int BOTTOM = 64;

    private FailoverChart() {}

    static void write(Path file, String title, List<String> replicas, List<Traffic.Second> seconds, List<Marker> markers)
            throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, svg(title, replicas, seconds, markers), StandardCharsets.UTF_8);
    }

    static String svg(String title, List<String> replicas, List<Traffic.Second> seconds, List<Marker> markers) {
        int n = Math.max(1, seconds.size());
        int max = Math.max(1, seconds.stream().mapToInt(Traffic.Second::total).max().orElse(1));
        double yMax = Math.ceil(max * 1.15 / 10) * 10;
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        Scale x = v -> LEFT + v / n * plotW;
        Scale y = v -> TOP + plotH - v / yMax * plotH;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, """
                <?xml version="1.0" encoding="UTF-8"?>
                <svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">
                <title>%s</title>
                <rect width="100%%" height="100%%" fill="white"/>
                <text x="%d" y="22" font-size="15" font-weight="bold">%s</text>
                """, WIDTH, HEIGHT, WIDTH, HEIGHT, escape(title), LEFT, escape(title)));
        // axes and grid
        for (int i = 0; i <= 4; i++) {
            double v = yMax * i / 4;
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n",
                    x.at(0), y.at(v), x.at(n), y.at(v), x.at(0) - 6, y.at(v) + 4, v));
        }
        for (int s = 0; s <= n; s += 5) {
            out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%ds</text>%n",
                    x.at(s), y.at(0) + 16, s));
        }
        out.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">answers per second</text>%n",
                TOP + plotH / 2, TOP + plotH / 2));
        // a fault's window (from "fault" to "heal") as a light band behind the series
        for (int i = 0; i < markers.size(); i++) {
            if (!markers.get(i).kind().equals("fault")) continue;
            double from = markers.get(i).at();
            double to = markers.stream().skip(i).filter(m -> m.kind().equals("heal")).mapToDouble(Marker::at).findFirst().orElse(n);
            out.append(String.format(Locale.ROOT, "<rect class=\"fault-window\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"#d62728\" fill-opacity=\"0.08\"/>%n",
                    x.at(from), TOP, x.at(to) - x.at(from), plotH));
        }
        // one stacked area per replica: its top edge left to right, then the one below right to left
        double[] below = new double[n];
        for (int r = 0; r < replicas.size(); r++) {
            String replica = replicas.get(r);
            double[] top = new double[n];
            for (int s = 0; s < n; s++) {
                top[s] = below[s] + (s < seconds.size() ? seconds.get(s).byReplica().getOrDefault(replica, 0) : 0);
            }
            StringBuilder d = new StringBuilder();
            for (int s = 0; s < n; s++) {
                d.append(s == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f L%.1f %.1f", x.at(s), y.at(top[s]), x.at(s + 1), y.at(top[s])));
            }
            for (int s = n - 1; s >= 0; s--) {
                d.append(String.format(Locale.ROOT, " L%.1f %.1f L%.1f %.1f", x.at(s + 1), y.at(below[s]), x.at(s), y.at(below[s])));
            }
            String colour = COLOURS[r % COLOURS.length];
            out.append(String.format(Locale.ROOT, "<path class=\"series\" data-replica=\"%s\" d=\"%s Z\" fill=\"%s\" fill-opacity=\"0.85\" stroke=\"%s\"/>%n",
                    escape(replica), d, colour, colour));
            out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\">%s</text>%n",
                    LEFT + r * 90.0, HEIGHT - 24, colour, LEFT + r * 90.0 + 16, HEIGHT - 14, escape(replica)));
            below = top;
        }
        // client-visible errors per second, drawn even when they are all zero
        int errors = seconds.stream().mapToInt(Traffic.Second::errors).sum();
        StringBuilder points = new StringBuilder();
        for (int s = 0; s < n; s++) {
            int e = s < seconds.size() ? seconds.get(s).errors() : 0;
            points.append(String.format(Locale.ROOT, "%.1f,%.1f %.1f,%.1f ", x.at(s), y.at(e), x.at(s + 1), y.at(e)));
        }
        out.append(String.format(Locale.ROOT, "<polyline class=\"errors\" data-total=\"%d\" points=\"%s\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2.5\"/>%n",
                errors, points.toString().strip()));
        double legendX = LEFT + replicas.size() * 90.0;
        out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d62728\" stroke-width=\"2.5\"/><text x=\"%.1f\" y=\"%d\">client-visible errors: %d</text>%n",
                legendX, HEIGHT - 18, legendX + 14, HEIGHT - 18, legendX + 18, HEIGHT - 14, errors));
        // events: a dashed line each; a label goes on the lowest row where it overlaps no other
        double[] rowEnds = new double[ROWS];
        Arrays.fill(rowEnds, Double.NEGATIVE_INFINITY);
        for (Marker m : markers) {
            double mx = x.at(Math.min(n, Math.max(0, m.at())));
            int row = 0;
            while (row < ROWS - 1 && rowEnds[row] > mx) row++;
            rowEnds[row] = mx + 6.5 * m.label().length() + 8;
            double labelY = TOP - 6 - 14 * row;
            out.append(String.format(Locale.ROOT, "<g class=\"marker\" data-kind=\"%s\" data-at=\"%.2f\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>"
                            + "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s</text></g>%n",
                    escape(m.kind()), m.at(), mx, labelY + 2, mx, y.at(0), mx + 3, labelY, escape(m.label())));
        }
        return out.append("</svg>\n").toString();
    }

    private interface Scale {
        double at(double v);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

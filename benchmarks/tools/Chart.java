import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws the end-to-end benchmark's chart: two groups of horizontal bars, req/s per row (more is
 * better) and CPU µs per request per row (less is better), each bar labelled with its value.
 * Plain SVG written by hand, no library. Not thread-safe (a program, run once).
 *
 * <pre>
 * java Chart.java ROWS.tsv OUT.svg "TITLE"
 * </pre>
 *
 * ROWS.tsv has one line per row: {@code name <TAB> req/s <TAB> CPU µs per request <TAB> kind},
 * kind being {@code gateway} (this gateway or a variant of it) or {@code peer} (direct, nginx, Spring
 * Cloud Gateway); a value that was not measured is {@code -} and its bar is left out.
 */
public final class Chart {

    record Row(String name, double rps, double cpuMicros, boolean peer) {}

    // Layout, in SVG user units (pixels at 100 %).
    private static final int WIDTH = 760, LABEL_WIDTH = 110, VALUE_WIDTH = 80, BAR_HEIGHT = 18, GAP = 6;
    private static final int TOP = 50, GROUP_TITLE = 26, GROUP_GAP = 24;
    private static final String GATEWAY_COLOUR = "#3b6ea8", PEER_COLOUR = "#9a9a9a";

    public static void main(String[] args) throws IOException {
        if (args.length != 3) throw new IllegalArgumentException("usage: java Chart.java ROWS.tsv OUT.svg TITLE");
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t");
            rows.add(new Row(f[0], number(f[1]), number(f[2]), f.length > 3 && f[3].equals("peer")));
        }
        Files.writeString(Path.of(args[1]), svg(rows, args[2]), StandardCharsets.UTF_8);
    }

    static String svg(List<Row> rows, String title) {
        int groupHeight = GROUP_TITLE + rows.size() * (BAR_HEIGHT + GAP);
        int height = TOP + 2 * groupHeight + GROUP_GAP + 30;
        StringBuilder s = new StringBuilder();
        s.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                        WIDTH, height, WIDTH, height))
                .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n")
                .append(text(10, 22, title, "font-size=\"15\" font-weight=\"bold\""))
                .append(text(10, 40, "medians of the rounds; blue: this gateway and its variants; grey: direct to a replica, nginx, Spring Cloud Gateway",
                        "fill=\"#555\""));
        int y = TOP;
        group(s, y, "Throughput, req/s; longer is better", rows, Row::rps, "%,.0f");
        y += groupHeight + GROUP_GAP;
        group(s, y, "CPU µs per request of the row's own process (direct: the replica); shorter is better", rows, Row::cpuMicros, "%,.1f");
        return s.append("</svg>\n").toString();
    }

    interface Value { double of(Row row); }

    /** One group: its title, then a bar per row scaled to the group's largest value. */
    private static void group(StringBuilder s, int y, String title, List<Row> rows, Value value, String format) {
        s.append(text(10, y + 14, title, "font-weight=\"bold\""));
        double max = 0;
        for (Row r : rows) if (value.of(r) > max) max = value.of(r);
        int barSpace = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
        int top = y + GROUP_TITLE;
        for (Row r : rows) {
            double v = value.of(r);
            int middle = top + BAR_HEIGHT / 2 + 4;
            s.append(text(10, middle, r.name(), ""));
            if (Double.isNaN(v)) {
                s.append(text(LABEL_WIDTH, middle, "not measured", "fill=\"#888\""));
            } else {
                double w = max > 0 ? Math.max(1, v / max * barSpace) : 1;
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                        LABEL_WIDTH, top, w, BAR_HEIGHT, r.peer() ? PEER_COLOUR : GATEWAY_COLOUR));
                s.append(text((int) Math.round(LABEL_WIDTH + w + 6), middle, String.format(Locale.ROOT, format, v), ""));
            }
            top += BAR_HEIGHT + GAP;
        }
    }

    private static String text(int x, int y, String content, String attributes) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\"%s>%s</text>%n", x, y,
                attributes.isEmpty() ? "" : " " + attributes, escape(content));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static double number(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN; // "-": not measured
        }
    }
}

package sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The demo's picture read back as XML: one series per replica, the events, the error line. */
class FailoverChartTest {

    /** One run's picture, committed for the README (written by ./build.sh demo, copied by hand). */
    static final Path COMMITTED = Path.of("../docs/failover.svg");

    @Test
    void oneSeriesPerReplicaTheEventsAndTheErrorLine() throws Exception {
        List<Traffic.Second> seconds = new ArrayList<>();
        for (int s = 0; s < 12; s++) {
            seconds.add(new Traffic.Second(s >= 4 && s < 8 ? Map.of("r1", 15, "r3", 15) : Map.of("r1", 10, "r2", 10, "r3", 10), 0));
        }
        List<FailoverChart.Marker> markers = List.of(new FailoverChart.Marker(4.0, "kill", "r2 killed"),
                new FailoverChart.Marker(4.2, "evict", "r2 evicted"), new FailoverChart.Marker(8.3, "return", "r2 back <again>"));
        Document svg = parse(FailoverChart.svg("a & b", List.of("r1", "r2", "r3"), seconds, markers));
        assertEquals(List.of("r1", "r2", "r3"), attributes(svg, "path", "series", "data-replica"));
        assertEquals(List.of("kill", "evict", "return"), attributes(svg, "g", "marker", "data-kind"));
        assertEquals(List.of("0"), attributes(svg, "polyline", "errors", "data-total"));
        assertTrue(svg.getDocumentElement().getTextContent().contains("r2 back <again>"));
    }

    @Test
    void errorsAreCountedAndDrawn() throws Exception {
        List<Traffic.Second> seconds = List.of(new Traffic.Second(Map.of("r1", 5), 2), new Traffic.Second(Map.of("r1", 5), 1));
        Document svg = parse(FailoverChart.svg("t", List.of("r1"), seconds, List.of()));
        assertEquals(List.of("3"), attributes(svg, "polyline", "errors", "data-total"));
    }

    @Test
    void theCommittedPictureShowsAFailoverWithoutClientErrors() throws Exception {
        assertTrue(Files.isRegularFile(COMMITTED), "docs/failover.svg: run ./build.sh demo and copy target/demo/failover.svg");
        Document svg = parse(Files.readString(COMMITTED));
        assertEquals(List.of("r1", "r2", "r3"), attributes(svg, "path", "series", "data-replica"));
        List<String> kinds = attributes(svg, "g", "marker", "data-kind");
        for (String kind : List.of("kill", "evict", "return")) assertTrue(kinds.contains(kind), kind + " in " + kinds);
        assertEquals(List.of("0"), attributes(svg, "polyline", "errors", "data-total"));
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> attributes(Document svg, String tag, String cssClass, String attribute) {
        NodeList nodes = svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.getAttribute("class").equals(cssClass)) values.add(e.getAttribute(attribute));
        }
        return values;
    }
}

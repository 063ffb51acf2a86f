package org.mdlsae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The design lives in the repository: every {@code docs/design.md §N} or {@code §N.M} cited in the code, the tests,
 * the README, the benchmarks, the kernels, the native build notes, the docs and the examples is a heading of
 * {@code docs/design.md}, and nothing cites the old design outside the repository ("DESIGN §").
 */
class DesignCitationsTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path DESIGN = ROOT.resolve("docs/design.md");
    /** Where citations may appear; recorded benchmark results keep the words they were written with. */
    private static final List<String> SCANNED = List.of("src", "README.md", "benchmarks", "kernels", "native", "docs", "examples", ".ci");
    private static final Path RESULTS = ROOT.resolve("benchmarks/results");

    /** "docs/design.md" followed by one or more section numbers ("§2.3", "§2.3–§2.4", "§2.2 and §2.5"). */
    private static final Pattern CITATION = Pattern.compile("docs/design\\.md\\s+(§\\d+(?:\\.\\d+)*(?:\\s*(?:–|-|,|and|or)\\s*§\\d+(?:\\.\\d+)*)*)");
    private static final Pattern NUMBER = Pattern.compile("§(\\d+(?:\\.\\d+)?)");
    private static final Pattern HEADING = Pattern.compile("^#{2,3} (\\d+(?:\\.\\d+)?)\\.? .*");

    /** The section numbers that are headings of the design. */
    static Set<String> sections(List<String> designLines) {
        Set<String> s = new TreeSet<>();
        for (String line : designLines) {
            Matcher m = HEADING.matcher(line);
            if (m.matches()) s.add(m.group(1));
        }
        return s;
    }

    /** The section numbers a text cites. */
    static List<String> cited(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = CITATION.matcher(text);
        while (m.find()) {
            Matcher n = NUMBER.matcher(m.group(1));
            while (n.find()) out.add(n.group(1));
        }
        return out;
    }

    private static List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String top : SCANNED) {
            Path p = ROOT.resolve(top);
            if (!Files.exists(p)) continue;
            try (Stream<Path> s = Files.walk(p)) {
                s.filter(Files::isRegularFile).filter(f -> !f.startsWith(RESULTS)).forEach(out::add);
            }
        }
        return out;
    }

    private static String text(Path f) throws IOException {
        try {
            return Files.readString(f);
        } catch (MalformedInputException binary) {
            return ""; // images, PTX blobs that are not UTF-8: nothing to cite
        }
    }

    @Test
    void everyCitedSectionExists() throws IOException {
        Set<String> sections = sections(Files.readAllLines(DESIGN));
        assertTrue(sections.containsAll(List.of("1", "2", "2.1", "2.6", "3", "3.4", "5", "14")), "headings: " + sections);
        List<String> missing = new ArrayList<>();
        List<String> bare = new ArrayList<>();
        int citations = 0;
        for (Path f : files()) {
            String t = text(f);
            for (String n : cited(t)) {
                citations++;
                if (!sections.contains(n)) missing.add(ROOT.relativize(f) + " cites §" + n);
            }
            if (t.contains("DESIGN §") && !f.getFileName().toString().equals("DesignCitationsTest.java")) {
                bare.add(ROOT.relativize(f).toString());
            }
        }
        assertTrue(citations > 30, "only " + citations + " citations found: is the scan looking in the right place?");
        assertEquals(List.of(), missing, "cited sections that are not headings of docs/design.md");
        assertEquals(List.of(), bare, "files citing the old design as \"DESIGN §\"; cite docs/design.md §N");
    }

    /** The checker is not vacuous: it finds every number of a cited range and knows a missing section. */
    @Test
    void citationsAreParsed() {
        assertEquals(List.of("2.3", "2.4", "5", "3.1"), cited("see docs/design.md §2.3–§2.4; docs/design.md §5 and "
                + "(docs/design.md §3.1)."));
        Set<String> s = sections(List.of("## 1. Purpose", "### 2.3 Description length", "#### 9.9 deeper", "## 14. Spark"));
        assertEquals(Set.of("1", "2.3", "14"), s);
        assertTrue(!s.contains(cited("docs/design.md §" + 99).get(0)), "a section that is no heading");
    }
}

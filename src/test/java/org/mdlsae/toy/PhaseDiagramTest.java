package org.mdlsae.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PhaseDiagramTest {
    @Test
    void gridAndBoundaryAgree(@TempDir Path dir) throws Exception {
        PhaseDiagram pd = new PhaseDiagram(0.05, 0.3, 6, 21);
        assertEquals(6 * 21, pd.points().size());
        double[] ps = pd.ps(), rs = pd.rhoStars();
        assertEquals(0.1, ps[1], 1e-12);
        assertEquals(0.1626, rs[1], 1e-3);
        for (FeatureSplitting.Point pt : pd.points()) {
            int i = (int) Math.round((pt.pA() - 0.05) / 0.05);
            double star = rs[i];
            if (Math.abs(pt.rho() - star) > 1e-9) assertEquals(pt.rho() > star, pt.splitPreferred(), pt.toString());
        }
        List<Path> files = pd.write(dir.resolve("out"));
        Path csv = dir.resolve("out").resolve(PhaseDiagram.CSV), png = dir.resolve("out").resolve(PhaseDiagram.PNG);
        assertEquals(List.of(csv, png), files);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("p,rho,q,dl2_bits,dl3_bits,split_preferred,rho_star", lines.get(0));
        assertEquals(1 + 6 * 21, lines.size());
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head);
        try (Stream<Path> s = Files.list(dir.resolve("out"))) {
            assertEquals(2, s.count(), "no temp files left behind");
        }
    }

    @Test
    void rejectsBadGrids() {
        assertThrows(IllegalArgumentException.class, () -> new PhaseDiagram(0, 0.5, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> new PhaseDiagram(0.2, 0.1, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> new PhaseDiagram(0.1, 0.5, 10, 1));
        assertTrue(new PhaseDiagram(0.1, 0.1, 1, 2).points().size() == 2);
    }
}

package org.mdlsae.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mdlsae dl --spark local[2]} prints the local {@code dl}'s JSON, character for character (§14). */
class SparkCliTest {
    @TempDir
    Path tmp;

    @Test
    void dlOnSparkPrintsTheLocalFigures() throws Exception {
        Path dir = TestData.shards(tmp.resolve("acts"), TestData.rows(3000, 4), 1000, 1000, 1000);
        Path sae = tmp.resolve("sae");
        TestData.Run t = TestData.cli("train", "--data", dir.toString(), "--arch", "topk", "--width", "24", "--k", "3",
                "--epochs", "3", "--out", sae.toString(), "--quiet", "--backend", "cpu");
        assertEquals(0, t.code(), t.err());
        String[] args = {"dl", "--sae", sae.toString(), "--data", dir.toString(), "--fvu", "0.5", "--json", "--backend", "cpu"};
        TestData.Run local = TestData.cli(args);
        assertEquals(0, local.code(), local.err());
        String[] withSpark = java.util.Arrays.copyOf(args, args.length + 2);
        withSpark[args.length] = "--spark";
        withSpark[args.length + 1] = "local[2]";
        TestData.Run spark = TestData.cli(withSpark);
        assertEquals(0, spark.code(), spark.err());
        assertTrue(local.out().contains("\"dl_bits\""), local.out());
        assertEquals(local.out(), spark.out());
    }

    @Test
    void sparkSubmitGetsItsMaster() {
        assertArrayEquals(new String[] {"dl", "--sae", "s", "--spark", "yarn"},
                SparkMain.withMaster(new String[] {"dl", "--sae", "s"}, "yarn"));
        assertArrayEquals(new String[] {"dl", "--spark", "local[1]"},
                SparkMain.withMaster(new String[] {"dl", "--spark", "local[1]"}, "yarn"));
        assertArrayEquals(new String[] {"info"}, SparkMain.withMaster(new String[] {"info"}, "yarn"));
    }
}

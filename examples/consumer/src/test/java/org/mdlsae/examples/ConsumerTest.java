package org.mdlsae.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.api.MdlSae;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;

/** Uses the installed engine artifact the way a library user would: write an SAE, load it through the facade. */
class ConsumerTest {
    @TempDir
    Path tmp;

    @Test
    void savesAndLoadsThroughTheFacade() throws Exception {
        int d = 3, width = 4;
        float[] enc = new float[width * d], dec = new float[width * d];
        for (int i = 0; i < enc.length; i++) {
            enc[i] = (float) Math.sin(i);
            dec[i] = (float) Math.cos(i);
        }
        SaeWeights w = new SaeWeights(Arch.TOPK, d, width, 2, Float.NaN, enc, new float[width], dec, new float[d]);
        Path dir = tmp.resolve("sae");
        SaeFiles.save(dir, w, Map.of("by", "consumer"), new SaeFiles.Origin("gpt2", "blocks.0.hook_resid_pre", "demo"));
        SaeWeights back = MdlSae.loadSae(dir);
        assertTrue(w.sameAs(back));
        assertEquals("saelens", SaeFiles.load(dir).format().id());
    }
}

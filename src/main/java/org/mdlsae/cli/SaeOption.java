package org.mdlsae.cli;

import java.nio.file.Path;
import org.mdlsae.InputException;
import org.mdlsae.math.Rows;
import org.mdlsae.io.SaeFiles;
import picocli.CommandLine.Option;

/** {@code --sae DIR}: an SAE directory to load. */
public final class SaeOption {
    @Option(names = "--sae", required = true, paramLabel = "DIR", description = "SAE directory (sae_weights.safetensors + cfg.json).")
    Path dir;

    SaeFiles.Loaded load() {
        return SaeFiles.load(dir);
    }

    /** Checks that the data's dimension matches the SAE's input dimension. */
    static void checkDims(SaeFiles.Loaded sae, Rows ds, Path dir, String flag) {
        if (sae.weights().dIn() != ds.dim()) {
            throw new InputException(flag + " " + ds.name() + " has dimension " + ds.dim() + " but the SAE in " + dir
                    + " expects d_in = " + sae.weights().dIn() + "; pass data of the SAE's input dimension");
        }
    }
}

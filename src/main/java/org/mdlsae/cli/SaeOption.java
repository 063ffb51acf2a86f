package org.mdlsae.cli;

import java.nio.file.Path;
import org.mdlsae.InputException;
import org.mdlsae.math.Rows;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.io.SaeFormat;
import picocli.CommandLine.Option;

/** {@code --sae PATH [--format F] [--hookpoint NAME]}: an SAE to load, in any format the engine reads. */
public final class SaeOption {
    @Option(names = "--sae", required = true, paramLabel = "PATH",
            description = "SAE directory or file: SAELens/mdlsae (cfg.json + sae_weights.safetensors), sparsify "
                    + "(cfg.json + sae.safetensors, or a run folder with one per hook point), Gemma Scope (params.npz), "
                    + "dictionary_learning (ae.pt [+ config.json]).")
    Path dir;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "auto",
            description = "auto (detect from the files, default), saelens, sparsify, gemma-scope or dictionary-learning.")
    String format;

    @Option(names = "--hookpoint", paramLabel = "NAME",
            description = "For a sparsify run folder: the hook point's sub-folder, e.g. layers.10.")
    String hookpoint;

    SaeFiles.Loaded load() {
        SaeFiles.Loaded l = SaeFiles.load(dir, SaeFormat.parse(format, "--format"), hookpoint);
        for (String n : l.notes()) System.err.println("mdlsae: note: " + n);
        return l;
    }

    /** Checks that the data's dimension matches the SAE's input dimension. */
    static void checkDims(SaeFiles.Loaded sae, Rows ds, Path dir, String flag) {
        if (sae.weights().dIn() != ds.dim()) {
            throw new InputException(flag + " " + ds.name() + " has dimension " + ds.dim() + " but the SAE in " + dir
                    + " expects d_in = " + sae.weights().dIn() + "; pass data of the SAE's input dimension");
        }
    }
}

package org.mdlsae.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.codec.Decompressor;
import org.mdlsae.codec.SaeDigest;
import org.mdlsae.io.Npy;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.mdl.SparseEncoder;
import org.mdlsae.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mdlsae decompress}: a compressed file back to its reconstruction (docs/design.md §13). */
@Command(name = "decompress", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Decode a file written by 'mdlsae compress' with the SAE it was made with into the reconstruction "
                + "(N×d float32 .npy), bit-identical to the one the compressor scored on the same back end.")
public final class DecompressCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The compressed file.")
    Path file;

    @Mixin
    SaeOption sae;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy",
            description = "The reconstruction to write (a new path: an existing .npy file is never replaced).")
    Path out;

    @Mixin
    BackendOption backend;

    @Option(names = "--json", description = "Print only a JSON object on standard output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        OutputTarget target = OutputTarget.check("--out", out, OutputKind.RECONSTRUCTION, OutputTarget.Mode.REPLACE, false);
        Decompressor dz = Decompressor.open(file);
        SaeFiles.Loaded loaded = sae.load();
        dz.checkSae(SaeDigest.of(loaded.weights()), sae.dir.toString());
        if ((long) dz.rows() * dz.dim() > Integer.MAX_VALUE - 8) {
            throw new InputException(file + " holds " + dz.rows() + " rows of " + dz.dim() + " values, more than one .npy "
                    + "array this engine writes (2^31 values)");
        }
        int rows = (int) dz.rows(), d = dz.dim();
        try (Backend be = backend.create(); Sae s = Sae.upload(be, loaded.weights())) {
            SparseEncoder model = SparseEncoder.of(s);
            target.writeFile(o -> {
                o.write(Npy.header(rows, d));
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                dz.decode(model, (row0, n, xhat) -> {
                    for (int q = 0; q < n * d; q++) {
                        if (!buf.hasRemaining()) {
                            o.write(buf.array(), 0, buf.position());
                            buf.clear();
                        }
                        buf.putFloat(xhat[q]);
                    }
                });
                o.write(buf.array(), 0, buf.position());
            });
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", rows);
        m.put("d_in", d);
        m.put("payload_bytes", dz.payloadBytes());
        m.put("out", target.path().toString());
        if (json) Json.print(m);
        else System.out.printf(Locale.ROOT, "wrote %d×%d reconstruction to %s%n", rows, d, target.path());
        return 0;
    }
}

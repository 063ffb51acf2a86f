import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.data.DataSources;
import org.mdlsae.data.Dataset;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;

/**
 * Determinism check for performance work on the CPU back end: trains a few SAEs on MNIST with fixed seeds (TopK and
 * BatchTopK, AuxK on and off, several batch sizes) and prints a SHA-256 of the trained weights and the DL report.
 * A change that keeps behaviour identical prints the same lines before and after. Run with either jar:
 *   java --add-modules jdk.incubator.vector -cp target/mdlsae.jar benchmarks/tools/Fingerprint.java [threads]
 */
public class Fingerprint {
    public static void main(String[] args) throws Exception {
        if (args.length > 0) System.setProperty("mdlsae.threads", args[0]);
        Dataset train = DataSources.load("mnist", null, "train", null);
        Dataset test = DataSources.load("mnist", null, "test", null);
        Object[][] runs = {
            {Arch.BATCHTOPK, 256, 16, 256, 1.0 / 32, 3},
            {Arch.BATCHTOPK, 1024, 32, 4096, 1.0 / 32, 2},
            {Arch.BATCHTOPK, 1000, 9, 333, 0.0, 2},
            {Arch.TOPK, 300, 8, 256, 1.0 / 32, 2},
            {Arch.TOPK, 2048, 64, 1024, 1.0 / 32, 1},
        };
        var be = new CpuBackend();
        for (Object[] r : runs) {
            Arch arch = (Arch) r[0];
            int width = (int) r[1], k = (int) r[2], batch = (int) r[3], epochs = (int) r[5];
            double alpha = (double) r[4];
            // dead after one batch without firing, so AuxK runs when alpha > 0
            TrainConfig cfg = TrainConfig.defaults(arch, width, k).withBatch(batch).withEpochs(epochs).withAux(alpha, null, (long) batch);
            SaeWeights w = new Trainer(be, cfg, null).train(train.data(), train.rows(), train.dim()).weights();
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (float[] a : new float[][] {w.enc(), w.bEnc(), w.dec(), w.bDec(), {w.threshold()}}) {
                ByteBuffer b = ByteBuffer.allocate(a.length * 4);
                b.asFloatBuffer().put(a);
                md.update(b.array());
            }
            DlReport rep;
            try (Sae sae = Sae.upload(be, w)) {
                rep = Mdl.of(sae, test.data(), test.rows()).calibration(train.data(), train.rows()).delta(1e-4).evaluate();
            }
            System.out.printf("%s D=%d k=%d batch=%d aux=%s: weights %s  B*=%s DL=%s mse=%s%n", arch, width, k, batch, alpha > 0,
                    HexFormat.of().formatHex(md.digest()).substring(0, 16), rep.bits(), rep.dlBits(), rep.mse());
        }
    }
}

// The notebook facade, api.MdlSae, end to end in jshell, on synthetic data (no download, nothing outside a fresh
// temporary directory). CI runs it after the build:
//   jshell --add-modules jdk.incubator.vector -R--add-modules -Rjdk.incubator.vector \
//          --class-path target/mdlsae.jar examples/quickstart.jsh </dev/null
// It counts its own failed checks (and those that never ran) and exits with that number: jshell itself would exit 0
// after an exception.

import java.nio.file.*;
import java.util.*;
import org.mdlsae.ConfigException;
import org.mdlsae.api.MdlSae;
import org.mdlsae.data.Dataset;
import org.mdlsae.io.Npy;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.SweepConfig;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.train.TrainListener;

int failed = 0;
int passed = 0;
// every check below; one that never ran (a snippet that did not compile, e.g. without the jar) counts as failed
int expected = 12;

interface Check { boolean ok() throws Exception; }

void check(String what, Check c) {
    try {
        if (c.ok()) { passed++; System.out.println("ok    " + what); }
        else { failed++; System.out.println("FAIL  " + what); }
    } catch (Throwable t) {
        failed++;
        System.out.println("FAIL  " + what + ": " + t);
    }
}

Path dir = Files.createTempDirectory("mdlsae-quickstart-");
System.out.println("working in " + dir);

// Synthetic activations: 3000 rows of d = 32, each a sum of 3 of 48 random unit directions with random magnitudes.
int n = 3000, d = 32, m = 48;
SplittableRandom rnd = new SplittableRandom(7);
float[][] dirs = new float[m][d];
for (float[] f : dirs) { double s = 0; for (int c = 0; c < d; c++) { f[c] = (float) (rnd.nextDouble() - 0.5); s += f[c] * f[c]; } for (int c = 0; c < d; c++) f[c] /= (float) Math.sqrt(s); }
float[] x = new float[n * d];
for (int i = 0; i < n; i++) for (int a = 0; a < 3; a++) { float[] f = dirs[rnd.nextInt(m)]; double g = 0.5 + rnd.nextDouble(); for (int c = 0; c < d; c++) x[i * d + c] += (float) (g * f[c]); }
Npy.write(dir.resolve("acts.npy"), x, n, d);

MdlSae mdl = MdlSae.open("cpu");
Dataset data = MdlSae.load(dir.resolve("acts.npy"));
check("a data file loads with its shape", () -> data.rows() == n && data.dim() == d);

// Train: the default progress listener prints one line per epoch.
MdlSae.Trained t = mdl.train(data, MdlSae.config("batchtopk", 64, 4).withEpochs(5).withBatch(128));
SaeWeights w = t.weights();
check("training gives a width-64 BatchTopK SAE with a threshold", () -> w.width() == 64 && Float.isFinite(w.threshold()));

Metrics q = mdl.evaluate(w, data);
System.out.printf("MSE %.5f  FVU %.3f  L0 %.2f  dead %.1f%%%n", q.mse(), q.fvu(), q.l0(), 100 * q.deadFraction());
check("the SAE explains most of the variance", () -> q.fvu() < 0.5);

MdlSae.Codes z = mdl.encode(w, data);
float[] xhat = mdl.decode(w, z);
check("encode then decode equals reconstruct", () -> Arrays.equals(xhat, mdl.reconstruct(w, data)));
check("codes are sparse (L0 near k)", () -> z.l0() > 1 && z.l0() < 12);
check("the SAE stayed on the device between calls", () -> mdl.uploadedCount() == 1);

DlReport dl = mdl.dl(w, data, data, q.mse() * 1.2);
System.out.printf("B* = %s bits, entropy DL %.1f bits/sample, bound %.1f, dense %d%n", dl.bits(), dl.dlBits(), dl.dlBoundBits(), dl.denseBits());
check("the DL at 1.2 × its MSE is admissible and below the dense code", () -> dl.admissible() && dl.dlBits() < dl.denseBits());

mdl.save(t, dir.resolve("sae"));
check("save then load gives the same weights", () -> MdlSae.loadSae(dir.resolve("sae")).sameAs(w));
check("cfg.json holds the training record", () -> Files.readString(dir.resolve("sae/cfg.json")).contains("\"dead_samples\""));

check("a bad setting names its config field", () -> {
    try { MdlSae.config("topk", 64, 4).withLr(Double.NaN); return false; }
    catch (ConfigException e) { return e.field().equals("TrainConfig.lr"); }
});

mdl.progress(TrainListener.NONE);
SweepResults r = mdl.sweep(data, data, SweepConfig.defaults(MdlSae.config("batchtopk", 16, 1).withEpochs(3).withBatch(256))
        .withWidths(List.of(16, 32)).withEps(q.mse() * 2), dir.resolve("sweep"));
System.out.println("sweep: best " + (r.best() == null ? "none" : "D=" + r.best().width() + " k=" + r.best().k()));
check("the sweep selects an SAE and writes its report", () -> r.best() != null && Files.isRegularFile(dir.resolve("sweep/report.html")));

mdl.close();
check("a closed session refuses work", () -> {
    try { mdl.evaluate(w, data); return false; } catch (IllegalStateException e) { return true; }
});

int missing = Math.max(0, expected - passed - failed);
System.out.println(passed + " passed, " + failed + " failed, " + missing + " did not run");
/exit failed + missing

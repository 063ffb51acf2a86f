package org.mdlsae.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;
import org.mdlsae.InputException;
import org.mdlsae.data.ShardSet;
import org.mdlsae.io.AtomicFiles;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.Ownership;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;

/**
 * A training run's checkpoint on disk (docs/design.md §6): a directory of kind {@link OutputKind#CHECKPOINT} holding
 * {@value #STATE_JSON} (the job it belongs to, the step, the data cursor — exact for in-memory and streamed sources
 * alike, docs/design.md §8 —, the normalisation factor and the scalars, floating-point values as
 * their bits, and a k schedule's state when the run has one, docs/design.md §10) and {@value #STATE_BIN} (the weights, the eight Adam moment tensors and the dead-latent counters, raw
 * big-endian). It is written with {@link AtomicFiles#publishDirectory}, so a kill leaves the previous checkpoint or
 * the new one, never half of one. Used as the {@link Trainer.Checkpoints} sink of a run: a snapshot every
 * {@code everySteps} steps, or, with 0, about every five minutes of training. A run continued from it with
 * {@link Trainer#resume} ends bit-identical (CPU back end) to the run that was never stopped.
 *
 * <p>A checkpoint belongs to one job: the {@link #jobKey} of the training settings and the data. Loading one of
 * another job is refused (or, for a sweep, discarded), never resumed.
 */
public final class CheckpointDir implements Trainer.Checkpoints {
    private static final Logger LOG = Logger.getLogger(CheckpointDir.class.getName());
    /** The scalars and identity of the snapshot. */
    static final String STATE_JSON = "state.json";
    /** The arrays of the snapshot. */
    static final String STATE_BIN = "state.bin";
    /** Default cadence without a step count: seconds of training between snapshots. */
    public static final double DEFAULT_SECONDS = 300;
    private static final byte[] MAGIC = "MDLSAECK".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT = 2;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final String job;
    private final long everySteps;
    private final Normalization norm;
    private double lastSeconds;

    /**
     * A checkpoint sink.
     *
     * @param dir        the checkpoint directory (replaced atomically at each snapshot)
     * @param job        the run's {@link #jobKey}
     * @param everySteps a snapshot every this many steps; 0: about every {@value #DEFAULT_SECONDS} seconds of training;
     *                   negative: never
     * @param norm       the normalisation the run trains with (recorded, so that a resume continues with it)
     */
    public CheckpointDir(Path dir, String job, long everySteps, Normalization norm) {
        this.dir = dir;
        this.job = job;
        this.everySteps = everySteps;
        this.norm = norm;
    }

    /**
     * A checkpoint as loaded: the trainer's state and the normalisation of the run (its weights are in the units
     * training saw; {@link Trainer#resume(Trainer.State, Rows, Normalization)} folds at the end).
     *
     * @param state         the snapshot
     * @param normalization the run's normalisation
     */
    public record Snapshot(Trainer.State state, Normalization normalization) {
    }

    /**
     * Identifies a job: SHA-256 of the training config, the activation rule, the data's shape and a fingerprint of the
     * data ({@link #dataHash}). Equal keys mean a checkpoint (or a finished SAE) can stand for this run.
     *
     * @param cfg  the training config
     * @param data the training rows, in memory or streamed
     * @return 32 hex digits
     */
    public static String jobKey(TrainConfig cfg, Rows data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config", cfg);
        m.put("rule", ActivationRule.of(cfg.arch(), cfg.k()).name());
        m.put("rows", data.rowCount());
        m.put("dim", data.dim());
        m.put("data_hash", dataHash(data));
        try {
            byte[] text = JSON.writeValueAsBytes(m);
            return HexFormat.of().formatHex(sha256(text), 0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A guard against changed data, not a MAC: for rows in memory, FNV-1a over the values' bits; for shards streamed
     * from disk (which may be far larger than memory and would cost a full read), each shard's path, size,
     * modification time, dtype and rows, and the rows used of them.
     */
    static String dataHash(Rows data) {
        if (data instanceof ShardSet s) {
            StringBuilder sb = new StringBuilder().append(s.firstRow()).append('+').append(s.rowCount());
            for (ShardSet.Shard sh : s.shards()) {
                Path f = sh.file().toAbsolutePath().normalize();
                long size, mtime;
                try {
                    size = Files.size(f);
                    mtime = Files.getLastModifiedTime(f).toMillis();
                } catch (IOException e) {
                    throw new InputException(f + ": cannot read its size and time (" + e.getMessage() + ")");
                }
                sb.append('|').append(f).append(',').append(size).append(',').append(mtime).append(',')
                        .append(sh.dtype()).append(',').append(sh.rows()).append(',').append(sh.tensor());
            }
            return "shards:" + HexFormat.of().formatHex(sha256(sb.toString().getBytes(StandardCharsets.UTF_8)), 0, 16);
        }
        long[] h = {0xcbf29ce484222325L};
        data.forEachChunk(4096, (r0, n, buf, off) -> {
            for (int i = off, end = off + n * data.dim(); i < end; i++) {
                h[0] ^= Float.floatToRawIntBits(buf[i]);
                h[0] *= 0x100000001b3L;
            }
        });
        return Long.toHexString(h[0]);
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java platform has SHA-256
        }
    }

    @Override
    public boolean due(long step, double seconds) {
        if (everySteps > 0) return step % everySteps == 0;
        if (everySteps < 0 || seconds - lastSeconds < DEFAULT_SECONDS) return false;
        lastSeconds = seconds;
        return true;
    }

    @Override
    public void save(Trainer.State s) {
        try {
            AtomicFiles.publishDirectory(dir, OutputKind.CHECKPOINT, tmp -> {
                AtomicFiles.writeString(tmp.resolve(STATE_JSON), JSON.writeValueAsString(header(s)) + "\n");
                AtomicFiles.writeAtomic(tmp.resolve(STATE_BIN), out -> writeArrays(s, out));
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Object> header(Trainer.State s) {
        SaeWeights w = s.weights();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("job", job);
        m.put("rule", s.rule());
        m.put("step", s.step());
        m.put("epoch", s.data().epoch());
        m.put("position", s.data().position());
        m.put("seed", s.data().seed());
        m.put("arch", w.arch().id());
        m.put("d_in", w.dIn());
        m.put("width", w.width());
        m.put("k", w.k());
        m.put("samples", s.samples());
        // floating-point scalars as bits: NaN (θ before the first batch, TopK) and every value survive exactly
        m.put("threshold_bits", Float.floatToRawIntBits(w.threshold()));
        m.put("theta_bits", Float.floatToRawIntBits(s.theta()));
        m.put("seconds_bits", Double.doubleToRawLongBits(s.seconds()));
        m.put("first_mse_bits", Double.doubleToRawLongBits(s.firstMse()));
        m.put("last_mse_bits", Double.doubleToRawLongBits(s.lastMse()));
        m.put("last_l0_bits", Double.doubleToRawLongBits(s.lastL0()));
        m.put("seconds", s.seconds()); // for people
        m.put("normalize", norm.method().id());
        m.put("scaling_factor_bits", Double.doubleToRawLongBits(norm.factor()));
        m.put("mean_norm_bits", Double.doubleToRawLongBits(norm.meanNorm()));
        m.put("norm_sample_rows", norm.sampleRows());
        if (s.schedule() != null) m.put("k_schedule", s.schedule());
        return m;
    }

    private static void writeArrays(Trainer.State s, OutputStream raw) throws IOException {
        DataOutputStream out = new DataOutputStream(raw);
        out.write(MAGIC);
        SaeWeights w = s.weights();
        for (float[] a : new float[][] {w.enc(), w.bEnc(), w.dec(), w.bDec()}) floats(out, a);
        for (float[] a : s.moments()) floats(out, a);
        out.writeInt(s.sinceFired().length);
        ByteBuffer b = ByteBuffer.allocate(8 * s.sinceFired().length);
        b.asLongBuffer().put(s.sinceFired());
        out.write(b.array());
        out.flush();
    }

    private static void floats(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        ByteBuffer b = ByteBuffer.allocate(4 * 65536);
        for (int i = 0; i < a.length; i += 65536) {
            int len = Math.min(65536, a.length - i);
            b.clear();
            b.asFloatBuffer().put(a, i, len);
            out.write(b.array(), 0, 4 * len);
        }
    }

    /**
     * Loads the checkpoint of this job, if there is one.
     *
     * @param dir the checkpoint directory (may be absent)
     * @param job the run's {@link #jobKey}
     * @param cfg the run's config (the state is rebuilt with it)
     * @return the state with the run's normalisation, or null if there is no checkpoint
     * @throws OtherJob if the checkpoint belongs to another job
     * @throws InputException if it is not the engine's or cannot be read
     */
    public static Snapshot load(Path dir, String job, TrainConfig cfg) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return null;
        if (Ownership.kindOf(dir) != OutputKind.CHECKPOINT || Ownership.foreignEntry(dir) != null) {
            throw new InputException(dir + ": not a checkpoint this engine wrote; move it away");
        }
        try {
            JsonNode h = JSON.readTree(dir.resolve(STATE_JSON).toFile());
            if (h.path("format").asInt() != FORMAT) throw new InputException(dir + ": checkpoint format " + h.path("format") + " is not " + FORMAT);
            if (!job.equals(h.path("job").asText())) throw new OtherJob(dir);
            int d = h.get("d_in").asInt(), width = h.get("width").asInt();
            if (width != cfg.width() || h.get("k").asInt() != cfg.k() || !h.get("arch").asText().equals(cfg.arch().id())) {
                throw new OtherJob(dir);
            }
            float[][] a = new float[12][];
            long[] since;
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(dir.resolve(STATE_BIN)), 1 << 16)) {
                DataInputStream in = new DataInputStream(raw);
                if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) throw new InputException(dir + ": " + STATE_BIN + " is not a checkpoint");
                long wd = (long) width * d;
                long[] sizes = {wd, width, wd, d, wd, wd, width, width, wd, wd, d, d};
                for (int i = 0; i < 12; i++) a[i] = floats(in, sizes[i], dir);
                int n = in.readInt();
                if (n != width) throw new InputException(dir + ": dead-latent counters for " + n + " latents, expected " + width);
                byte[] bytes = in.readNBytes(8 * n);
                if (bytes.length != 8 * n) throw new EOFException();
                since = new long[n];
                ByteBuffer.wrap(bytes).asLongBuffer().get(since);
            }
            SaeWeights w = new SaeWeights(Arch.parse(h.get("arch").asText(), "checkpoint arch"), d, width, h.get("k").asInt(),
                    Float.intBitsToFloat(h.get("threshold_bits").asInt()), a[0], a[1], a[2], a[3]);
            float[][] moments = Arrays.copyOfRange(a, 4, 12);
            Normalization.Method method = Normalization.Method.parse(h.get("normalize").asText(), "checkpoint normalize");
            if (method != cfg.normalize()) throw new OtherJob(dir);
            Normalization norm = method == Normalization.Method.NONE ? Normalization.none()
                    : new Normalization(method, Double.longBitsToDouble(h.get("scaling_factor_bits").asLong()),
                    Double.longBitsToDouble(h.get("mean_norm_bits").asLong()), h.get("norm_sample_rows").asInt());
            Trainer.State state = new Trainer.State(cfg, h.get("rule").asText(), h.get("step").asLong(),
                    new BatchSource.Cursor(h.get("epoch").asInt(), h.get("position").asLong(), h.get("seed").asLong()), w, moments,
                    since, Float.intBitsToFloat(h.get("theta_bits").asInt()), h.get("samples").asLong(),
                    Double.longBitsToDouble(h.get("seconds_bits").asLong()), Double.longBitsToDouble(h.get("first_mse_bits").asLong()),
                    Double.longBitsToDouble(h.get("last_mse_bits").asLong()), Double.longBitsToDouble(h.get("last_l0_bits").asLong()),
                    h.hasNonNull("k_schedule") ? h.get("k_schedule").asText() : null);
            return new Snapshot(state, norm);
        } catch (IOException | NullPointerException e) {
            throw new InputException(dir + ": unreadable checkpoint (" + e + "); delete it or pass --force to start afresh");
        }
    }

    private static float[] floats(DataInputStream in, long expected, Path dir) throws IOException {
        int n = in.readInt();
        if (n != expected) throw new InputException(dir + ": checkpoint array of " + n + " values, expected " + expected);
        float[] a = new float[n];
        byte[] buf = new byte[4 * 65536];
        for (int i = 0; i < n; i += 65536) {
            int len = Math.min(65536, n - i);
            in.readFully(buf, 0, 4 * len);
            ByteBuffer.wrap(buf, 0, 4 * len).asFloatBuffer().get(a, i, len);
        }
        return a;
    }

    /**
     * Deletes a checkpoint, and the leftovers of snapshots killed mid-write, once its run is published (only what is
     * the engine's).
     *
     * @param dir the checkpoint directory (may be absent)
     */
    public static void delete(Path dir) {
        Ownership.cleanLeftovers(dir); // a snapshot killed mid-write
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        if (Ownership.kindOf(dir) != OutputKind.CHECKPOINT || Ownership.foreignEntry(dir) != null) return;
        try {
            AtomicFiles.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warning("could not delete the finished run's checkpoint " + dir + ": " + e.getMessage());
        }
    }

    /** A checkpoint of another job (other settings or data) where this run's would be. */
    public static final class OtherJob extends InputException {
        OtherJob(Path dir) {
            super(dir + ": holds the checkpoint of an unfinished run with other settings or data");
        }
    }
}

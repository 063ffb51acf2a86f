import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Synthetic activation shards for benchmarks/shards.sh (never committed): rows that are sparse sums of 16 of 4096
 * random unit directions in R^d with magnitudes in [0.5, 2.5), plus Gaussian noise of σ = 0.05, written as .npy
 * shards (float16 or float32). Row r depends only on (seed, r), so any split into shards holds the same rows.
 *
 *   java benchmarks/tools/GenShards.java --out DIR --rows N [--d 768] [--shard-rows 65536] [--dtype f16|f32] [--seed 1]
 *   java benchmarks/tools/GenShards.java --file F.npy --rows N [--d 768] [--dtype f32] [--seed 1]
 */
public class GenShards {
    static final int FEATURES = 4096, ACTIVE = 16;

    public static void main(String[] args) throws IOException {
        Path out = null, file = null;
        long rows = 0, shardRows = 65536;
        int d = 768;
        String dtype = "f16";
        long seed = 1;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--file" -> file = Path.of(args[i + 1]);
                case "--rows" -> rows = Long.parseLong(args[i + 1]);
                case "--d" -> d = Integer.parseInt(args[i + 1]);
                case "--shard-rows" -> shardRows = Long.parseLong(args[i + 1]);
                case "--dtype" -> dtype = args[i + 1];
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (rows < 1 || (out == null) == (file == null) || !dtype.matches("f16|f32")) {
            System.err.println("usage: GenShards (--out DIR | --file F.npy) --rows N [--d 768] [--shard-rows 65536] "
                    + "[--dtype f16|f32] [--seed 1]");
            System.exit(2);
        }
        float[] dirs = directions(d, seed);
        if (file != null) {
            write(file, 0, rows, d, dtype, seed, dirs);
            return;
        }
        Files.createDirectories(out);
        long shards = (rows + shardRows - 1) / shardRows;
        final Path dir = out;
        final long total = rows, per = shardRows;
        final int dd = d;
        final String dt = dtype;
        final long sd = seed;
        IntStream.range(0, (int) shards).parallel().forEach(s -> {
            long from = s * per, to = Math.min(total, from + per);
            try {
                write(dir.resolve(String.format(Locale.ROOT, "acts-%05d.npy", s)), from, to, dd, dt, sd, dirs);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Files.writeString(out.resolve("manifest.json"), String.format(Locale.ROOT,
                "{\"generator\": \"benchmarks/tools/GenShards.java\", \"rows\": %d, \"d\": %d, \"dtype\": \"%s\", \"seed\": %d}%n",
                rows, d, dtype, seed));
    }

    static float[] directions(int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] dirs = new float[FEATURES * d];
        for (int f = 0; f < FEATURES; f++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                double v = r.nextDouble() - 0.5;
                dirs[f * d + c] = (float) v;
                s += v * v;
            }
            float inv = (float) (1 / Math.sqrt(s));
            for (int c = 0; c < d; c++) dirs[f * d + c] *= inv;
        }
        return dirs;
    }

    static void write(Path file, long from, long to, int d, String dtype, long seed, float[] dirs) throws IOException {
        int size = dtype.equals("f16") ? 2 : 4;
        byte[] header = header(to - from, d, dtype.equals("f16") ? "<f2" : "<f4");
        float[] row = new float[d];
        ByteBuffer buf = ByteBuffer.allocate(1024 * d * size).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(header));
            for (long r = from; r < to; r++) {
                SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + r);
                java.util.Arrays.fill(row, 0f);
                for (int a = 0; a < ACTIVE; a++) {
                    int f = rnd.nextInt(FEATURES);
                    float m = (float) (0.5 + 2 * rnd.nextDouble());
                    for (int c = 0; c < d; c++) row[c] += m * dirs[f * d + c];
                }
                for (int c = 0; c < d; c++) {
                    float v = row[c] + (float) (0.05 * gaussian(rnd));
                    if (size == 2) buf.putShort(toHalf(v));
                    else buf.putFloat(v);
                }
                if (!buf.hasRemaining() || r == to - 1) {
                    buf.flip();
                    while (buf.hasRemaining()) ch.write(buf);
                    buf.clear();
                }
            }
        }
    }

    static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** float → binary16, round to nearest even; values below the normal range flush to zero. */
    static short toHalf(float f) {
        int b = Float.floatToIntBits(f);
        int sign = (b >>> 16) & 0x8000;
        int e = ((b >>> 23) & 0xff) - 127 + 15;
        int m = b & 0x7fffff;
        if (e <= 0) return (short) sign;
        if (e >= 31) return (short) (sign | 0x7c00);
        int h = (e << 10) | (m >>> 13);
        int rest = m & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1)) h++;
        return (short) (sign | h);
    }

    /** The .npy version 1.0 header numpy writes for a C-order 2-D array. */
    static byte[] header(long rows, int d, String descr) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + rows + ", " + d + "), }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String text = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + text.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) text.length()).put(text.getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }
}

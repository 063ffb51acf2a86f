package org.mdlsae.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.math.Rows;
import org.mdlsae.train.BatchSources;
import org.mdlsae.train.TrainConfig;

/**
 * Up-front resource checks (docs/design.md §6): every command estimates, from its shapes, the Java heap (and the
 * device memory of a GPU back end) it will need and refuses to start, with the estimate and the fix, when it does
 * not fit; a shape whose arrays would exceed what one Java array holds (an int overflow) is refused naming the
 * flag. The estimates count the arrays the code allocates; data loaded into memory is already in the heap's used
 * part, and data streamed from shards counts only with the buffers that read it (docs/design.md §8).
 */
final class Resources {
    /** The most elements a Java array holds (the VM reserves a few header words). */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** Fraction of the free heap (or device memory) a job may plan to use: room for the garbage collector. */
    private static final double HEADROOM = 0.85;

    private Resources() {
    }

    /**
     * What a job needs.
     *
     * @param heapBytes   Java heap beyond what is in use now (the loaded data)
     * @param deviceBytes device memory (0 on the CPU back end, whose buffers are Java arrays counted in the heap)
     * @param largestArray the largest single array, in bytes (it must fit the old generation)
     */
    record Need(long heapBytes, long deviceBytes, long largestArray) {
        Need max(Need o) {
            return new Need(Math.max(heapBytes, o.heapBytes), Math.max(deviceBytes, o.deviceBytes),
                    Math.max(largestArray, o.largestArray));
        }
    }

    /**
     * The memory of one training run (train, each sweep run): the SAE's parameters, their gradients and two Adam
     * moments (4·P floats, P = 2·D·d + D + d), the batch's dense pre-activations (b·D), four b×d buffers, the TopK
     * and AuxK scratch (2·b·(k + k_aux) values and indices), on the back end; on the host the initial weights (2·P)
     * kept during training, the downloaded result (2·P), the batch (b·d) and what the batch source holds besides the
     * data ({@link BatchSources#memoryBytes}: the shuffle for rows in memory, the mixing window and read-ahead blocks
     * for shards streamed from disk, whose size never enters the heap). Refuses shapes that overflow a Java array
     * first, naming {@code widthFlag} ({@code --width}, {@code --widths}).
     */
    static Need training(TrainConfig cfg, Rows data, Backend be, String widthFlag) {
        long n = data.rowCount();
        int d = data.dim();
        long width = cfg.width(), b = Math.min(cfg.batch(), n), kAux = cfg.effectiveAuxK(d), k = cfg.k();
        array(width * d, widthFlag, "the encoder and decoder would each hold D·d = " + width + "·" + d + " weights",
                "use widths ≤ " + MAX_ARRAY / d);
        array(b * width, "--batch", "a batch's pre-activations would hold b·D = " + b + "·" + width + " values",
                "use --batch ≤ " + Math.max(1, MAX_ARRAY / width));
        long p = 2 * width * d + width + d;
        long backend = 4 * (4 * p + b * width + 4 * b * d + 2 * b * (k + kAux)) + 4 * (b * (k + kAux) + 2 * width);
        long host = 4 * (2 * p + 2 * p + b * d) + 8 * width + BatchSources.memoryBytes(data, cfg);
        long largest = 4 * Math.max(width * d, b * width);
        boolean device = be.deviceMemoryBytes() >= 0;
        return device ? new Need(host, backend, largest) : new Need(host + backend, 0, largest);
    }

    /**
     * The memory of evaluating an SAE on n rows (eval, dl, a sweep's measurement): its weights as read and uploaded
     * (3·P floats on the CPU back end), one chunk of the chunked encoding (at most 4096 rows and 2^24 dense
     * pre-activations) and the codes kept between the two passes of the DL evaluation (at most 2^24 entries of 8 bytes).
     */
    static Need evaluation(long width, int d, int k, long n, Backend be) {
        array(width * d, "--width", "the SAE's encoder would hold D·d = " + width + "·" + d + " weights",
                "use a narrower SAE");
        long p = 2 * width * d + width + d;
        long chunk = Math.max(1, Math.min(Math.min(4096, n), (1L << 24) / Math.max(width, d)));
        long work = 4 * chunk * (width + 2L * d) + 8 * Math.min(n * k, 1L << 24);
        boolean device = be.deviceMemoryBytes() >= 0;
        return device ? new Need(4 * 2 * p, 4 * p + work, 4 * width * d) : new Need(4 * 3 * p + work, 0, 4 * width * d);
    }

    private static void array(long elements, String flag, String what, String fix) {
        if (elements > MAX_ARRAY) {
            throw new InputException(flag + ": " + what + ", more than one Java array holds (" + MAX_ARRAY + "); " + fix);
        }
    }

    /**
     * Refuses to start when {@code need} does not fit.
     *
     * @param need what the job needs
     * @param be   the back end (its device memory, if any), or null before one is chosen
     * @param fix  the flags that make the job smaller, e.g. "a smaller --width or --batch"
     * @throws InputException with the estimate, what is available and the fix
     */
    static void require(Need need, Backend be, String fix) {
        Runtime rt = Runtime.getRuntime();
        long max = rt.maxMemory();
        long used = rt.totalMemory() - rt.freeMemory();
        if (need.heapBytes() > HEADROOM * (max - used)) {
            System.gc(); // what is in use may be garbage (e.g. a decompressed download)
            used = rt.totalMemory() - rt.freeMemory();
        }
        long oldGen = largestBlock(max);
        if (need.heapBytes() > HEADROOM * (max - used) || need.largestArray() > HEADROOM * oldGen) {
            double want = (used + need.heapBytes()) / HEADROOM;
            // a single array must fit the old generation, about 2/3 of the heap with the default collector
            want = Math.max(want, need.largestArray() / HEADROOM * max / Math.max(1.0, oldGen));
            want *= 1.15; // the usable maximum is a few percent below -Xmx (a survivor space is not counted)
            throw new InputException(String.format(Locale.ROOT, "this job needs about %s of Java heap (%s in use, at most %s): "
                    + "give the JVM more memory (MDLSAE_JAVA_OPTS=-Xmx%dg) or use %s", gib(need.heapBytes()), gib(used), gib(max),
                    Math.max(1, (long) Math.ceil(want / (1L << 30))), fix));
        }
        long device = be == null ? -1 : be.deviceMemoryBytes();
        if (need.deviceBytes() > 0 && device >= 0 && need.deviceBytes() > HEADROOM * device) {
            throw new InputException(String.format(Locale.ROOT, "this job needs about %s of %s device memory (%s free): use %s, "
                    + "or --backend cpu", gib(need.deviceBytes()), be.name(), gib(device), fix));
        }
    }

    /** The largest heap pool's capacity: where one big array must fit (the old generation). */
    private static long largestBlock(long max) {
        long best = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getUsage().getMax() > best) best = p.getUsage().getMax();
        }
        return best > 0 ? best : max;
    }

    /** Bytes as GiB with one decimal. */
    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}

package org.mdlsae.backend;

/**
 * The numerical core: one method per op. Everything above this interface (SAE, trainer, description
 * length) is written only against it, so the CPU back end and the GPU back ends (OpenCL, CUDA) are
 * interchangeable and parity-tested op by op.
 *
 * <p>Layout conventions (all row-major, float32):
 * <ul>
 *   <li>{@code x}: n×d activations; {@code xhat}: n×d reconstructions.</li>
 *   <li>{@code enc}: the encoder stored transposed, D×d (row j is latent j's encoder vector, i.e.
 *       column j of SAELens' W_enc [d,D]); {@code bEnc}: D.</li>
 *   <li>{@code dec}: the decoder D×d (row j is latent j's dictionary vector); {@code bDec}: d.</li>
 *   <li>{@code pre}: n×D dense pre-activations.</li>
 * </ul>
 * Implementations validate shapes before launching and throw {@link BackendException} naming the op.
 * Methods whose doc says "accumulates" add into their output; all others overwrite it.
 */
public interface Backend extends AutoCloseable {

    /** Short name: {@code cpu}, {@code opencl}, {@code cuda}. */
    String name();

    /** One line describing the device (for logs and results files). */
    String description();

    /**
     * True when buffers are host memory (the CPU back end), so copying a host data set into a buffer only
     * duplicates it; device back ends return false and keep training data resident (see {@link #gatherRows}).
     */
    default boolean hostMemory() {
        return false;
    }

    /** Arithmetic of the encoder product; {@link Precision#FP32} unless the back end was made for TF32. */
    default Precision precision() {
        return Precision.FP32;
    }

    /**
     * Memory of the device this back end's buffers live on, in bytes (free memory where the device reports it,
     * else its capacity), for the up-front checks of docs/design.md §6; -1 when buffers are Java arrays (the CPU back
     * end: the Java heap is checked instead).
     */
    default long deviceMemoryBytes() {
        return -1;
    }

    // ---------------------------------------------------------------- memory

    /** A zero-filled float buffer of {@code n} elements. */
    FloatBuf floats(long n);

    /** A zero-filled int buffer of {@code n} elements. */
    IntBuf ints(long n);

    /** Copies {@code len} floats from {@code src[srcOff..]} into {@code dst[dstOff..]}. */
    void write(FloatBuf dst, long dstOff, float[] src, int srcOff, int len);

    /** Copies {@code len} floats from {@code src[srcOff..]} into {@code dst[dstOff..]}. */
    void read(FloatBuf src, long srcOff, float[] dst, int dstOff, int len);

    /** Copies ints host → backend. */
    void write(IntBuf dst, long dstOff, int[] src, int srcOff, int len);

    /** Copies ints backend → host. */
    void read(IntBuf src, long srcOff, int[] dst, int dstOff, int len);

    /** Copies {@code len} floats between two buffers of this backend. */
    void copy(FloatBuf src, long srcOff, FloatBuf dst, long dstOff, long len);

    /** Sets every element of {@code buf} to {@code value}. */
    void fill(FloatBuf buf, float value);

    /** Sets every element of {@code buf} to {@code value}. */
    void fill(IntBuf buf, int value);

    /**
     * Batch gather from a data set held on the back end: {@code out[r,:] = data[order[from + r],:]} for
     * r &lt; rows ({@code data} N×d, {@code order} row indices into it). Dense: {@code out = data[order[from:from+rows]]}.
     * Every index used must be a row of {@code data}: the CPU back end checks, GPU back ends do not (they would have
     * to read the indices back).
     */
    void gatherRows(FloatBuf data, IntBuf order, int from, int rows, int d, FloatBuf out);

    /** A new buffer holding a copy of {@code host}. */
    default FloatBuf upload(float[] host) {
        FloatBuf b = floats(host.length);
        write(b, 0, host, 0, host.length);
        return b;
    }

    /** A new buffer holding a copy of {@code host}. */
    default IntBuf upload(int[] host) {
        IntBuf b = ints(host.length);
        write(b, 0, host, 0, host.length);
        return b;
    }

    /** The whole buffer copied to the host. */
    default float[] download(FloatBuf buf) {
        float[] h = new float[Math.toIntExact(buf.length())];
        read(buf, 0, h, 0, h.length);
        return h;
    }

    /** The whole buffer copied to the host. */
    default int[] download(IntBuf buf) {
        int[] h = new int[Math.toIntExact(buf.length())];
        read(buf, 0, h, 0, h.length);
        return h;
    }

    // ---------------------------------------------------------------- forward

    /**
     * Encoder product: {@code pre[i,j] = Σ_c (x[i,c] − bDec[c])·enc[j,c] + bEnc[j]} (n×D).
     * Dense equivalent: {@code pre = (x − b_dec) @ W_enc + b_enc}. The only O(n·d·D) op.
     */
    void encode(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, FloatBuf pre);

    /**
     * Per-row top-k of ReLU(pre): for each row i, {@code idx[i*k..]} and {@code val[i*k..]} receive the
     * k largest values of max(pre[i,:], 0) in descending order (ties: lower index first). Rows with fewer
     * than k positive entries are padded with entries (index 0, value 0), which every consumer treats as
     * inactive. If {@code mask} is non-null only latents j with {@code mask[j] != 0} are eligible (AuxK on
     * dead latents).
     */
    void topK(FloatBuf pre, IntBuf mask, int n, int width, int k, IntBuf idx, FloatBuf val);

    /**
     * Fused inference encoder: {@link #encode} followed by {@link #topK} (no mask) without keeping
     * {@code pre}. Dense equivalent: {@code topk(relu((x − b_dec) @ W_enc + b_enc), k)}.
     */
    default void encodeTopK(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, int k,
                            IntBuf idx, FloatBuf val) {
        encodeTopK(x, bDec, enc, bEnc, n, d, width, k, idx, val, null);
    }

    /**
     * {@link #encodeTopK(FloatBuf, FloatBuf, FloatBuf, FloatBuf, int, int, int, int, IntBuf, FloatBuf)} that
     * can also keep the product: when {@code pre} is non-null it receives {@link #encode}'s n×width output (the
     * TopK trainer keeps it for AuxK). GPU back ends select from the product tiles as they are computed: the
     * n×width matrix is stored at most once and never read back for the selection (docs/design.md §9).
     */
    void encodeTopK(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, int k,
                    IntBuf idx, FloatBuf val, FloatBuf pre);

    /**
     * The BatchTopK training encoder: {@link #encode} into {@code pre}, then returns
     * {@code kthLargestPositive(pre, n·width, keep)}, the smallest value BatchTopK keeps. GPU back ends take the
     * threshold search's first histogram from the product as it is stored and finish the search on the device
     * (one value comes back).
     */
    float encodeBatchThreshold(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width,
                               FloatBuf pre, long keep);

    /**
     * BatchTopK threshold: the {@code keep}-th largest strictly positive value of {@code pre[0..count)}
     * (the smallest value that BatchTopK keeps, m_t). If fewer than {@code keep} values are positive,
     * returns the smallest positive value; if none is positive returns {@code +Infinity}.
     */
    float kthLargestPositive(FloatBuf pre, long count, long keep);

    /**
     * Counts, per row, entries with {@code pre[i,j] > 0} and {@code pre[i,j] >= t} (inclusive) or
     * {@code > t} (strict), writes the exclusive prefix sum into {@code rowPtr} (n+1 entries) and
     * returns nnz. First half of extracting a thresholded (BatchTopK / JumpReLU) code.
     */
    int countAbove(FloatBuf pre, int n, int width, float t, boolean strict, IntBuf rowPtr);

    /**
     * Second half: writes the entries counted by {@link #countAbove} (same t, strict) into {@code idx},
     * {@code val} at the offsets of {@code rowPtr}, in increasing latent order within a row.
     */
    void gatherAbove(FloatBuf pre, int n, int width, float t, boolean strict, IntBuf rowPtr, IntBuf idx, FloatBuf val);

    /**
     * Sparse decode: {@code xhat[i,:] = Σ_{e in row i} val[e]·dec[idx[e],:] + bDec} ({@code bDec} may be
     * null for no bias). Dense equivalent: {@code xhat = z @ W_dec + b_dec}. Never touches the D×d
     * decoder beyond the rows in use.
     */
    void decode(SparseCode z, FloatBuf dec, FloatBuf bDec, int d, FloatBuf xhat);

    /**
     * Adds a per-latent constant to the active values of a code: for every entry e &lt; nnz with
     * {@code val[e] > 0}, {@code val[e] += perLatent[idx[e]]} ({@code perLatent} has the code's width).
     * JumpReLU inference with per-latent thresholds θ selects {@code pre − max(θ, 0) > 0} and adds max(θ, 0)
     * back with this op (docs/design.md §7). Entries of value 0 (padding) are left alone.
     */
    void addPerLatent(SparseCode z, FloatBuf perLatent);

    // ---------------------------------------------------------------- losses and backward

    /**
     * {@code grad[i,c] = scale·(xhat[i,c] − target[i,c])}; returns Σ (target − xhat)² in double.
     * With scale = 2/batch this is the gradient of Σ‖x − x̂‖²/batch w.r.t. x̂.
     */
    double residual(FloatBuf target, FloatBuf xhat, long count, float scale, FloatBuf grad);

    /**
     * Σ over rows and columns of (a[i,c] − mean_c(a))², the denominator of FVU and of the AuxK loss:
     * total squared deviation of the n×d matrix {@code a} from its per-column mean.
     */
    double sumSqDeviation(FloatBuf a, int n, int d);

    /** {@code y[i] = alpha·x[i] + beta·y[i]} for i &lt; count. */
    void axpby(float alpha, FloatBuf x, float beta, FloatBuf y, long count);

    /**
     * Decoder backward. For every entry e = (i, j, v) of {@code z}: accumulates
     * {@code gradDec[j,:] += v·g[i,:]} (skipped for v = 0) and writes
     * {@code gz[e] = g[i,:]·dec[j,:]} (the gradient w.r.t. the latent value; 0 where v = 0).
     * If {@code gradBDec} is non-null, accumulates {@code gradBDec += Σ_i g[i,:]}.
     */
    void decodeBackward(SparseCode z, FloatBuf g, FloatBuf dec, int d, FloatBuf gradDec, FloatBuf gz,
                        FloatBuf gradBDec);

    /**
     * Encoder backward through the active latents only (ReLU and the top-k mask pass gradient where
     * v > 0). For every entry e = (i, j, v) with v > 0: accumulates
     * {@code gradEnc[j,:] += gz[e]·(x[i,:] − bDec)}, {@code gradBEnc[j] += gz[e]} and, if
     * {@code gradBDec} is non-null, {@code gradBDec −= gz[e]·enc[j,:]}. O(nnz·d), not O(n·d·D).
     */
    void encodeBackward(SparseCode z, FloatBuf gz, FloatBuf x, FloatBuf bDec, FloatBuf enc, int d,
                        FloatBuf gradEnc, FloatBuf gradBEnc, FloatBuf gradBDec);

    /** Accumulates, for every entry with v > 0, {@code counts[j] += 1}. */
    void countActive(SparseCode z, IntBuf counts);

    /**
     * The trainer's dead-latent bookkeeping after a step of {@code rows} samples (docs/design.md §9): for every
     * latent j, {@code since[j] = 0} if {@code counts[j] > 0}, else {@code min(since[j] + rows, deadAfter)};
     * {@code mask[j] = since[j] ≥ deadAfter ? 1 : 0}. Returns {Σ counts, Σ mask}: the active entries of the step
     * and the number of dead latents.
     */
    long[] updateDead(IntBuf counts, IntBuf since, IntBuf mask, int width, int rows, int deadAfter);

    // ---------------------------------------------------------------- optimiser

    /**
     * Removes from each decoder-gradient row its component parallel to the (unit-norm) decoder row:
     * {@code gradDec[j] −= (gradDec[j]·dec[j]) dec[j]}.
     */
    void removeParallelGrad(FloatBuf dec, FloatBuf gradDec, int width, int d);

    /** Rescales each non-zero row of {@code dec} (width×d) to unit L2 norm. */
    void normaliseRows(FloatBuf dec, int width, int d);

    /**
     * One Adam step (bias-corrected, t ≥ 1) on {@code count} parameters:
     * m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²; p −= lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + eps).
     */
    void adamStep(FloatBuf param, FloatBuf grad, FloatBuf m, FloatBuf v, long count,
                  float lr, float beta1, float beta2, float eps, int t);

    // ---------------------------------------------------------------- description length

    /** Accumulates {@code max[j] = max(max[j], v)} over all entries (i, j, v) of {@code z}. */
    void featureMax(SparseCode z, FloatBuf max);

    /**
     * Squared reconstruction error of the quantised code: the code's active values are replaced by the
     * centres of their bins as defined in {@link #binCounts} (zero stays zero; features with max 0 decode to 0; bits ≤ 0 means
     * no quantisation), decoded with {@code dec}, {@code bDec}, and compared with {@code x}:
     * returns Σ_i ‖x_i − x̂_q,i‖².
     */
    double quantisedSqError(SparseCode z, FloatBuf max, int bits, FloatBuf dec, FloatBuf bDec, FloatBuf x, int d);

    /**
     * Per-feature quantised-symbol counts for the entropy DL (docs/design.md §2.3). For feature j with
     * {@code max[j] > 0}, every entry with v &gt; 0 maps to bin b = min((int)(v·s_j), 2^bits − 1) where
     * s_j = (float) 2^bits / max[j] (float32 arithmetic, so all back ends agree on bin edges); the bin
     * decodes to (b + 0.5f)·max[j] / 2^bits. Returns the distinct keys j·2^bits + b in ascending order with their
     * counts. Entries of features with max 0 are dropped (they decode to 0 and cost nothing). Work is
     * O(nnz log nnz) at most, never O(n·D); counts of several chunks are merged with {@link BinCounts#merge}.
     */
    BinCounts binCounts(SparseCode z, FloatBuf max, int bits);

    /**
     * The counts of {@link #binCounts} added into a dense per-feature histogram: {@code hist} holds
     * width × 2^bits ints, row j for feature j, and {@code hist[j·2^bits + b]} grows by the number of z's entries
     * of feature j in bin b. Accumulates over the chunks of an evaluation set.
     */
    void binHistogram(SparseCode z, FloatBuf max, int bits, IntBuf hist);

    /**
     * Per-feature entropy DL from a histogram of {@link #binHistogram} over {@code samples} rows, in bits per
     * sample: H_j = h(p_j) + p_j·H(bins of j) with p_j = Σ_b hist[j,b] / samples (0 for features never counted),
     * as {@code mdl.DescriptionLength.perFeatureBits} computes from the same counts. The CPU back end returns those
     * numbers bit for bit; GPU back ends compute them on the device (double where available, returned as float:
     * relative error below 1e-6) and only these width numbers come back.
     *
     * @throws BackendException if a feature is counted more often than {@code samples}
     */
    double[] entropyBits(IntBuf hist, int width, int bits, long samples);

    @Override
    void close();
}

package org.mdlsae.backend;

/**
 * Sparse latent codes of {@code n} samples over a dictionary of width {@code width}, in CSR form:
 * row {@code i} owns entries {@code rowPtr[i] .. rowPtr[i+1]-1} of {@code idx} (latent index) and
 * {@code val} (activation). Entries with {@code val == 0} may be present (a TopK row with fewer than k
 * positive pre-activations is padded with zeros) and mean "not active". For TopK codes
 * {@code rowPtr[i] = i*k}. Buffers belong to the backend that produced the code.
 *
 * @param n      number of rows (samples)
 * @param width  dictionary width D
 * @param nnz    number of stored entries (= rowPtr[n])
 * @param rowPtr n+1 row offsets
 * @param idx    nnz latent indices in [0, width)
 * @param val    nnz activations (≥ 0)
 */
public record SparseCode(int n, int width, int nnz, IntBuf rowPtr, IntBuf idx, FloatBuf val) implements AutoCloseable {
    @Override
    public void close() {
        rowPtr.close();
        idx.close();
        val.close();
    }
}

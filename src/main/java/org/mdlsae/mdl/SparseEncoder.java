package org.mdlsae.mdl;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.sae.Sae;

/**
 * What description-length evaluation needs of an SAE: its inference encoder and its decoder. The method
 * names match {@code org.mdlsae.sae.Sae}, so an SAE adapts with a one-line wrapper
 * (the Sae overloads of {@link Mdl} do it); tests can supply a fake.
 */
public interface SparseEncoder {
    /**
     * The backend that owns the weights and makes the codes.
     *
     * @return the backend
     */
    Backend backend();

    /**
     * Input dimension d.
     *
     * @return d
     */
    int dIn();

    /**
     * Dictionary width D.
     *
     * @return D
     */
    int width();

    /**
     * k (TopK) or the mean target k (BatchTopK); reported, not used in the arithmetic.
     *
     * @return k
     */
    int k();

    /**
     * Decoder D×d on {@link #backend()}.
     *
     * @return W_dec, D×d
     */
    FloatBuf dec();

    /**
     * Decoder bias d on {@link #backend()}.
     *
     * @return b_dec, d
     */
    FloatBuf bDec();

    /**
     * Inference code of the first n rows of x (an n×d buffer on {@link #backend()}, possibly longer). The
     * caller owns and closes the returned code.
     *
     * @param x n×d activations on the backend
     * @param n number of rows to encode
     * @return the CSR code (value-0 entries are inactive)
     */
    SparseCode encode(FloatBuf x, int n);

    /**
     * A view of an SAE (TopK or BatchTopK with its θ); the SAE stays owned by the caller.
     *
     * @param sae the SAE
     * @return a view delegating to it
     */
    static SparseEncoder of(Sae sae) {
        if (sae == null) throw new org.mdlsae.InputException("no SAE given");
        return new SparseEncoder() {
            @Override public Backend backend() { return sae.backend(); }
            @Override public int dIn() { return sae.dIn(); }
            @Override public int width() { return sae.width(); }
            @Override public int k() { return sae.k(); }
            @Override public FloatBuf dec() { return sae.dec(); }
            @Override public FloatBuf bDec() { return sae.bDec(); }
            @Override public SparseCode encode(FloatBuf x, int n) { return sae.encode(x, n); }
        };
    }
}

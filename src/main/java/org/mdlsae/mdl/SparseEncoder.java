package org.mdlsae.mdl;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;

/**
 * What description-length evaluation needs of an SAE: its inference encoder and its decoder. The method
 * names match {@code org.mdlsae.sae.Sae}, so an SAE adapts with a one-line wrapper
 * (the Sae overloads of {@link Mdl} do it); tests can supply a fake.
 */
public interface SparseEncoder {
    /** The backend that owns the weights and makes the codes. */
    Backend backend();

    /** Input dimension d. */
    int dIn();

    /** Dictionary width D. */
    int width();

    /** k (TopK) or the mean target k (BatchTopK); reported, not used in the arithmetic. */
    int k();

    /** Decoder D×d on {@link #backend()}. */
    FloatBuf dec();

    /** Decoder bias d on {@link #backend()}. */
    FloatBuf bDec();

    /**
     * Inference code of the first n rows of x (an n×d buffer on {@link #backend()}, possibly longer). The
     * caller owns and closes the returned code.
     */
    SparseCode encode(FloatBuf x, int n);
}

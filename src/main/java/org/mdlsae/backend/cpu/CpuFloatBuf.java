package org.mdlsae.backend.cpu;

import org.mdlsae.backend.FloatBuf;

/** A float buffer on the Java heap. */
public final class CpuFloatBuf implements FloatBuf {
    final float[] a;

    CpuFloatBuf(float[] a) {
        this.a = a;
    }

    /** The backing array (shared, not copied): the CPU back end's zero-copy view. */
    public float[] array() {
        return a;
    }

    @Override
    public long length() {
        return a.length;
    }

    @Override
    public void close() {
    }
}

package org.mdlsae.train;

/** A batch source that passes every call to another one; subclasses change what they need (e.g. scale batches). */
class ForwardingBatches implements BatchSource {
    /** The source calls go to. */
    protected final BatchSource src;

    ForwardingBatches(BatchSource src) {
        this.src = src;
    }

    @Override
    public int dim() {
        return src.dim();
    }

    @Override
    public long rows() {
        return src.rows();
    }

    @Override
    public int epoch() {
        return src.epoch();
    }

    @Override
    public void startEpoch() {
        src.startEpoch();
    }

    @Override
    public int next(float[] dst, int max) {
        return src.next(dst, max);
    }

    @Override
    public Cursor cursor() {
        return src.cursor();
    }

    @Override
    public void restore(Cursor c) {
        src.restore(c);
    }

    @Override
    public void close() {
        src.close();
    }
}

package org.mdlsae.train;

/** Linear warm-up from 0, constant, then optional linear decay to 0 over the last steps. */
public record LrSchedule(double peak, long steps, double warmupFraction, double decayFraction) {

    /** Learning rate of step s (1-based). */
    public double at(long s) {
        long warm = (long) Math.ceil(warmupFraction * steps);
        long decay = (long) Math.floor(decayFraction * steps);
        if (warm > 0 && s <= warm) return peak * s / warm;
        long decayStart = steps - decay;
        if (decay > 0 && s > decayStart) return peak * Math.max(0, steps - s + 1) / (double) (decay + 1);
        return peak;
    }
}

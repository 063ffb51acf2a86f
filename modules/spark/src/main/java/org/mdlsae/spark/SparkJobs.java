package org.mdlsae.spark;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.mdlsae.InputException;

/** Runs Spark actions with the engine's failure rules: bad input stays bad input, one line (docs/design.md §6). */
final class SparkJobs {
    private SparkJobs() {
    }

    /**
     * Collects an RDD. A task that failed on bad input (an {@link InputException} on an executor, e.g. a NaN in a
     * shard) fails the command with that exception's one line (exit 2); any other task failure becomes one line with the
     * first line of Spark's report.
     *
     * @param rdd the RDD
     * @param <T> its element type
     * @return its elements, in partition order
     */
    static <T> List<T> collect(JavaRDD<T> rdd) {
        try {
            return rdd.collect();
        } catch (Exception e) { // SparkException is checked in Java's eyes but not declared by Scala
            throw unwrap(e);
        }
    }

    /** @return the InputException in {@code e}'s causes, or a one-line exception wrapping {@code e} */
    static RuntimeException unwrap(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof InputException ie) return ie;
        }
        String msg = String.valueOf(e.getMessage());
        int nl = msg.indexOf('\n');
        return new IllegalStateException("Spark job failed: " + (nl < 0 ? msg : msg.substring(0, nl)), e);
    }

    /** Calls a merge function, whose signature may throw. */
    static <T> T call(Function2<T, T, T> f, T a, T b) {
        try {
            return f.call(a, b);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

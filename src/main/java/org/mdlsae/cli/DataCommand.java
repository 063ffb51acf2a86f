package org.mdlsae.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.mdlsae.InputException;
import org.mdlsae.data.Cache;
import org.mdlsae.data.Mnist;
import org.mdlsae.data.ShardSet;
import org.mdlsae.math.Rows;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mdlsae data}: fetch MNIST, describe a data file. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Fetch or inspect activation data.",
        subcommands = {DataCommand.Fetch.class, DataCommand.Info.class})
public final class DataCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(DataCommand.class.getName());

    @Override
    public Integer call() {
        throw new InputException("mdlsae data: name a subcommand: fetch or info");
    }

    /** {@code mdlsae data fetch mnist}. */
    @Command(name = "fetch", mixinStandardHelpOptions = true, description = "Fetch a data set into the cache (only 'mnist').")
    static final class Fetch implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "mnist")
        String name;

        @Option(names = "--cache", paramLabel = "DIR", description = "Cache directory (default: $MDLSAE_CACHE, else the user cache directory).")
        Path cache;

        @Override
        public Integer call() throws Exception {
            if (!"mnist".equalsIgnoreCase(name)) throw new InputException("data fetch: unknown data set '" + name + "'; only 'mnist'");
            Path dir = Cache.orDefault(cache);
            Path file = Mnist.fetch(dir, msg -> LOG.info(msg));
            System.out.println(file);
            return 0;
        }
    }

    /** {@code mdlsae data info --data X}. */
    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Describe a data source: rows, d, value range and mean (streamed), and the shards of a file or directory.")
    static final class Info implements Callable<Integer> {
        @Mixin
        DataOptions data;

        @Override
        public Integer call() {
            try (DataOptions opened = data) {
                Rows ds = opened.open("train");
                double[] acc = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0};
                ds.forEachChunk(4096, (r0, n, buf, off) -> {
                    for (int i = off; i < off + n * ds.dim(); i++) {
                        float v = buf[i];
                        acc[0] = Math.min(acc[0], v);
                        acc[1] = Math.max(acc[1], v);
                        acc[2] += v;
                    }
                });
                System.out.printf(Locale.ROOT, "%s: %d rows × %d dims, min %.4g, max %.4g, mean %.4g%n", ds.name(),
                        ds.rowCount(), ds.dim(), acc[0], acc[1], acc[2] / ((double) ds.rowCount() * ds.dim()));
                if (ds instanceof ShardSet set) {
                    System.out.printf(Locale.ROOT, "%d shard(s), %d bytes stored:%n", set.shards().size(), set.storedBytes());
                    for (ShardSet.Shard sh : set.shards()) {
                        System.out.printf(Locale.ROOT, "  %s  %s%s  %d rows%n", sh.label(), sh.dtype(),
                                sh.bigEndian() ? " (big-endian)" : "", sh.rows());
                    }
                }
            }
            return 0;
        }
    }
}

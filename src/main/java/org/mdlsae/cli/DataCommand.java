package org.mdlsae.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.mdlsae.InputException;
import org.mdlsae.data.Cache;
import org.mdlsae.data.Dataset;
import org.mdlsae.data.Mnist;
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
    @Command(name = "info", mixinStandardHelpOptions = true, description = "Load a data source and describe it.")
    static final class Info implements Callable<Integer> {
        @Mixin
        DataOptions data;

        @Override
        public Integer call() {
            Dataset ds = data.load("train");
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            double sum = 0;
            for (float v : ds.data()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
            }
            System.out.printf(Locale.ROOT, "%s: %d rows × %d dims, min %.4g, max %.4g, mean %.4g%n", ds.name(), ds.rows(),
                    ds.dim(), min, max, sum / ((double) ds.rows() * ds.dim()));
            return 0;
        }
    }
}

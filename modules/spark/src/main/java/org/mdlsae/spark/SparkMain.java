package org.mdlsae.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.mdlsae.cli.Main;

/**
 * The application's main class for {@code spark-submit} (docs/design.md §14): the engine's command line, with
 * {@code --spark} set to the master {@code spark-submit} chose when the command takes it and it is not given.
 * <pre>
 * spark-submit --master yarn --class org.mdlsae.spark.SparkMain mdlsae-spark.jar dl --sae /shared/sae --data /shared/acts
 * </pre>
 */
public final class SparkMain {
    /** Commands that run on a cluster. */
    static final Set<String> DISTRIBUTED = Set.of("dl", "sweep");

    private SparkMain() {
    }

    /**
     * Runs the engine's command line.
     *
     * @param args a command and its flags
     */
    public static void main(String[] args) {
        Main.main(withMaster(args, System.getProperty("spark.master")));
    }

    /** The arguments with {@code --spark MASTER} appended when the command is distributed and has no --spark. */
    static String[] withMaster(String[] args, String master) {
        List<String> a = new ArrayList<>(List.of(args));
        boolean given = a.stream().anyMatch(s -> s.equals("--spark") || s.startsWith("--spark="));
        if (!a.isEmpty() && DISTRIBUTED.contains(a.get(0)) && !given && master != null) {
            a.add("--spark");
            a.add(master);
        }
        return a.toArray(String[]::new);
    }
}

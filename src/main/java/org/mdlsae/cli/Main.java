package org.mdlsae.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.mdlsae.ConfigException;
import org.mdlsae.InputException;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.choice.Backends;
import org.mdlsae.train.DivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mdlsae} command line. Exit codes: 0 success, 1 failure, 2 bad input, 3 out of memory (docs/design.md §6). */
@Command(name = "mdlsae", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Minimal-description-length sparse autoencoders: train SAEs, measure the bits their codes take, "
                + "and select the SAE that explains activations most concisely at a loss tolerance.",
        subcommands = {DemoCommand.class, DataCommand.class, ActivationsCommand.class, FeaturesCommand.class, TrainCommand.class, EvalCommand.class, DlCommand.class,
                CompressCommand.class, DecompressCommand.class, CompareCommand.class,
                SweepCommand.class, BoundCommand.class, ToyCommand.class, BenchCommand.class, InfoCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    /** Builds the command tree (also used by tests). */
    public static CommandLine commandLine() {
        return configure(new CommandLine(new Main()));
    }

    /**
     * A command's exit code with what it printed.
     *
     * @param code the exit code (0 success, 1 failure, 2 bad input, 3 out of memory)
     * @param out  standard output
     * @param err  standard error (the command line's messages)
     */
    public record Captured(int code, String out, String err) {
    }

    /**
     * Runs a command in this JVM, as {@code mdlsae ARGS} would, capturing its output (tests, notebooks): standard output
     * is redirected while it runs, so calls must not overlap.
     *
     * @param args the command line
     * @return the exit code and the output
     */
    public static synchronized Captured runCaptured(String... args) {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.StringWriter err = new java.io.StringWriter();
        try {
            System.setOut(new java.io.PrintStream(out, true));
            CommandLine cl = commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Captured(code, out.toString(), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    /** Installs the one exception mapping of the command line on {@code cl}. */
    static CommandLine configure(CommandLine cl) {
        cl.setExecutionExceptionHandler(Main::handleExecutionException);
        cl.setParameterExceptionHandler(Main::handleParameterException);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    public static void main(String[] args) {
        prepareBackend(args);
        run(new Main(), args);
    }

    /** Commands that create a back end (their --backend option is {@link BackendOption}). */
    private static final Set<String> WITH_BACKEND = Set.of("train", "sweep", "demo", "eval", "dl",
            "compress", "decompress", "compare");

    /**
     * Starts the automatic back-end choice's probe before picocli and the command's data loading run, when the
     * command will create a back end and --backend (else $MDLSAE_BACKEND) asks for auto: the probe's child JVM then
     * costs no wall time of its own (docs/design.md §10).
     */
    static void prepareBackend(String[] args) {
        if (args.length == 0 || !WITH_BACKEND.contains(args[0])) return;
        String choice = System.getenv("MDLSAE_BACKEND");
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h") || args[i].equals("--version")) return;
            if (args[i].equals("--backend") && i + 1 < args.length) choice = args[i + 1];
            else if (args[i].startsWith("--backend=")) choice = args[i].substring("--backend=".length());
        }
        Backends.prepare(choice);
    }

    /** Runs {@code command} (the whole tree, or one command started on its own) and exits with its code. */
    static void run(Object command, String[] args) {
        configureLogging();
        Thread.setDefaultUncaughtExceptionHandler(Main::uncaught);
        int code;
        try {
            code = configure(new CommandLine(command)).execute(args);
        } catch (Throwable t) { // an Error picocli does not catch (e.g. OutOfMemoryError)
            PrintWriter err = new PrintWriter(System.err, true);
            code = report(t, err);
        }
        System.exit(code);
    }

    private static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
        PrintWriter err = ex.getCommandLine().getErr();
        // one line: picocli's own messages start with "Error: ", ours already say "error"
        String msg = ex.getMessage() == null ? "" : ex.getMessage().replaceFirst("^Error: ", "").strip();
        err.println("mdlsae: error: " + msg.replace(System.lineSeparator(), " ") + " (see '"
                + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return 2;
    }

    private static int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        return report(ex, cl.getErr());
    }

    /**
     * The one mapping from a failure to a line on standard error and an exit code: 2 bad input, 3 out of memory,
     * 1 anything else. Never a stack trace unless {@code MDLSAE_DEBUG} is set.
     */
    static int report(Throwable t, PrintWriter err) {
        int code;
        Throwable memory = memoryFailure(t);
        if (memory != null) {
            err.println("mdlsae: error: " + outOfMemory(memory));
            code = 3;
        } else if (t instanceof InputException || t instanceof IllegalArgumentException && !(t instanceof NumberFormatException)) {
            err.println("mdlsae: error: " + (t instanceof ConfigException c ? Flags.message(c) : t.getMessage()));
            code = 2;
        } else if (t instanceof DivergedException) {
            err.println("mdlsae: error: " + t.getMessage());
            code = 1;
        } else if (t instanceof BackendException) {
            err.println("mdlsae: backend failure: " + t.getMessage() + debugHint());
            code = 1;
        } else if (t instanceof IOException || t instanceof UncheckedIOException) {
            err.println("mdlsae: error: input/output failure: " + t.getMessage() + debugHint());
            code = 1;
        } else {
            err.println("mdlsae: internal error: " + t + debugHint());
            code = 1;
        }
        if (System.getenv("MDLSAE_DEBUG") != null) t.printStackTrace(err);
        err.flush();
        return code;
    }

    private static String debugHint() {
        return System.getenv("MDLSAE_DEBUG") != null ? "" : " (set MDLSAE_DEBUG=1 for the stack trace)";
    }

    /** The OutOfMemoryError or NegativeArraySizeException (an int overflow in a size) in t's causes, or null. */
    static Throwable memoryFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError || c instanceof NegativeArraySizeException) return c;
        }
        return null;
    }

    /** The last-resort message when memory ran out despite the up-front estimate (docs/design.md §6). */
    static String outOfMemory(Throwable t) {
        long max = Runtime.getRuntime().maxMemory();
        String what = t instanceof NegativeArraySizeException ? "an array size overflowed (a shape too large for this engine)"
                : "out of memory (" + t.getMessage() + ")";
        return what + " with a maximum Java heap of " + Resources.gib(max) + "; give the JVM more "
                + "(MDLSAE_JAVA_OPTS=-Xmx<size>, e.g. -Xmx" + Math.max(2, 2 * Math.round(max / 1e9)) + "g) or use a "
                + "smaller --batch/--width; add -XX:+HeapDumpOnOutOfMemoryError to MDLSAE_JAVA_OPTS for a heap dump "
                + "(a JVM crash writes hs_err_pid<pid>.log in the working directory)";
    }

    /** Threads other than main: the same one line; out of memory ends the process with code 3. */
    private static void uncaught(Thread th, Throwable t) {
        PrintWriter err = new PrintWriter(System.err, true);
        int code = report(t, err);
        if (code == 3) Runtime.getRuntime().halt(3);
    }

    /** Logs go to standard error as one plain line each; never to standard output. */
    static void configureLogging() {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) root.removeHandler(h);
        ConsoleHandler h = new ConsoleHandler();
        h.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                String lvl = r.getLevel().intValue() >= Level.WARNING.intValue() ? r.getLevel().getName().toLowerCase() + ": " : "";
                return "mdlsae: " + lvl + formatMessage(r) + System.lineSeparator();
            }
        });
        String lv = System.getenv("MDLSAE_LOG");
        Level level = Level.INFO;
        if (lv != null) {
            try {
                level = Level.parse(lv.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException ignored) {
                // keep INFO
            }
        }
        h.setLevel(level);
        root.setLevel(level);
        root.addHandler(h);
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"mdlsae " + (v == null ? "dev" : v) + " (Java " + System.getProperty("java.version") + ")"};
        }
    }
}

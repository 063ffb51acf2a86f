package org.mdlsae.cli;

import java.io.PrintWriter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.mdlsae.ConfigException;
import org.mdlsae.InputException;
import org.mdlsae.backend.BackendException;
import org.mdlsae.train.DivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mdlsae} command line. Exit codes: 0 success, 1 internal failure, 2 bad input. */
@Command(name = "mdlsae", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Minimal-description-length sparse autoencoders: train SAEs, measure the bits their codes take, "
                + "and select the SAE that explains activations most concisely at a loss tolerance.",
        subcommands = {DemoCommand.class, DataCommand.class, TrainCommand.class, EvalCommand.class, DlCommand.class,
                SweepCommand.class, BoundCommand.class, ToyCommand.class, BenchCommand.class, InfoCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    /** Builds the command tree (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::handleExecutionException);
        cl.setParameterExceptionHandler(Main::handleParameterException);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    public static void main(String[] args) {
        configureLogging();
        int code = commandLine().execute(args);
        System.exit(code);
    }

    private static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
        PrintWriter err = ex.getCommandLine().getErr();
        err.println("mdlsae: error: " + ex.getMessage());
        err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for the options.");
        err.flush();
        return 2;
    }

    private static int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        Throwable t = ex;
        if (t instanceof InputException || t instanceof IllegalArgumentException && !(t instanceof NumberFormatException)) {
            err.println("mdlsae: error: " + (t instanceof ConfigException c ? Flags.message(c) : t.getMessage()));
            err.flush();
            return 2;
        }
        if (t instanceof DivergedException) {
            err.println("mdlsae: error: " + t.getMessage());
            err.flush();
            return 1;
        }
        if (t instanceof BackendException) {
            err.println("mdlsae: backend failure: " + t.getMessage());
        } else {
            err.println("mdlsae: internal error: " + t);
        }
        if (System.getenv("MDLSAE_DEBUG") != null) t.printStackTrace(err);
        else err.println("(set MDLSAE_DEBUG=1 for the stack trace)");
        err.flush();
        return 1;
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

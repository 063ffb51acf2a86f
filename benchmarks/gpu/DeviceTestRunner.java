import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs JUnit 5 test classes without Maven (the GPU machine has no Maven and no network; benchmarks/gpu/check.sh).
 * Arguments: fully qualified class names, or Class#method. Prints PASS / FAIL / SKIP with milliseconds and the reason
 * per test, then the summary. Exit code: 0 all passed (skips allowed), 1 failures, 3 nothing ran.
 */
public final class DeviceTestRunner {
    public static void main(String[] args) {
        List<DiscoverySelector> sel = new ArrayList<>();
        for (String a : args) sel.add(a.indexOf('#') < 0 ? selectClass(a) : selectMethod(a));
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        Map<String, Long> start = new ConcurrentHashMap<>();
        TestExecutionListener printer = new TestExecutionListener() {
            @Override
            public void executionStarted(TestIdentifier id) {
                start.put(id.getUniqueId(), System.nanoTime());
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                if (id.isTest()) System.out.println("SKIP " + id.getDisplayName() + " : " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                Long t0 = start.remove(id.getUniqueId());
                if (!id.isTest() && r.getStatus() == TestExecutionResult.Status.SUCCESSFUL) return;
                long ms = t0 == null ? -1 : (System.nanoTime() - t0) / 1_000_000;
                String why = r.getThrowable().map(t -> " : " + t.getClass().getSimpleName() + ": "
                        + String.valueOf(t.getMessage()).replace('\n', ' ')).orElse("");
                if (why.length() > 800) why = why.substring(0, 800) + "...";
                String tag = switch (r.getStatus()) {
                    case SUCCESSFUL -> "PASS";
                    case ABORTED -> "SKIP";
                    case FAILED -> "FAIL";
                };
                System.out.println(tag + " " + id.getUniqueId().replaceAll(".*\\[class:([^\\]]*)\\].*\\[method:([^(\\]]*).*", "$1#$2")
                        + " (" + ms + " ms)" + why);
                System.out.flush();
            }
        };
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(sel).build(), summary, printer);
        TestExecutionSummary s = summary.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printTo(out);
        s.printFailuresTo(out, 30);
        out.flush();
        System.exit(s.getTotalFailureCount() > 0 ? 1 : s.getTestsStartedCount() == 0 ? 3 : 0);
    }
}

package org.mdlsae;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The package layers of docs/design.md §3.3: a package may use only the packages listed before it, so every
 * dependency points down and there is no cycle. The back-end implementations are siblings: each may use the
 * contract ({@code backend}) but not another implementation, except that {@code opencl} and {@code cuda} share the
 * kernel base {@code gpu}; {@code backend.choice} picks among them and so sits on top of them.
 */
class LayeringTest {
    /** Layer name → its packages, bottom first. */
    private static final Map<String, String> LAYERS = new LinkedHashMap<>();

    static {
        LAYERS.put("root", "org.mdlsae");
        LAYERS.put("math", "org.mdlsae.math..");
        LAYERS.put("backend", "org.mdlsae.backend");
        LAYERS.put("backend.cpu", "org.mdlsae.backend.cpu..");
        LAYERS.put("backend.gpu", "org.mdlsae.backend.gpu..");
        LAYERS.put("backend.opencl", "org.mdlsae.backend.opencl..");
        LAYERS.put("backend.cuda", "org.mdlsae.backend.cuda..");
        LAYERS.put("backend.choice", "org.mdlsae.backend.choice..");
        for (String p : new String[] {"sae", "io", "data", "train", "mdl", "toy", "codec", "features", "sweep", "report", "bench", "api", "cli"}) {
            LAYERS.put(p, "org.mdlsae." + p + "..");
        }
    }

    /** Exceptions to "everything below": the ground floor uses nothing, back-end implementations not each other. */
    private static final Map<String, List<String>> ONLY = Map.of(
            "root", List.of(),
            "math", List.of(),
            "backend.cpu", List.of("root", "math", "backend"),
            "backend.gpu", List.of("root", "math", "backend"),
            "backend.opencl", List.of("root", "math", "backend", "backend.gpu"),
            "backend.cuda", List.of("root", "math", "backend", "backend.gpu"));

    /** The rule; with {@code partial} a layer may be empty (for checking a few classes). */
    static ArchRule layers(boolean partial) {
        LayeredArchitecture arch = com.tngtech.archunit.library.Architectures.layeredArchitecture()
                .consideringOnlyDependenciesInLayers().withOptionalLayers(partial);
        for (Map.Entry<String, String> e : LAYERS.entrySet()) arch = arch.layer(e.getKey()).definedBy(e.getValue());
        List<String> below = new ArrayList<>();
        for (String layer : LAYERS.keySet()) {
            List<String> allowed = ONLY.getOrDefault(layer, below);
            arch = allowed.isEmpty() ? arch.whereLayer(layer).mayNotAccessAnyLayer()
                    : arch.whereLayer(layer).mayOnlyAccessLayers(allowed.toArray(String[]::new));
            below = new ArrayList<>(below);
            below.add(layer);
        }
        return arch;
    }

    /** The engine's own classes: the folder (or jar) that holds the main code, never the tests. */
    private static JavaClasses engine() {
        try {
            Path main = Path.of(InputException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return new ClassFileImporter().importPath(main);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void packagesPointOnlyDown() {
        layers(false).check(engine());
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.mdlsae.(**)").should().beFreeOfCycles().check(engine());
    }

    @Test
    void everyEnginePackageHasALayer() {
        for (var c : engine()) {
            String p = c.getPackageName();
            boolean known = LAYERS.values().stream().anyMatch(id -> id.endsWith("..")
                    ? p.equals(id.substring(0, id.length() - 2)) || p.startsWith(id.substring(0, id.length() - 1))
                    : p.equals(id));
            assertTrue(known, "package " + p + " of " + c.getName() + " has no layer in " + LayeringTest.class.getSimpleName());
        }
    }

    /** The rule is not vacuous: a class of the ground floor that uses the CLI is reported. */
    @Test
    void anUpwardDependencyIsReported() {
        JavaClasses probe = new ClassFileImporter().importClasses(UpwardProbe.class, org.mdlsae.cli.Main.class);
        assertTrue(layers(true).evaluate(probe).hasViolation(), "root → cli was not reported");
        JavaClasses fine = new ClassFileImporter().importClasses(InputException.class);
        assertFalse(layers(true).evaluate(fine).hasViolation());
    }

    /** Sits in the bottom package and points at the top one. */
    static final class UpwardProbe {
        Object top() {
            return org.mdlsae.cli.Main.commandLine();
        }
    }
}

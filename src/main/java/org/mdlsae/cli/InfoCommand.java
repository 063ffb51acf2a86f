package org.mdlsae.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mdlsae.backend.Availability;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.backend.cpu.Gemm;
import org.mdlsae.backend.cuda.Cuda;
import org.mdlsae.backend.opencl.OpenCl;
import org.mdlsae.data.Cache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mdlsae info}: Java, vector module, back ends and why any is missing. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show Java, the Vector API and the available back ends.")
public final class InfoCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print only a JSON object on standard output.")
    boolean json;

    @Override
    public Integer call() {
        Availability cl = OpenCl.probe();
        Availability cu = Cuda.probe();
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        m.put("vector_module", vector);
        m.put("cpu", new CpuBackend().description());
        m.put("cpu_vector_gemm", Gemm.vectorized());
        m.put("opencl", Map.of("available", cl.available(), "detail", cl.detail()));
        m.put("cuda", Map.of("available", cu.available(), "detail", cu.detail()));
        String env = System.getenv("MDLSAE_BACKEND");
        m.put("backend_env", env == null ? "" : env);
        m.put("cache", Cache.dir().toString());
        if (json) {
            Json.print(m);
            return 0;
        }
        System.out.println("java           " + m.get("java"));
        System.out.println("vector module  " + (vector ? "present (jdk.incubator.vector)" : "absent: plain-Java GEMM fallback"));
        System.out.println("cpu            " + m.get("cpu"));
        System.out.println("opencl         " + (cl.available() ? "available: " : "unavailable: ") + cl.detail());
        System.out.println("cuda           " + (cu.available() ? "available: " : "unavailable: ") + cu.detail());
        System.out.println("MDLSAE_BACKEND " + (env == null ? "(unset: auto)" : env));
        System.out.println("cache          " + m.get("cache"));
        return 0;
    }
}

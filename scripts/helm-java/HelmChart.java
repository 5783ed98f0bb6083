// `helm lint --strict` and `helm template` through helm-java (Helm's own Go code, loaded from the JVM), for
// machines where no helm binary can be installed. Run by scripts/chart.sh; the jars come from
// scripts/ensure-helm-java.sh.
//
//   java -cp '.chart/lib/*' scripts/helm-java/HelmChart.java lint CHART
//   java -cp '.chart/lib/*' scripts/helm-java/HelmChart.java render CHART RELEASE NAMESPACE OUT_DIR CASE...
//
// Each CASE is `NAME=[VALUES_FILE][;KEY=VALUE...]`: its manifests go to OUT_DIR/NAME.yaml, or, when Helm refuses
// (a template error, a values.schema.json violation), Helm's message to OUT_DIR/NAME.error. One JVM renders
// every case, since each start of the JVM and Helm's native library takes seconds. Exits 1 when a case failed.
// Like `helm template --no-hooks`, helm-java leaves hook objects (the migrations Job) out of the output.
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

public class HelmChart {
  public static void main(String[] args) {
    try {
      System.exit(run(args));
    } catch (RuntimeException error) {
      System.err.println(error.getMessage());
      System.exit(1);
    }
  }

  private static int run(String[] args) {
    if (args.length >= 2 && args[0].equals("lint")) return lint(Path.of(args[1]));
    if (args.length >= 6 && args[0].equals("render")) return render(args);
    System.err.println("usage: HelmChart lint CHART | render CHART RELEASE NAMESPACE OUT_DIR NAME=[VALUES_FILE][;KEY=VALUE...]...");
    return 2;
  }

  private static int lint(Path chart) {
    LintResult result = new Helm(chart).lint().strict().call();
    for (String message : result.getMessages()) System.err.println(message);
    if (result.isFailed()) {
      System.err.println("helm lint --strict " + chart + ": failed");
      return 1;
    }
    System.err.println("helm lint --strict " + chart + ": passed");
    return 0;
  }

  private static int render(String[] args) {
    Path chart = Path.of(args[1]);
    Path out = Path.of(args[4]);
    int failed = 0;
    for (int i = 5; i < args.length; i++) {
      String name = args[i].substring(0, args[i].indexOf('='));
      String[] parts = args[i].substring(name.length() + 1).split(";");
      TemplateCommand command = new Helm(chart).template().withName(args[2]).withNamespace(args[3]);
      if (!parts[0].isEmpty()) command = command.withValuesFile(Path.of(parts[0]));
      for (int p = 1; p < parts.length; p++) {
        int equals = parts[p].indexOf('=');
        command = command.set(parts[p].substring(0, equals), parts[p].substring(equals + 1));
      }
      try {
        write(out.resolve(name + ".yaml"), command.call());
        System.err.println("rendered " + out.resolve(name + ".yaml"));
      } catch (RuntimeException error) {
        failed++;
        write(out.resolve(name + ".error"), String.valueOf(error.getMessage()));
        System.err.println("failed to render " + name + ": " + error.getMessage());
      }
    }
    return failed == 0 ? 0 : 1;
  }

  private static void write(Path file, String text) {
    try {
      Files.deleteIfExists(file.resolveSibling(file.getFileName().toString().replaceAll("\\.(yaml|error)$", ".yaml")));
      Files.deleteIfExists(file.resolveSibling(file.getFileName().toString().replaceAll("\\.(yaml|error)$", ".error")));
      Files.writeString(file, text);
    } catch (IOException error) {
      throw new IllegalStateException("cannot write " + file + ": " + error.getMessage(), error);
    }
  }
}

package io.kubefuncs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubefuncs deploy [DIR]}: builds a project's image without Docker (a Java project with Jib;
 * a Go project as a static binary, StaticImage), loads it into the cluster or pushes it to a
 * registry, and installs the project's functions.yaml with the function chart, waiting until its
 * functions are ready. One line per step, with its time.
 *
 * <p>The image is tagged with the first 12 hex digits of its ID, so that a change of the code is a
 * new tag (helm rolls the Deployments to it, and a loaded image needs no pull), and a deploy of
 * unchanged code changes nothing. Jib learns the ID only once it has built the image, so it runs
 * twice: the second run finds every layer in its cache and only writes the tar (or pushes).
 */
@Command(
    name = "deploy",
    sortOptions = false,
    description = {
      "Builds the function project in DIR (default: here), loads its image into the cluster or pushes it"
          + " to a registry, and helm upgrade --install's its functions.yaml with the function chart.",
      "Exit codes: 0 deployed, 1 a step failed, 2 bad usage or settings."
    })
final class DeployCommand implements Callable<Integer> {
  /** helm's limit for a release name, and the chart's pattern for names. */
  private static final Pattern RELEASE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?");

  /** The repository of an image that is loaded, not pushed: a name no registry answers for. */
  static final String LOCAL_REGISTRY = "kubefuncs.local";

  /** The tag of the first Jib run, before the image's ID is known. */
  private static final String PROVISIONAL_TAG = "kubefuncs-deploy";

  @Parameters(
      index = "0",
      arity = "0..1",
      defaultValue = ".",
      paramLabel = "DIR",
      description = "The project folder, as kubefuncs init makes it (default: the current folder).")
  Path dir;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description =
          "The functions file, the function chart's values (default: DIR/functions.yaml).")
  Path file;

  @Option(
      names = "--load",
      paramLabel = "COMMAND",
      description =
          "Load the image into the cluster by running COMMAND with the image tar's path appended, e.g."
              + " 'kind load image-archive', 'ctr -n k8s.io images import', '<checkout>/scripts/kube load'"
              + " (default: $KUBEFUNCS_LOAD, unless --registry is given).")
  String load;

  @Option(
      names = "--registry",
      paramLabel = "REGISTRY",
      description =
          "Push the image to REGISTRY (e.g. ghcr.io/me) instead, as REGISTRY/<release>; you are logged in to it.")
  String registry;

  @Option(
      names = "--image",
      paramLabel = "REPOSITORY",
      description =
          "The image's repository, without a tag (default: REGISTRY/<release>, or "
              + LOCAL_REGISTRY
              + "/<release> with --load).")
  String image;

  @Option(
      names = "--base-image",
      paramLabel = "IMAGE",
      description =
          "The JRE image the function's image is built on (default: $KUBEFUNCS_BASE_IMAGE, else the pom's,"
              + " eclipse-temurin:21-jre). Without a registry: tar:///path/to/image.tar (a docker save tar) or docker://NAME.")
  String baseImage;

  @Option(
      names = "--release",
      paramLabel = "NAME",
      description = "The helm release (default: DIR's name, in lower case).")
  String release;

  @Mixin ClusterOptions cluster;

  @Option(
      names = "--helm",
      defaultValue = "helm",
      paramLabel = "PATH",
      description = "helm (default: from the PATH).")
  String helm;

  @Option(
      names = "--chart",
      paramLabel = "DIR",
      description = "The function chart (default: the one that comes with this command).")
  Path chart;

  @Option(
      names = "--timeout",
      defaultValue = "5m",
      paramLabel = "DURATION",
      description =
          "How long helm waits for the functions to be ready (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    long start = System.nanoTime();
    Path project = dir.toAbsolutePath().normalize();
    Plan plan = plan(project);
    ClusterTools tools = cluster.tools(helm);
    String ns = cluster.namespace(tools);
    out.println(
        "kubefuncs deploy: "
            + project
            + " as release "
            + plan.release
            + " in namespace "
            + ns
            + (plan.load == null
                ? ", image pushed to " + plan.repository
                : ", image loaded with " + String.join(" ", plan.load)));

    // The chart checks the values against its schema, and the objects against the cluster's API: a
    // misspelt key stops here, not after the build.
    List<String> chartArgs =
        List.of(
            plan.release,
            plan.chart.toString(),
            "--namespace",
            ns,
            "--values",
            plan.file.toString(),
            "--set-string",
            "image.repository=" + plan.repository);
    List<String> template = new ArrayList<>(List.of("template"));
    template.addAll(chartArgs);
    template.add("--validate");
    try {
      step(
          out,
          "check",
          "helm " + String.join(" ", template),
          () -> ClusterTools.run(tools.helmCommand(template), project));
    } catch (StepFailedException e) {
      throw new InvalidInputException(
          "the function chart refuses " + plan.file + ": " + e.getMessage());
    }

    Path log = project.resolve("target/kubefuncs-deploy.log");
    Files.deleteIfExists(log);
    String tag = plan.go ? buildGo(out, plan, project, log) : buildJava(out, plan, project, log);

    List<String> install = new ArrayList<>(List.of("upgrade", "--install"));
    install.addAll(chartArgs);
    install.addAll(List.of("--set-string", "image.tag=" + tag, "--wait", "--timeout", timeout));
    step(
        out,
        "helm",
        "helm " + String.join(" ", install),
        () -> ClusterTools.run(tools.helmCommand(install), project));
    out.println(
        String.format(
            Locale.ROOT,
            "deployed %s in %.1f s: kubefuncs status -n %s",
            plan.release,
            seconds(start),
            ns));
    return ExitCodes.OK;
  }

  /**
   * Builds the image with Jib (the project's tests run in {@code package}) and pushes it, or loads
   * its tar; the tag.
   */
  private static String buildJava(PrintWriter out, Plan plan, Path project, Path log)
      throws Exception {
    List<String> maven = new ArrayList<>(List.of("./mvnw", "-B", "-ntp"));
    if (plan.baseImage != null) {
      maven.add("-Djib.from.image=" + plan.baseImage);
    }
    List<String> build = new ArrayList<>(maven);
    build.addAll(
        List.of("package", "jib:buildTar", "-Dimage=" + plan.repository + ":" + PROVISIONAL_TAG));
    step(out, "build", String.join(" ", build), () -> ClusterTools.build(build, project, log));
    String tag = imageTag(project.resolve("target/jib-image.id"));
    String ref = plan.repository + ":" + tag;

    List<String> tagged = new ArrayList<>(maven);
    tagged.add(plan.load == null ? "jib:build" : "jib:buildTar");
    tagged.add("-Dimage=" + ref);
    if (plan.load == null) {
      step(out, "push", ref, () -> ClusterTools.build(tagged, project, log));
    } else {
      Path tar = project.resolve("target/jib-image.tar");
      step(
          out,
          "image",
          ref + " (" + project.relativize(tar) + ")",
          () -> ClusterTools.build(tagged, project, log));
      load(out, plan, project, tar);
    }
    return tag;
  }

  /**
   * Tests and builds a Go project as a static binary, as its Dockerfile does, writes its image
   * (StaticImage) and loads it; the tag.
   */
  private static String buildGo(PrintWriter out, Plan plan, Path project, Path log)
      throws Exception {
    List<String> test = List.of("go", "test", "./...");
    step(out, "test", String.join(" ", test), () -> ClusterTools.build(test, project, log));
    String arch = goArch();
    Path binary = project.resolve("target/kubefuncs-deploy/" + plan.release);
    List<String> build =
        List.of(
            "env",
            "CGO_ENABLED=0",
            "GOOS=linux",
            "GOARCH=" + arch,
            "go",
            "build",
            "-trimpath",
            "-ldflags=-s -w",
            "-o",
            project.relativize(binary).toString(),
            ".");
    step(out, "build", String.join(" ", build), () -> ClusterTools.build(build, project, log));
    Path tar = binary.resolveSibling("image.tar");
    StaticImage image = new StaticImage(plan.release, Files.readAllBytes(binary), arch);
    String ref = plan.repository + ":" + image.tag();
    step(
        out,
        "image",
        ref + " (" + project.relativize(tar) + ")",
        () -> {
          try {
            image.write(tar, ref);
          } catch (IOException e) {
            throw new StepFailedException("cannot write " + tar + ": " + e.getMessage());
          }
        });
    load(out, plan, project, tar);
    return image.tag();
  }

  private static void load(PrintWriter out, Plan plan, Path project, Path tar) {
    List<String> loadCommand = new ArrayList<>(plan.load);
    loadCommand.add(tar.toString());
    step(out, "load", String.join(" ", loadCommand), () -> ClusterTools.run(loadCommand, project));
  }

  /** Go's name for this machine's architecture, which the cluster's nodes are taken to share. */
  private static String goArch() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> arch;
    };
  }

  /**
   * What the flags and the project say, checked before anything runs: every mistake here is an
   * {@link InvalidInputException} (exit 2) naming the flag or file that fixes it.
   */
  Plan plan(Path project) throws Exception {
    if (!Files.isDirectory(project)) {
      throw new InvalidInputException(project + ": no such folder");
    }
    boolean go = Files.isRegularFile(project.resolve("go.mod"));
    if (!go
        && (!Files.isRegularFile(project.resolve("pom.xml"))
            || !Files.isRegularFile(project.resolve("mvnw")))) {
      throw new InvalidInputException(
          project
              + " has neither pom.xml and mvnw nor go.mod: deploy builds a project"
              + " as kubefuncs init makes it");
    }
    Path values =
        (file != null ? file : project.resolve("functions.yaml")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(values)) {
      throw new InvalidInputException(
          values + ": no such file" + (file == null ? " (name the functions file with -f)" : ""));
    }
    String name =
        release != null ? release : project.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!RELEASE.matcher(name).matches()) {
      throw new InvalidInputException(
          "'"
              + name
              + "' is not a release name (lower case letters, digits and '-', at most"
              + " 53 characters"
              + (release == null ? ", from the folder's name): name it with --release" : ")"));
    }
    if (go && registry != null) {
      throw new InvalidInputException(
          "--registry: deploy writes a Go function's image as a tar and loads it (--load);"
              + " it does not push one yet: build and push it with its Dockerfile");
    }
    if (go && baseImage != null) {
      throw new InvalidInputException(
          "--base-image: a Go function's image is its static binary alone, on no base");
    }
    if (registry != null && load != null) {
      throw new InvalidInputException(
          "--load and --registry: choose one (load the image into the cluster, or push it)");
    }
    List<String> loadCommand = null;
    if (registry == null) {
      String how = load != null ? load : System.getenv("KUBEFUNCS_LOAD");
      if (how == null || how.isBlank()) {
        throw new InvalidInputException(
            "where does the image go? --registry REGISTRY pushes it; --load COMMAND loads it"
                + " into the cluster ('kind load image-archive', 'ctr -n k8s.io images import', ...; or set KUBEFUNCS_LOAD)");
      }
      loadCommand = List.of(how.strip().split("\\s+"));
      // A load command that is not there fails now, not after the build.
      ClusterTools.executable(loadCommand.get(0), loadCommand.get(0), "--load");
    }
    String repository =
        image != null
            ? image
            : (registry != null ? registry.replaceAll("/+$", "") : LOCAL_REGISTRY) + "/" + name;
    String base = baseImage != null ? baseImage : System.getenv("KUBEFUNCS_BASE_IMAGE");
    Path chartDir = chart != null ? chart.toAbsolutePath().normalize() : bundledChart();
    if (!Files.isRegularFile(chartDir.resolve("Chart.yaml"))) {
      throw new InvalidInputException("--chart " + chartDir + ": not a chart (no Chart.yaml)");
    }
    return new Plan(
        go,
        name,
        values,
        repository,
        go || base == null || base.isBlank() ? null : base,
        loadCommand,
        chartDir);
  }

  /**
   * @param go a Go module (go.mod), built by Go; otherwise a Maven project, built by Jib
   * @param load the command that loads the image tar, or null to push to {@code repository}
   * @param baseImage Jib's {@code from} image, or null for the pom's
   */
  record Plan(
      boolean go,
      String release,
      Path file,
      String repository,
      String baseImage,
      List<String> load,
      Path chart) {}

  /**
   * The function chart that comes with this command: {@code charts/function} next to its jar in the
   * distribution, or in the checkout whose {@code cli/target} holds the jar (or classes).
   */
  static Path bundledChart() {
    Path here;
    try {
      here =
          Path.of(DeployCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    for (Path candidate :
        List.of(here.resolve("charts/function"), here.resolve("../../charts/function"))) {
      if (Files.isRegularFile(candidate.resolve("Chart.yaml"))) {
        return candidate.normalize();
      }
    }
    throw new InvalidInputException(
        "the function chart is not next to this command ("
            + here
            + "/charts/function): name it with --chart");
  }

  /** The first 12 hex digits of the image ID that Jib wrote ({@code sha256:...}). */
  static String imageTag(Path idFile) throws Exception {
    String id = Files.readString(idFile, StandardCharsets.UTF_8).strip();
    if (!id.matches("sha256:[0-9a-f]{64}")) {
      throw new StepFailedException(idFile + " does not hold an image ID: " + id);
    }
    return id.substring("sha256:".length(), "sha256:".length() + 12);
  }

  /** Prints the step's line, runs it, and ends the line with its time. */
  private static void step(PrintWriter out, String name, String what, Runnable action) {
    out.print(String.format(Locale.ROOT, "%-6s %s", name, what));
    out.flush();
    long start = System.nanoTime();
    try {
      action.run();
    } catch (StepFailedException e) {
      out.println();
      throw e;
    }
    out.println(String.format(Locale.ROOT, "  %.1f s", seconds(start)));
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}

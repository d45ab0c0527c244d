package io.clusterclient.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Access to a local Node.js installation for the wire-compatibility tests against the original
 * cluster-client (the Node.js peer script {@code node-compat/peer.js} on the test classpath).
 *
 * <p>Typical use:
 * <pre>{@code
 * Optional<NodeJs> node = NodeJs.detect();
 * Assumptions.assumeTrue(node.isPresent(), "node/npm not installed");
 * node.get().installCompat();
 * List<String> cmd = node.get().peerCommand("leader", port, "EchoClient");
 * }</pre>
 *
 * <p>Thread-safety: this class is thread-safe. {@link #detect()} probes the machine once per JVM and
 * caches the answer; {@link #installCompat()} is serialized on a JVM-wide lock, copies the resources and runs
 * {@code npm install} at most once per JVM (and not at all when {@code target/node-compat/node_modules} already
 * holds cluster-client {@value #CLUSTER_CLIENT_VERSION}), so several test classes may call it concurrently.
 * Instances are immutable. Separate JVMs (e.g. parallel Failsafe forks) are not coordinated with each other.
 */
public final class NodeJs {

    /** The version of the original library the peer script runs against. */
    public static final String CLUSTER_CLIENT_VERSION = "3.7.0";

    private static final long PROBE_TIMEOUT_SECONDS = 20;
    private static final long INSTALL_TIMEOUT_MINUTES = 5;
    private static final int LOG_TAIL_LINES = 40;
    private static final String RESOURCE_DIR = "/node-compat/";
    private static final Pattern VERSION_FIELD = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]*)\"");

    private static final Object LOCK = new Object();
    private static Optional<NodeJs> detected; // guarded by LOCK
    private static Path installedDir; // guarded by LOCK

    private final String node;
    private final String npm;
    private final String version;

    private NodeJs(String node, String npm, String version) {
        this.node = node;
        this.npm = npm;
        this.version = version;
    }

    /**
     * Finds {@code node} and {@code npm}: runs {@code node --version} and {@code npm --version}, each bounded by
     * 20 seconds. The answer is cached for the JVM.
     *
     * @return the installation, or empty if either program is missing, fails or times out
     */
    public static Optional<NodeJs> detect() {
        synchronized (LOCK) {
            if (detected == null) {
                detected = probe();
            }
            return detected;
        }
    }

    private static Optional<NodeJs> probe() {
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
        String node = findOnPath(windows ? "node.exe" : "node").orElse("node");
        String npm = findOnPath(windows ? "npm.cmd" : "npm").orElse(windows ? "npm.cmd" : "npm");
        Optional<String> nodeVersion = runForOutput(List.of(node, "--version"));
        if (nodeVersion.isEmpty()) {
            return Optional.empty();
        }
        if (runForOutput(List.of(npm, "--version")).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new NodeJs(node, npm, nodeVersion.get()));
    }

    private static Optional<String> findOnPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(Pattern.quote(File.pathSeparator))) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Paths.get(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath().toString());
            }
        }
        return Optional.empty();
    }

    /** Runs a short command; its trimmed first line of output if it exits 0 within the probe timeout. */
    private static Optional<String> runForOutput(List<String> command) {
        Path out = null;
        Process process = null;
        try {
            out = Files.createTempFile("nodejs-probe", ".txt");
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
                    .start();
            if (!process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                destroyTree(process);
                return Optional.empty();
            }
            if (process.exitValue() != 0) {
                return Optional.empty();
            }
            String text = Files.readString(out, StandardCharsets.UTF_8).trim();
            if (text.isEmpty()) {
                return Optional.empty();
            }
            // npm may print warnings before the version; the version is the last line
            String[] lines = text.split("\\R");
            return Optional.of(lines[lines.length - 1].trim());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (process != null) {
                destroyTree(process);
            }
            return Optional.empty();
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /** @return the output of {@code node --version}, e.g. {@code v20.11.1} */
    public String version() {
        return version;
    }

    /** @return the absolute path of the node executable (or plain {@code node} if it was not found on PATH) */
    public String nodeExecutable() {
        return node;
    }

    /**
     * Copies {@code node-compat/package.json}, {@code package-lock.json} (if on the classpath) and
     * {@code peer.js} from the test classpath into {@code target/node-compat} and runs
     * {@code npm install --no-audit --no-fund --ignore-scripts} there, bounded by 5 minutes, with its output in
     * {@code target/node-compat/npm-install.log}. Skips npm when cluster-client {@value #CLUSTER_CLIENT_VERSION}
     * is already installed there; does the whole work at most once per JVM.
     *
     * @return the absolute directory holding {@code peer.js} and {@code node_modules}
     * @throws IllegalStateException if npm fails or times out (the message holds the tail of the log)
     */
    public Path installCompat() {
        synchronized (LOCK) {
            if (installedDir != null) {
                return installedDir;
            }
            Path dir = Paths.get("target", "node-compat").toAbsolutePath();
            try {
                Files.createDirectories(dir);
                copyResource("package.json", dir, true);
                copyResource("package-lock.json", dir, false);
                copyResource("peer.js", dir, true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy node-compat resources to " + dir, e);
            }
            if (!isClusterClientInstalled(dir)) {
                runNpmInstall(dir);
                if (!isClusterClientInstalled(dir)) {
                    throw new IllegalStateException("npm install finished but node_modules/cluster-client is not "
                            + CLUSTER_CLIENT_VERSION + " in " + dir + "\n" + logTail(dir.resolve("npm-install.log")));
                }
            }
            installedDir = dir;
            return dir;
        }
    }

    /**
     * The command line that starts the Node.js peer: {@code [node, <abs>/peer.js, --role, role, --port, port,
     * --name, name]}. Calls {@link #installCompat()} (a no-op after the first time) to locate peer.js.
     *
     * @param role {@code leader} or {@code follower}
     * @param port the cluster port
     * @param name the channel name (the cluster client's name)
     * @return a new mutable list; callers may append options such as {@code --response-timeout}
     */
    public List<String> peerCommand(String role, int port, String name) {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(name, "name");
        Path peer = installCompat().resolve("peer.js");
        List<String> command = new ArrayList<>();
        command.add(node);
        command.add(peer.toString());
        command.add("--role");
        command.add(role);
        command.add("--port");
        command.add(Integer.toString(port));
        command.add("--name");
        command.add(name);
        return command;
    }

    @Override
    public String toString() {
        return "NodeJs[" + node + " " + version + "]";
    }

    // ------------------------------------------------------------------------------------------- helpers

    private static void copyResource(String name, Path dir, boolean required) throws IOException {
        try (InputStream in = NodeJs.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                if (required) {
                    throw new IllegalStateException("classpath resource " + RESOURCE_DIR + name + " is missing");
                }
                return;
            }
            Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static boolean isClusterClientInstalled(Path dir) {
        Path pkg = dir.resolve("node_modules").resolve("cluster-client").resolve("package.json");
        if (!Files.isRegularFile(pkg)) {
            return false;
        }
        try {
            Matcher m = VERSION_FIELD.matcher(Files.readString(pkg, StandardCharsets.UTF_8));
            return m.find() && CLUSTER_CLIENT_VERSION.equals(m.group(1));
        } catch (IOException e) {
            return false;
        }
    }

    private void runNpmInstall(Path dir) {
        Path log = dir.resolve("npm-install.log");
        ProcessBuilder pb = new ProcessBuilder(npm, "install", "--no-audit", "--no-fund", "--ignore-scripts")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(nullFile()));
        pb.environment().put("npm_config_update_notifier", "false");
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start npm install in " + dir + ": " + e, e);
        }
        boolean finished;
        try {
            finished = process.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            destroyTree(process);
            throw new IllegalStateException("interrupted while running npm install in " + dir, e);
        }
        if (!finished) {
            destroyTree(process);
            throw new IllegalStateException("npm install in " + dir + " did not finish in "
                    + INSTALL_TIMEOUT_MINUTES + " minutes\n" + logTail(log));
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("npm install in " + dir + " failed with exit code "
                    + process.exitValue() + "\n" + logTail(log));
        }
    }

    private static String logTail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            int from = Math.max(0, lines.size() - LOG_TAIL_LINES);
            return "--- last lines of " + log + " ---\n" + String.join("\n", lines.subList(from, lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static File nullFile() {
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
        return new File(windows ? "NUL" : "/dev/null");
    }
}

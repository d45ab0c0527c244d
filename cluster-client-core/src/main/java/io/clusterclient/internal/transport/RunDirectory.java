package io.clusterclient.internal.transport;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterOptions;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run directory: where the Unix sockets and the owner's secret live. Owner-only: created with
 * mode 0700 when missing (and so are the parents it creates); one that another user owns, or that
 * others can write, is refused. So is one under a directory another user owns (root aside): that
 * user could move the run directory away and put one of theirs in its place. One under a directory
 * others can write without the sticky bit (as {@code /tmp} has) is accepted with a warning, once: a
 * volume shared by the containers of a pod often is such a directory. Thread-safe.
 */
public final class RunDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);
  private static final int STICKY = 01000;
  private static final int GROUP_OR_OTHERS_WRITE = 0022;
  private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
  /** The mode of every file the library makes in the run directory: the owner's alone. */
  public static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
  private static volatile Integer ownUid;

  private RunDirectory() {}

  /**
   * Resolves the run directory of some options, creates it owner-only if missing, and checks it.
   *
   * @param options the options: {@code runDir}, or its default
   * @param forWhat what needs it, for the message on a system without POSIX permissions
   * @return the absolute directory
   * @throws ClusterConfigurationException naming the directory and the fix when it is not safe
   */
  public static Path prepare(ClusterOptions options, String forWhat) {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      throw new ClusterConfigurationException(
          forWhat + " needs a POSIX file system (Linux, macOS) to keep its files owner-only; on"
              + " this system use transport TCP with allowUnauthenticated(true), and keep the host"
              + " to trusted users");
    }
    Path dir = options.runDir().orElseGet(RunDirectory::defaultRunDir).toAbsolutePath().normalize();
    prepare(dir, options.originOf("runDir"));
    try {
      return dir.toRealPath(); // one spelling of it for every lock of this JVM
    } catch (IOException e) {
      throw new ClusterConfigurationException("cannot resolve the run directory " + dir + ": " + e, e);
    }
  }

  /**
   * The run directory some options name, or its default, without creating or checking it.
   *
   * @param options the options
   * @return the absolute directory
   */
  public static Path resolve(ClusterOptions options) {
    return options.runDir().orElseGet(RunDirectory::defaultRunDir).toAbsolutePath().normalize();
  }

  /** {@code $XDG_RUNTIME_DIR/cluster-client}, else {@code <java.io.tmpdir>/cluster-client-<user>}. */
  static Path defaultRunDir() {
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "cluster-client");
    }
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return Path.of(System.getProperty("java.io.tmpdir"), "cluster-client-" + user);
  }

  static String hint(String origin) {
    return switch (origin) {
      case "code" -> "ClusterOptions.Builder.runDir";
      case "default" -> "ClusterOptions.Builder.runDir, -Dclusterclient.runDir or CLUSTER_CLIENT_RUN_DIR";
      default -> origin;
    };
  }

  /** Creates the directory owner-only if missing; refuses one another user owns or others can write. */
  private static void prepare(Path dir, String origin) {
    try {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        if (dir.getParent() != null) {
          Files.createDirectories(dir.getParent(), PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        }
        try {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        } catch (java.nio.file.FileAlreadyExistsException raced) {
          // another process made it meanwhile: checked below like any existing one
        }
        // The umask may have taken bits away from the mode asked for, never added any.
      }
      if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new ClusterConfigurationException(
            "the run directory " + dir + " is not a directory (a symbolic link or a file is in"
                + " its place): remove it, or choose another runDir (" + hint(origin) + ")");
      }
      int owner = ownerOf(dir);
      if (owner != ownUid()) {
        throw new ClusterConfigurationException(
            "the run directory " + dir + " belongs to uid " + owner + ", not to this process's uid "
                + ownUid() + ": another user could replace the sockets in it; choose a directory of"
                + " your own (" + hint(origin) + ")");
      }
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
      if (!OWNER_ONLY_DIR.containsAll(mode)) {
        boolean writable =
            mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE);
        throw new ClusterConfigurationException(
            "the run directory " + dir + " is " + (writable ? "writable by others" : "open to others")
                + " (" + PosixFilePermissions.toString(mode) + "): "
                + (writable ? "anyone could replace its sockets and secret" : "others could reach its sockets")
                + "; make it owner-only (chmod 700 " + dir + "), or choose another runDir ("
                + hint(origin) + ")");
      }
      checkParents(dir.toRealPath(), origin);
    } catch (IOException e) {
      throw new ClusterConfigurationException(
          "cannot prepare the run directory " + dir + ": " + e + "; choose another runDir ("
              + hint(origin) + ")",
          e);
    }
  }

  /**
   * Refuses a run directory under a directory another user owns (root aside); warns, once per
   * directory, about one under a directory others can write without the sticky bit.
   */
  private static void checkParents(Path real, String origin) throws IOException {
    for (String problem : parentProblems(real, ownUid())) {
      if (problem.startsWith("owned")) {
        throw new ClusterConfigurationException(
            "the run directory " + real + " is under " + problem.substring("owned ".length())
                + ": that user could move the run directory away and put one of theirs in its place;"
                + " choose a runDir whose every parent belongs to you or to root (" + hint(origin) + ")");
      }
      if (WARNED.add(real)) {
        LOG.warn("the run directory {} is under {}: another local user could move it away and put one"
            + " of theirs in its place; set the sticky bit on that directory (chmod +t), or choose a"
            + " runDir whose parents only you and root can write ({})", real, problem, hint(origin));
      }
    }
  }

  /**
   * What is unsafe about the parents of a directory: {@code "owned <dir>, which uid <n> owns"} for a
   * parent another user owns (root aside), {@code "<dir>, which others can write (mode <octal>)"} for
   * one that others can write without the sticky bit.
   *
   * @param real the directory, with no symbolic link in its path
   * @param uid this process's uid
   * @return the problems, nearest parent first; empty when none
   * @throws IOException when a parent cannot be read
   */
  static List<String> parentProblems(Path real, int uid) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Path p = real.getParent(); p != null; p = p.getParent()) {
      int owner = ownerOf(p);
      int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      if (owner != 0 && owner != uid) {
        problems.add("owned " + p + ", which uid " + owner + " owns");
      } else if ((mode & GROUP_OR_OTHERS_WRITE) != 0 && (mode & STICKY) == 0) {
        problems.add(p + ", which others can write (mode " + Integer.toOctalString(mode & 07777) + ")");
      }
    }
    return problems;
  }

  /**
   * The uid that owns a file, itself and not a link's target.
   *
   * @param file the file
   * @return its owner's uid
   * @throws IOException when it cannot be read
   */
  public static int ownerOf(Path file) throws IOException {
    return (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
  }

  /** The uid of this process: the owner of its {@code /proc} entry, or of a file it creates. */
  public static int ownUid() throws IOException {
    Integer uid = ownUid;
    if (uid == null) {
      Path self = Path.of("/proc/self");
      if (Files.isDirectory(self)) {
        // Linux: /proc/self links to this process's directory, which its effective uid owns.
        uid = (Integer) Files.getAttribute(self, "unix:uid");
      } else {
        Path probe = Files.createTempFile("cluster-client-uid", ".tmp");
        try {
          uid = ownerOf(probe);
        } finally {
          Files.deleteIfExists(probe);
        }
      }
      ownUid = uid;
    }
    return uid;
  }

}

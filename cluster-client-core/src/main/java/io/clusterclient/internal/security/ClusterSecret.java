package io.clusterclient.internal.security;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.internal.transport.RunDirectory;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The secret that the processes of one owner share: 32 random bytes in {@code <runDir>/secret},
 * readable by the owner only. The first process creates it atomically (written to a temporary
 * file, then linked into place, so that no process ever reads half a secret); the others read it.
 * A secret file another user owns, or that others can read, is refused. Immutable once loaded.
 */
public final class ClusterSecret {
  /** Bytes of a secret. */
  public static final int LENGTH = 32;

  private static final Set<PosixFilePermission> OWNER_ONLY = RunDirectory.OWNER_ONLY_FILE;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] key;
  private final Path file;

  private ClusterSecret(byte[] key, Path file) {
    this.key = key;
    this.file = file;
  }

  /**
   * Loads the secret of a run directory, creating it if there is none yet.
   *
   * @param runDir the prepared, owner-only run directory
   * @param ownUid this process's uid
   * @return the secret
   * @throws ClusterConfigurationException naming the file and the fix when it cannot be used
   */
  public static ClusterSecret load(Path runDir, int ownUid) {
    Path file = runDir.resolve("secret");
    try {
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        create(file);
      }
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new ClusterConfigurationException(
            "the cluster secret " + file + " is not a regular file: remove it; the next process"
                + " creates a new one (every process of this owner then reads that one)");
      }
      int owner = RunDirectory.ownerOf(file);
      if (owner != ownUid) {
        throw new ClusterConfigurationException(
            "the cluster secret " + file + " belongs to uid " + owner + ", not to this process's uid "
                + ownUid + ": remove it, or choose a run directory of your own");
      }
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
      if (!OWNER_ONLY.containsAll(mode)) {
        throw new ClusterConfigurationException(
            "the cluster secret " + file + " can be read by others ("
                + PosixFilePermissions.toString(mode) + "): anyone who read it can use the shared"
                + " client; remove it (a new one is made) and restart every process of the cluster");
      }
      byte[] key = Files.readAllBytes(file);
      if (key.length != LENGTH) {
        throw new ClusterConfigurationException(
            "the cluster secret " + file + " holds " + key.length + " bytes, not " + LENGTH
                + ": remove it; the next process creates a new one");
      }
      return new ClusterSecret(key, file);
    } catch (IOException e) {
      throw new ClusterConfigurationException("cannot read or create the cluster secret " + file + ": " + e, e);
    }
  }

  private static void create(Path file) throws IOException {
    byte[] key = new byte[LENGTH];
    RANDOM.nextBytes(key);
    Path tmp = Files.createTempFile(file.getParent(), ".secret", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try {
      Files.write(tmp, key);
      try {
        Files.createLink(file, tmp); // atomic, and fails if another process got there first
      } catch (FileAlreadyExistsException raced) {
        // theirs is the secret now: read below
      } catch (java.nio.file.FileSystemException | UnsupportedOperationException noLinks) {
        try {
          Files.move(tmp, file); // without hard links: a rename that never replaces
        } catch (FileAlreadyExistsException raced) {
          // theirs is the secret now: read below
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** @return the key; never modify it */
  byte[] key() {
    return key;
  }

  /** @return the file it was read from */
  public Path file() {
    return file;
  }
}

package io.clusterclient.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a run directory's parents may be: owned by this user or root, and not open to writes. */
@Timeout(30)
class RunDirectoryTest {
  @TempDir Path tmp;

  private Path dir(String name, String mode) throws Exception {
    Path d = Files.createDirectory(tmp.resolve(name));
    Files.setAttribute(d, "unix:mode", Integer.parseInt(mode, 8));
    return d.toRealPath();
  }

  @Test
  void aParentOthersCanWriteWithoutTheStickyBitIsAProblemAndWithItIsNot() throws Exception {
    int uid = RunDirectory.ownUid();
    Path open = dir("open", "777");
    Path sticky = dir("sticky", "1777");
    Path closed = dir("closed", "755");
    assertThat(RunDirectory.parentProblems(open.resolve("run"), uid))
        .containsExactly(open + ", which others can write (mode 777)");
    assertThat(RunDirectory.parentProblems(sticky.resolve("run"), uid)).isEmpty();
    assertThat(RunDirectory.parentProblems(closed.resolve("run"), uid)).isEmpty();
  }

  @Test
  void aRunDirectoryUnderAnOpenParentIsUsedAndItsMissingParentsAreMadeOwnerOnly() throws Exception {
    Path open = dir("shared-volume", "777");
    Path runDir = open.resolve("a/b/run");
    Path prepared = RunDirectory.prepare(ClusterOptions.builder().runDir(runDir).build(), "the test");
    assertThat(prepared).isEqualTo(runDir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open.resolve("a"))))
        .isEqualTo("rwx------");
  }

  @Test
  void aRunDirectoryUnderAParentAnotherUserOwnsIsRefused() throws Exception {
    assumeTrue(RunDirectory.ownUid() == 0, "only root can give a directory to another user here");
    Path theirs = dir("theirs", "755");
    Files.setAttribute(theirs, "unix:uid", 12345);
    Path runDir = theirs.resolve("run");
    Files.createDirectory(runDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    assertThatThrownBy(() -> RunDirectory.prepare(ClusterOptions.builder().runDir(runDir).build(), "the test"))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("is under " + theirs + ", which uid 12345 owns")
        .hasMessageContaining("choose a runDir whose every parent belongs to you or to root");
  }
}

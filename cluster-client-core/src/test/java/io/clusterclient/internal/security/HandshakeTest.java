package io.clusterclient.internal.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.internal.transport.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The owner's secret on disk, and the proofs built from it. */
@Timeout(30)
class HandshakeTest {
  @TempDir Path dir;

  private Path runDir() throws Exception {
    return Files.createDirectory(dir.resolve("run"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
  }

  @Test
  void theFirstProcessCreatesTheSecretOwnerOnlyAndEveryOtherReadsTheSameOne() throws Exception {
    Path run = runDir();
    int uid = RunDirectory.ownUid();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<ClusterSecret>> racing = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        racing.add(CompletableFuture.supplyAsync(() -> ClusterSecret.load(run, uid), pool));
      }
      byte[] first = racing.get(0).join().key();
      for (CompletableFuture<ClusterSecret> s : racing) {
        assertThat(s.join().key()).as("one secret for all").isEqualTo(first);
      }
    } finally {
      pool.shutdownNow();
    }
    Path secret = run.resolve("secret");
    assertThat(Files.getPosixFilePermissions(secret)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.size(secret)).isEqualTo(ClusterSecret.LENGTH);
    try (var files = Files.list(run)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("secret");
    }
  }

  @Test
  void aSecretOthersCanReadIsRefusedNamingTheFileAndTheFix() throws Exception {
    Path run = runDir();
    ClusterSecret.load(run, RunDirectory.ownUid());
    Files.setPosixFilePermissions(run.resolve("secret"), PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> ClusterSecret.load(run, RunDirectory.ownUid()))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining(run.resolve("secret").toString())
        .hasMessageContaining("can be read by others")
        .hasMessageContaining("remove it");
  }

  @Test
  void aTruncatedSecretIsRefused() throws Exception {
    Path run = runDir();
    Files.write(run.resolve("secret"), new byte[5]);
    Files.setPosixFilePermissions(run.resolve("secret"), PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> ClusterSecret.load(run, RunDirectory.ownUid()))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("holds 5 bytes");
  }

  @Test
  void proofsAreBoundToTheSecretTheNoncesAndTheRole() throws Exception {
    Path run = runDir();
    Handshake mine = new Handshake(ClusterSecret.load(run, RunDirectory.ownUid()));
    Path other = Files.createDirectory(dir.resolve("other"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    Handshake theirs = new Handshake(ClusterSecret.load(other, RunDirectory.ownUid()));
    String f = Handshake.nonce();
    String l = Handshake.nonce();
    assertThat(Handshake.isNonce(f)).isTrue();
    assertThat(Handshake.isNonce("not a nonce")).isFalse();
    assertThat(Handshake.isNonce(42)).isFalse();

    String leaderProof = mine.leaderProof(7777, "registry", f, l);
    assertThat(Handshake.matches(leaderProof, mine.leaderProof(7777, "registry", f, l))).isTrue();
    assertThat(Handshake.matches(leaderProof, theirs.leaderProof(7777, "registry", f, l))).as("another secret").isFalse();
    assertThat(Handshake.matches(leaderProof, mine.leaderProof(7777, "registry", Handshake.nonce(), l)))
        .as("another nonce").isFalse();
    // A leader answering anyone's nonce gives nothing a follower could present as its own proof.
    assertThat(Handshake.matches(mine.followerProof(7777, "registry", l, f), mine.leaderProof(7777, "registry", l, f)))
        .as("another role").isFalse();
    // A stranger on another port cannot relay a follower's live proof to a leader elsewhere.
    assertThat(Handshake.matches(mine.followerProof(7777, "registry", l, f), mine.followerProof(7778, "registry", l, f)))
        .as("another port").isFalse();
    assertThat(Handshake.matches(mine.followerProof(7777, "registry", l, f), mine.followerProof(7777, "other", l, f)))
        .as("another channel").isFalse();
    assertThat(Handshake.matches(leaderProof, null)).isFalse();
  }
}

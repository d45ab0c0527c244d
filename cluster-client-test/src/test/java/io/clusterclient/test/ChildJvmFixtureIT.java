package io.clusterclient.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusterclient.Delegate;
import io.clusterclient.RealClientFactory;
import io.clusterclient.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Members in child JVMs: a real process leads, members of the test's JVM follow it, and a real
 * SIGKILL of that process hands the lead to one of them.
 */
@Timeout(120)
class ChildJvmFixtureIT {
  /** Tells which process answered. */
  public interface Where {
    @Delegate
    long pid();
  }

  /** The factory a child JVM instantiates: a public class with a public no-argument constructor. */
  public static final class RealWhere implements RealClientFactory<Where> {
    @Override
    public Where create() {
      return () -> ProcessHandle.current().pid();
    }
  }

  @RegisterExtension
  final ClusterFixture<Where> cluster =
      ClusterFixture.of(Where.class).realClient(new RealWhere()).members(0).childJvms(1, RealWhere.class).build();

  @Test
  void aChildJvmLeadsUntilItIsKilledThenAMemberOfThisJvmLeads() {
    ClusterMember<Where> child = cluster.awaitLeader();
    assertThat(child.inThisJvm()).isFalse();
    assertThatThrownBy(child::client).isInstanceOf(UnsupportedOperationException.class);

    ClusterMember<Where> a = cluster.join();
    ClusterMember<Where> b = cluster.join();
    assertThat(cluster.awaitLeader()).isSameAs(child);
    long childPid = a.client().pid();
    assertThat(childPid).isNotEqualTo(ProcessHandle.current().pid());
    assertThat(a.handle().leader().orElseThrow().pid()).isEqualTo(childPid);

    assertThat(cluster.killLeader()).isSameAs(child);
    ClusterMember<Where> next = cluster.awaitLeader();
    assertThat(next).isIn(a, b);
    assertThat(child.role()).isEqualTo(Role.CLOSED);
    assertThat(b.client().pid()).isEqualTo(ProcessHandle.current().pid());
  }
}

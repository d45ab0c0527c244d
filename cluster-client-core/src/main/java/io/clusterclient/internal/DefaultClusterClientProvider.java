package io.clusterclient.internal;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.internal.codec.JsonCodec;
import io.clusterclient.internal.codec.TypeChecks;
import io.clusterclient.internal.leader.RealClients;
import io.clusterclient.internal.proxy.MethodTable;
import io.clusterclient.internal.runtime.DefaultRuntime;
import io.clusterclient.internal.session.ClientInstance;
import io.clusterclient.internal.session.SessionMachine;
import io.clusterclient.spi.ClientSpec;
import io.clusterclient.spi.ClusterClientProvider;
import java.util.function.Function;

/** The implementation {@link java.util.ServiceLoader} finds. Thread-safe. */
public final class DefaultClusterClientProvider implements ClusterClientProvider {
  /** Called by {@link java.util.ServiceLoader}. */
  public DefaultClusterClientProvider() {}

  @Override
  public <T> T create(ClientSpec<T> spec) {
    String name = spec.options().name().orElse(spec.type().getSimpleName());
    boolean single = spec.options().singleMode();
    SessionMachine.Key key =
        new SessionMachine.Key(
            single, single ? 0 : spec.options().port(), name, spec.type(), spec.options().transport());
    MethodTable table = MethodTable.of(spec);
    TypeChecks.check(table, spec.options().codec().orElse(JsonCodec.shared()), spec.options());
    // Checked in every process, so that a follower reports a constructor that does not fit too.
    var factory = RealClients.factoryOf(spec);
    Function<DefaultRuntime, SessionMachine> make =
        runtime -> new SessionMachine(key, table, spec.options(), factory, runtime, null);
    DefaultRuntime given = runtimeOf(spec);
    SessionMachine session =
        given == null ? DefaultRuntime.shared().join(key, make) : given.join(key, make);
    ClientInstance instance = ClientInstance.create(session);
    return spec.type().cast(instance.proxy());
  }

  private static DefaultRuntime runtimeOf(ClientSpec<?> spec) {
    ClusterRuntime given = spec.runtime();
    if (given == null) {
      return null;
    }
    if (given instanceof DefaultRuntime own) {
      return own;
    }
    throw new ClusterConfigurationException(
        "the runtime " + given + " was not made by ClusterRuntime.create() of this implementation");
  }

  @Override
  public ClusterRuntime createRuntime(ClusterRuntime.Settings settings) {
    return DefaultRuntime.create(settings);
  }
}

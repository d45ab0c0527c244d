package io.clusterclient.internal;

import io.clusterclient.internal.session.ClientInstance;
import io.clusterclient.internal.session.SessionRegistry;
import io.clusterclient.spi.ClientSpec;
import io.clusterclient.spi.ClusterClientProvider;

/** The implementation {@link java.util.ServiceLoader} finds. Thread-safe. */
public final class DefaultClusterClientProvider implements ClusterClientProvider {
  /** Called by {@link java.util.ServiceLoader}. */
  public DefaultClusterClientProvider() {}

  @Override
  public <T> T create(ClientSpec<T> spec) {
    ClientInstance instance = ClientInstance.create(SessionRegistry.INSTANCE.join(spec));
    return spec.type().cast(instance.proxy());
  }
}

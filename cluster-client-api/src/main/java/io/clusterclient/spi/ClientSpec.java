package io.clusterclient.spi;

import io.clusterclient.ClusterOptions;
import io.clusterclient.DelegateType;
import io.clusterclient.RealClientFactory;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link io.clusterclient.ClusterClientBuilder} described, handed to the provider. Immutable
 * and thread-safe (the constructor arguments and override values are shared, not copied deeply).
 *
 * @param <T> the client type
 */
public final class ClientSpec<T> {
  private final Class<T> type;
  private final List<Rule> rules;
  private final Map<String, Object> overrides;
  private final java.util.Set<String> idempotent;
  private final boolean autoGenerate;
  private final ClusterOptions options;
  private final RealClientFactory<? extends T> factory;
  private final Object[] constructorArgs;
  private final io.clusterclient.ClusterRuntime runtime;

  /**
   * Creates a spec that runs on the shared default runtime.
   *
   * @param type the client type
   * @param rules the explicit delegation rules, in the order given
   * @param overrides fixed return values by method name
   * @param idempotent names of methods that may be sent again to a new leader
   * @param autoGenerate whether naming conventions delegate methods
   * @param options the options
   * @param factory the real client's factory, or null when {@code constructorArgs} is used
   * @param constructorArgs the real client's constructor arguments, or null when {@code factory} is used
   */
  public ClientSpec(
      Class<T> type,
      List<Rule> rules,
      Map<String, Object> overrides,
      java.util.Set<String> idempotent,
      boolean autoGenerate,
      ClusterOptions options,
      RealClientFactory<? extends T> factory,
      Object[] constructorArgs) {
    this(type, rules, overrides, idempotent, autoGenerate, options, factory, constructorArgs, null);
  }

  /**
   * Creates a spec.
   *
   * @param type the client type
   * @param rules the explicit delegation rules, in the order given
   * @param overrides fixed return values by method name
   * @param idempotent names of methods that may be sent again to a new leader
   * @param autoGenerate whether naming conventions delegate methods
   * @param options the options
   * @param factory the real client's factory, or null when {@code constructorArgs} is used
   * @param constructorArgs the real client's constructor arguments, or null when {@code factory} is used
   * @param runtime the runtime to run on, or null for the shared default one
   */
  public ClientSpec(
      Class<T> type,
      List<Rule> rules,
      Map<String, Object> overrides,
      java.util.Set<String> idempotent,
      boolean autoGenerate,
      ClusterOptions options,
      RealClientFactory<? extends T> factory,
      Object[] constructorArgs,
      io.clusterclient.ClusterRuntime runtime) {
    this.type = Objects.requireNonNull(type, "type");
    this.rules = List.copyOf(rules);
    this.overrides = Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
    this.idempotent = java.util.Set.copyOf(idempotent);
    this.autoGenerate = autoGenerate;
    this.options = Objects.requireNonNull(options, "options");
    this.factory = factory;
    this.constructorArgs = constructorArgs;
    this.runtime = runtime;
  }

  /** @return the runtime to run on, or null for the shared default one */
  public io.clusterclient.ClusterRuntime runtime() {
    return runtime;
  }

  /** @return the client type */
  public Class<T> type() {
    return type;
  }

  /** @return the explicit delegation rules, in the order given */
  public List<Rule> rules() {
    return rules;
  }

  /** @return fixed return values by method name */
  public Map<String, Object> overrides() {
    return overrides;
  }

  /** @return names of methods that may be sent again to a new leader */
  public java.util.Set<String> idempotent() {
    return idempotent;
  }

  /** @return whether naming conventions delegate methods */
  public boolean autoGenerate() {
    return autoGenerate;
  }

  /** @return the options */
  public ClusterOptions options() {
    return options;
  }

  /** @return the real client's factory, or null when constructor arguments are used */
  public RealClientFactory<? extends T> factory() {
    return factory;
  }

  /** @return a copy of the real client's constructor arguments, or null when a factory is used */
  public Object[] constructorArgs() {
    return constructorArgs == null ? null : constructorArgs.clone();
  }

  /**
   * One explicit delegation rule. Immutable.
   *
   * @param methodName the method's name
   * @param kind how it is delegated
   * @param parameterTypes the chosen overload's parameter types, or null for every overload
   */
  public record Rule(String methodName, DelegateType kind, List<Class<?>> parameterTypes) {
    /**
     * Checks and copies the parts.
     *
     * @param methodName the method's name
     * @param kind how it is delegated
     * @param parameterTypes the chosen overload's parameter types, or null for every overload
     */
    public Rule {
      Objects.requireNonNull(methodName, "methodName");
      Objects.requireNonNull(kind, "kind");
      parameterTypes = parameterTypes == null ? null : List.copyOf(parameterTypes);
    }
  }
}

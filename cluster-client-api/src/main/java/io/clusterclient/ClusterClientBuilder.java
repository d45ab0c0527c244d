package io.clusterclient;

import io.clusterclient.spi.ClientSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Describes a shared client: which methods are delegated and how, the options, and how to create the
 * real client. Not thread-safe; {@code create} copies what it needs, so a builder may be reused.
 *
 * <p>Rules are resolved when {@code create} is called, in this order: rules given here, then {@link
 * Delegate} annotations, then (unless {@link #autoGenerate(boolean) autoGenerate(false)}) the original
 * library's conventions: methods named {@code subscribe}, {@code unsubscribe}/{@code unSubscribe},
 * {@code publish} and {@code close} map to those kinds, and methods returning {@code
 * CompletableFuture} or {@code CompletionStage} are delegated as {@link DelegateType#INVOKE}.
 *
 * @param <T> the client type
 */
public final class ClusterClientBuilder<T> {
  private final Class<T> type;
  private final List<ClientSpec.Rule> rules = new ArrayList<>();
  private final Map<String, Object> overrides = new LinkedHashMap<>();
  private final java.util.Set<String> idempotent = new java.util.LinkedHashSet<>();
  private boolean autoGenerate = true;
  private ClusterOptions options;
  private ClusterRuntime runtime;

  ClusterClientBuilder(Class<T> type) {
    this.type = type;
  }

  /**
   * Delegates every overload of a method as {@link DelegateType#INVOKE}.
   *
   * @param methodName the method's name
   * @return this builder
   */
  public ClusterClientBuilder<T> delegate(String methodName) {
    return delegate(methodName, DelegateType.INVOKE);
  }

  /**
   * Delegates every overload of a method as the given kind.
   *
   * @param methodName the method's name
   * @param kind how it is delegated
   * @return this builder
   */
  public ClusterClientBuilder<T> delegate(String methodName, DelegateType kind) {
    rules.add(new ClientSpec.Rule(methodName, kind, null));
    return this;
  }

  /**
   * Delegates one overload of a method, chosen by its parameter types.
   *
   * @param methodName the method's name
   * @param kind how it is delegated
   * @param parameterTypes the overload's parameter types
   * @return this builder
   */
  public ClusterClientBuilder<T> delegate(
      String methodName, DelegateType kind, Class<?>... parameterTypes) {
    rules.add(new ClientSpec.Rule(methodName, kind, Arrays.asList(parameterTypes.clone())));
    return this;
  }

  /**
   * Makes a method return a fixed value in every process, without calling the real client (the
   * original library's {@code override}).
   *
   * @param methodName the method's name; every overload returns the value
   * @param value the value, assignable to the method's return type
   * @return this builder
   */
  public ClusterClientBuilder<T> override(String methodName, Object value) {
    overrides.put(Objects.requireNonNull(methodName, "methodName"), value);
    return this;
  }

  /**
   * Marks every overload of a delegated method as idempotent, like {@link Idempotent}: a call lost
   * with its leader is sent once more to the new leader instead of failing.
   *
   * @param methodName the method's name
   * @return this builder
   */
  public ClusterClientBuilder<T> idempotent(String methodName) {
    idempotent.add(Objects.requireNonNull(methodName, "methodName"));
    return this;
  }

  /**
   * Whether the original library's naming conventions delegate methods automatically (default true).
   *
   * @param autoGenerate false to delegate only what is named explicitly
   * @return this builder
   */
  public ClusterClientBuilder<T> autoGenerate(boolean autoGenerate) {
    this.autoGenerate = autoGenerate;
    return this;
  }

  /**
   * Sets the options; without it, {@link ClusterOptions#defaults()} applies.
   *
   * @param options the options
   * @return this builder
   */
  public ClusterClientBuilder<T> options(ClusterOptions options) {
    this.options = Objects.requireNonNull(options, "options");
    return this;
  }

  /**
   * Runs the client on a runtime of the caller's instead of the shared default one. Clients of one
   * name on different runtimes behave as if they were in different processes.
   *
   * @param runtime the runtime; it must not be closed
   * @return this builder
   */
  public ClusterClientBuilder<T> runtime(ClusterRuntime runtime) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    return this;
  }

  /**
   * Creates an instance whose real client, where this process leads, comes from the factory. The
   * factory never runs in a follower.
   *
   * @param factory creates the real client; runs on a worker thread, in the leader only
   * @return a proxy of type {@code T}; see {@link ClusterClient#handle(Object)} for its handle
   * @throws ClusterConfigurationException when the rules do not fit the type
   */
  public T create(RealClientFactory<? extends T> factory) {
    Objects.requireNonNull(factory, "factory");
    return ClusterClient.provider().create(spec(factory, null));
  }

  /**
   * Creates an instance whose real client, where this process leads, is made by the constructor of
   * {@code T} that matches these arguments. {@code T} must then be a concrete class.
   *
   * @param constructorArgs the arguments of the real client's constructor
   * @return a proxy of type {@code T}; see {@link ClusterClient#handle(Object)} for its handle
   * @throws ClusterConfigurationException when no constructor matches or the rules do not fit the type
   */
  public T create(Object... constructorArgs) {
    return ClusterClient.provider().create(spec(null, constructorArgs.clone()));
  }

  private ClientSpec<T> spec(RealClientFactory<? extends T> factory, Object[] constructorArgs) {
    ClusterOptions opts = options != null ? options : ClusterOptions.defaults();
    return new ClientSpec<>(
        type, rules, overrides, idempotent, autoGenerate, opts, factory, constructorArgs, runtime);
  }
}

package io.clusterclient.internal.proxy;

import java.lang.reflect.Method;
import net.bytebuddy.implementation.bind.annotation.AllArguments;
import net.bytebuddy.implementation.bind.annotation.Origin;
import net.bytebuddy.implementation.bind.annotation.RuntimeType;
import net.bytebuddy.implementation.bind.annotation.This;

/**
 * Receives every intercepted call of a generated proxy. One instance per proxy instance.
 * Implementations must be thread-safe: a proxy is shared by the user's threads.
 */
public abstract class ProxyDispatcher {
  /**
   * The entry point the generated code calls. Public for the generated class only.
   *
   * @param proxy the proxy instance
   * @param method the called method of the client type
   * @param args the arguments
   * @return the result
   * @throws Throwable whatever the call throws, checked exceptions included
   */
  @RuntimeType
  public final Object intercept(
      @This Object proxy, @Origin Method method, @AllArguments Object[] args) throws Throwable {
    return dispatch(proxy, method, args);
  }

  /**
   * Handles one call.
   *
   * @param proxy the proxy instance
   * @param method the called method
   * @param args the arguments
   * @return the result
   * @throws Throwable whatever the call throws
   */
  protected abstract Object dispatch(Object proxy, Method method, Object[] args) throws Throwable;
}

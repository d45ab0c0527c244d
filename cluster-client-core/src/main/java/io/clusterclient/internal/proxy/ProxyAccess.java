package io.clusterclient.internal.proxy;

/** Implemented by generated proxies so that the factory can attach a dispatcher. Internal. */
public interface ProxyAccess {
  /**
   * Attaches the dispatcher; called once, right after the instance is allocated.
   *
   * @param dispatcher the dispatcher
   */
  void set$$dispatcher(ProxyDispatcher dispatcher);
}

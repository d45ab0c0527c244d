package io.clusterclient.spring;

import io.clusterclient.spi.ClusterProxy;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.MergedBeanDefinitionPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;

/**
 * Turns off the destroy method that Spring infers for a {@code @Bean} of a cluster-client proxy
 * when that would be a {@code shutdown()} method. Spring calls a bean's public {@code close()}, or
 * else its {@code shutdown()}, when the context closes; on a proxy, {@code close()} closes this
 * process's instance (the library's convention), but {@code shutdown()} is a method of the real
 * client, which would run on the leader for every process that stops. {@link ClusterClients}
 * closes the clients it made instead.
 *
 * <p>Thread-safe: stateless.
 */
final class ClusterProxyDestroyMethodPostProcessor implements MergedBeanDefinitionPostProcessor {
  @Override
  public void postProcessMergedBeanDefinition(
      RootBeanDefinition beanDefinition, Class<?> beanType, String beanName) {
    if (ClusterProxy.class.isAssignableFrom(beanType)
        && AbstractBeanDefinition.INFER_METHOD.equals(beanDefinition.getDestroyMethodName())
        && !AutoCloseable.class.isAssignableFrom(beanType)
        && !hasPublicClose(beanType)) {
      beanDefinition.setDestroyMethodName("");
    }
  }

  private static boolean hasPublicClose(Class<?> type) {
    try {
      Method close = type.getMethod("close");
      return Modifier.isPublic(close.getModifiers());
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}

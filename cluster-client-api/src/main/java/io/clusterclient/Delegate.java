package io.clusterclient;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a client type as delegated to the process that holds the real client, as an
 * alternative to {@link ClusterClientBuilder#delegate(String, DelegateType)}.
 *
 * <pre>{@code
 * public interface Registry {
 *   @Delegate String getData(String path);
 *   @Delegate(DelegateType.INVOKE_ONEWAY) void report(Metrics metrics);
 * }
 * }</pre>
 *
 * <p>A rule given to the builder for the same method wins over the annotation.
 *
 * <p>An annotation: immutable and thread-safe.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Delegate {
  /**
   * How the method is delegated.
   *
   * @return the delegation kind, {@link DelegateType#INVOKE} by default
   */
  DelegateType value() default DelegateType.INVOKE;
}

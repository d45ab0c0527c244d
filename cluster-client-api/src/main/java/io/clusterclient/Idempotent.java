package io.clusterclient;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a delegated method as safe to run twice: when the leader is lost while the call is in
 * flight, the call is sent once more to the new leader instead of failing with {@link
 * LeaderLostException}. Mark reads, and writes that set rather than add. The builder's {@link
 * ClusterClientBuilder#idempotent(String)} does the same.
 *
 * <p>An annotation: immutable and thread-safe.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Idempotent {}

package io.clusterclient;

/**
 * A value could not travel: the codec could not write an argument or a result, or could not read
 * one back as its declared type. The call did not run when an argument failed; when a result
 * failed, the real client ran and its result was lost. The message names the method, the value and
 * the codec's reason. Thrown alike in the leader's process and in followers (see {@link
 * ClusterOptions.Builder#codecOnLeader}).
 *
 * <p>Fix the type (Jackson needs getters or fields to write and a constructor it can use to read),
 * or pass a codec that knows it ({@code JacksonCodec.customized(...)} in the core module).
 */
public class ClusterCodecException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what could not be written or read, and why
   * @param cause the codec's exception, or null
   */
  public ClusterCodecException(String message, Throwable cause) {
    super(message, cause);
  }
}

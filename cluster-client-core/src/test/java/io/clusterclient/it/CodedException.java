package io.clusterclient.it;

/** An unchecked exception with an error code, like a Node.js error's {@code code}. */
public class CodedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public CodedException(String message, String code) {
    super(message);
    this.code = code;
  }

  public String getCode() {
    return code;
  }
}

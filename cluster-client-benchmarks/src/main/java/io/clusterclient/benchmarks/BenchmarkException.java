package io.clusterclient.benchmarks;

/** A workload could not be measured; the harness reports it and goes on with the next one. */
final class BenchmarkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BenchmarkException(String message) {
    super(message);
  }

  BenchmarkException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.clusterclient.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.RemoteInvocationException;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RemoteErrorsTest {
  interface Api {
    String read(String path) throws IOException;

    String plain();
  }

  private static Method method(String name) throws NoSuchMethodException {
    for (Method m : Api.class.getMethods()) {
      if (m.getName().equals(name)) {
        return m;
      }
    }
    throw new NoSuchMethodException(name);
  }

  @Test
  void aDeclaredCheckedExceptionIsRebuiltWithTheRemoteErrorAsItsCause() throws Exception {
    Map<String, Object> wire =
        RemoteErrors.encode(new java.io.FileNotFoundException("/etc/missing"));
    Throwable t = RemoteErrors.decode(wire, method("read"), "Api.read(String) failed on leader pid 1");
    // FileNotFoundException is not declared, but its superclass IOException is.
    assertThat(t).isExactlyInstanceOf(IOException.class).hasMessage("/etc/missing");
    assertThat(t.getCause()).isInstanceOf(RemoteInvocationException.class);
    assertThat(((RemoteInvocationException) t.getCause()).remoteClassName())
        .isEqualTo("java.io.FileNotFoundException");
  }

  @Test
  void aClassNamedByTheWireIsNeverInstantiatedUnlessTheMethodDeclaresIt() throws Exception {
    Map<String, Object> hostile =
        Map.of(
            "name", "java.lang.ProcessBuilder",
            "message", "boom",
            "javaTypes", List.of("java.lang.ProcessBuilder", "java.net.URL", "java.io.IOException"));
    Throwable onPlain = RemoteErrors.decode(hostile, method("plain"), "Api.plain()");
    assertThat(onPlain).isExactlyInstanceOf(RemoteInvocationException.class);
    assertThat(((RemoteInvocationException) onPlain).remoteClassName())
        .isEqualTo("java.lang.ProcessBuilder");
    // Even where a listed name is declared, only that declared type is built.
    Throwable onRead = RemoteErrors.decode(hostile, method("read"), "Api.read(String)");
    assertThat(onRead).isExactlyInstanceOf(IOException.class);
  }

  @Test
  void theRemoteStackBecomesTheCausesFramesAndTheCodeIsKept() {
    Map<String, Object> wire = RemoteErrors.encode(new IllegalStateException("bad"));
    RemoteInvocationException t =
        (RemoteInvocationException) RemoteErrors.decode(wire, null, "Api.plain() failed");
    assertThat(t.getMessage()).contains("Api.plain() failed").contains("IllegalStateException").contains("bad");
    assertThat(t.getCause().getStackTrace()).isNotEmpty();
    assertThat(t.getCause().getStackTrace()[0].getClassName()).isEqualTo(RemoteErrorsTest.class.getName());
    Map<String, Object> node = Map.of("name", "EchoError", "message", "m", "code", "E_ECHO", "stack", "EchoError: m\n    at echo (peer.js:10:5)");
    RemoteInvocationException fromNode = (RemoteInvocationException) RemoteErrors.decode(node, null, "echo");
    assertThat(fromNode.code()).isEqualTo("E_ECHO");
    assertThat(fromNode.remoteClassName()).isEqualTo("EchoError");
  }
}

package io.clusterclient.testing;

import io.netty.buffer.AbstractByteBuf;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (paranoid in tests) reports a buffer that was never
 * released, instead of leaving an ERROR line in a green build. Registered for every test class of
 * the module through JUnit's extension auto-detection ({@code junit-platform.properties}).
 *
 * <p>Netty reports a leak only once the buffer was collected and a later allocation polls the
 * detector, so after each class this collects garbage and allocates ({@link LeakFlush}). A leak is
 * thus reported after the class that made it, or at the latest after the next one; the message
 * holds Netty's record of where the buffer was last touched.
 */
public final class FailOnLeaks implements AfterAllCallback {
  private static final List<String> LEAKS = new ArrayList<>();
  private static volatile boolean installed;

  public FailOnLeaks() {
    install();
  }

  private static synchronized void install() {
    if (installed) {
      return;
    }
    ResourceLeakDetector<?> detector = byteBufDetector();
    detector.setLeakListener(
        (type, records) -> {
          synchronized (LEAKS) {
            LEAKS.add(type + " leaked:" + records);
          }
        });
    installed = true;
  }

  private static ResourceLeakDetector<?> byteBufDetector() {
    try {
      Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
      field.setAccessible(true);
      return (ResourceLeakDetector<?>) field.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "cannot reach Netty's ByteBuf leak detector (AbstractByteBuf.leakDetector); Netty's"
              + " internals changed: update FailOnLeaks",
          e);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    LeakFlush.flush();
    List<String> found;
    synchronized (LEAKS) {
      found = new ArrayList<>(LEAKS);
      LEAKS.clear();
    }
    if (!found.isEmpty()) {
      throw new AssertionError(
          found.size()
              + " ByteBuf(s) were never released, in "
              + context.getDisplayName()
              + " or the test class before it; the first ones:\n"
              + String.join("\n", found.subList(0, Math.min(3, found.size()))));
    }
  }
}

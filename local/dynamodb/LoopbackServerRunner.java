/*
 * Starts the official DynamoDB Local bound to 127.0.0.1. Its own ServerRunner hands the port to Jetty's
 * Server(int), which listens on every interface, and it has no option to choose the address; this runner
 * builds the same server from the same command line and sets the connector's host before starting it.
 * Compiled once by local/dynamodb/launcher.ts (with the JDK's compiler module) and cached.
 *
 * With -Ddiplowire.exitWithParent=true it also exits when its standard input closes: the launcher keeps
 * a pipe open, which the kernel closes when the local cloud dies, even by SIGKILL, so a crashed cloud
 * never leaves a JVM behind that holds the port and the database (and burns CPU).
 */
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackServerRunner {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) ((ServerConnector) connector).setHost("127.0.0.1");
    proxy.start();
    if (Boolean.getBoolean("diplowire.exitWithParent")) {
      Thread watcher = new Thread(() -> {
        try {
          while (System.in.read() != -1) {
            // The launcher never writes: anything read is ignored until end of stream.
          }
        } catch (java.io.IOException ignored) {
          // A broken pipe means the same: the parent is gone.
        }
        System.exit(0);
      }, "exit-with-parent");
      watcher.setDaemon(true);
      watcher.start();
    }
  }
}

/*
 * Starts the official DynamoDB Local bound to 127.0.0.1. Its own ServerRunner hands the port to Jetty's
 * Server(int), which listens on every interface, and it has no option to choose the address; this runner
 * builds the same server from the same command line and sets the connector's host before starting it.
 * Compiled once by local/dynamodb/launcher.ts (with the JDK's compiler module) and cached.
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
  }
}
